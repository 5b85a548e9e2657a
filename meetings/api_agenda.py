"""REST API of agenda suggestions: /api/v1/meetings/{id}/agenda/suggestions/.

GET: the suggestions for the meeting's agenda, best first, each with its reason (hosts
and coordinators: `meetings.change_meeting`). POST `{"key": …}`: accept one of them; it
becomes an accepted agenda item linked to its source. A meeting the caller may not see
is 404; a closed agenda has no suggestions.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.extensions import agenda_suggestions
from cop.permissions import authorize

from . import services
from .api import AgendaItemSerializer, _meeting_for
from .views_agenda import MAX_KEY_LENGTH, agenda_is_open


class AgendaSuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Pass it back to accept the suggestion.")
    kind = serializers.ChoiceField(choices=["votes", "unanswered", "gap", "trending"])
    title = serializers.CharField()
    reason = serializers.CharField(help_text="Why it is suggested, in plain words.")
    score = serializers.FloatField(help_text="Higher first; see the README for the rule.")
    url = serializers.CharField(allow_blank=True, help_text="Its source (a page of the site).")
    problem_id = serializers.IntegerField(allow_null=True)


class AcceptSuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=MAX_KEY_LENGTH)


class AgendaSuggestionsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def _meeting(self, request, meeting_id):
        meeting = _meeting_for(request.user, meeting_id)
        authorize(request.user, "meetings.change_meeting", meeting)
        return meeting

    @extend_schema(
        responses=AgendaSuggestionSerializer(many=True),
        summary="Suggestions for a meeting's agenda, each with its reason",
    )
    def get(self, request, meeting_id: int):
        meeting = self._meeting(request, meeting_id)
        found = []
        if agenda_is_open(meeting):
            found = agenda_suggestions(user=request.user, meeting=meeting)
        return Response(AgendaSuggestionSerializer(found, many=True).data)

    @extend_schema(
        request=AcceptSuggestionSerializer,
        responses={201: AgendaItemSerializer},
        summary="Accept an agenda suggestion (it becomes an accepted agenda item)",
    )
    def post(self, request, meeting_id: int):
        meeting = self._meeting(request, meeting_id)
        body = AcceptSuggestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not agenda_is_open(meeting):
            raise ValidationError("The agenda of this meeting is closed.")
        key = body.validated_data["key"]
        chosen = next(
            (s for s in agenda_suggestions(user=request.user, meeting=meeting) if s.key == key),
            None,
        )
        if chosen is None:
            raise serializers.ValidationError({"key": "That suggestion is no longer offered."})
        item = services.accept_agenda_suggestion(
            meeting=meeting, by=request.user, suggestion=chosen
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "meetings.change_meeting", "post": "meetings.change_meeting"}
