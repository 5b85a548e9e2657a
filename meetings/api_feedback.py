"""REST API of meeting feedback: /api/v1/meetings/{id}/feedback/.

GET: the summary (hosts and coordinators: `meetings.view_feedback`). POST: an
attendee's own feedback (`meetings.give_feedback`). A meeting the caller may not see
is 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.permissions import authorize

from . import feedback
from .api import _meeting_for, meeting_and_body


class MeetingFeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    keep = serializers.CharField(required=False, allow_blank=True, max_length=feedback.MAX_TEXT)
    change = serializers.CharField(required=False, allow_blank=True, max_length=feedback.MAX_TEXT)
    updated_at = serializers.DateTimeField(read_only=True)


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    count = serializers.IntegerField()


class FeedbackSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    distribution = RatingCountSerializer(many=True)
    entries = MeetingFeedbackSerializer(many=True, help_text="Without names, newest first.")


class MeetingFeedbackView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FeedbackSummarySerializer, summary="A meeting's feedback summary")
    def get(self, request, meeting_id: int):
        meeting = _meeting_for(request.user, meeting_id)
        authorize(request.user, "meetings.view_feedback", meeting)
        found = feedback.summary(meeting)
        return Response(
            FeedbackSummarySerializer(
                {
                    "count": found.count,
                    "average": found.average,
                    "distribution": [{"rating": r, "count": n} for r, n in found.distribution],
                    "entries": found.entries,
                }
            ).data
        )

    @extend_schema(
        request=MeetingFeedbackSerializer,
        responses={201: MeetingFeedbackSerializer},
        summary="Give (or replace) one's feedback on a meeting one attended",
    )
    def post(self, request, meeting_id: int):
        meeting, data = meeting_and_body(
            request, meeting_id, "meetings.give_feedback", MeetingFeedbackSerializer
        )
        row = feedback.give_feedback(meeting=meeting, user=request.user, **data)
        return Response(MeetingFeedbackSerializer(row).data, status=status.HTTP_201_CREATED)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "meetings.view_feedback",
        "post": "meetings.give_feedback",
    }
