"""REST API of joint meetings: /api/v1/meetings/{id}/cohosts/.

GET: the communities co-hosting the meeting (anyone who may see it). PUT: the hosts and
coordinators (`meetings.manage_cohosts`) set the list, by slug, among the related
communities (`meetings.cohosts.set_cohosts`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.models import Community

from . import cohosts
from .api import _meeting_for, meeting_and_body


class CohostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["slug", "name"]
        read_only_fields = fields


class CohostsSerializer(serializers.Serializer):
    communities = serializers.ListField(
        child=serializers.SlugField(max_length=60),
        max_length=cohosts.MAX_COHOSTS,
        help_text="Slugs of related communities; an empty list removes every co-host.",
    )


class MeetingCohostsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CohostSerializer(many=True), summary="A meeting's co-hosts")
    def get(self, request, meeting_id: int):
        meeting = _meeting_for(request.user, meeting_id)
        return Response(CohostSerializer(cohosts.cohosts_of(meeting), many=True).data)

    @extend_schema(
        request=CohostsSerializer,
        responses=CohostSerializer(many=True),
        summary="Set a meeting's co-hosting communities",
    )
    def put(self, request, meeting_id: int):
        meeting, data = meeting_and_body(
            request, meeting_id, "meetings.manage_cohosts", CohostsSerializer
        )
        wanted = set(data["communities"])
        choices = {c.slug: c for c in cohosts.cohost_choices(meeting)}
        unknown = sorted(wanted - set(choices))
        if unknown:
            raise serializers.ValidationError(
                {"communities": [f"Not related communities: {', '.join(unknown)}."]}
            )
        chosen = cohosts.set_cohosts(
            meeting=meeting, communities=[choices[slug] for slug in wanted], by=request.user
        )
        return Response(CohostSerializer(chosen, many=True).data)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "meetings.view_meeting", "put": "meetings.manage_cohosts"}
