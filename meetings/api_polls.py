"""REST API of scheduling polls: /api/v1/polls/.

Over `meetings.polls` and the declared permissions `meetings.view_poll`,
`meetings.create_poll`, `meetings.vote_poll` and `meetings.decide_poll`. A poll of a
community the caller may not see is 404. Each slot carries `starts_at` (UTC) and
`local_start`, the same instant in the caller's own zone.
"""

import zoneinfo

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api.support import ID_PATTERN, MAX_ID, NewestFirst
from cop.permissions import DeclaredPermission
from cop.selectors.communities import access_community, visible_communities

from . import polls, selectors
from .enums import MeetingKind, PollAnswer
from .models import Poll


def _zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class PollSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    starts_at = serializers.DateTimeField()
    local_start = serializers.SerializerMethodField(
        help_text="The start in the caller's own time zone, with its offset."
    )
    yes = serializers.IntegerField(source="yes_count")
    if_need_be = serializers.IntegerField(source="if_need_be_count")
    no = serializers.IntegerField(source="no_count")
    mine = serializers.SerializerMethodField(help_text="The caller's answer, or null.")

    def get_local_start(self, slot) -> str:
        return slot.starts_at.astimezone(_zone(self.context.get("user"))).isoformat()

    def get_mine(self, slot) -> str | None:
        return getattr(slot, "mine", "") or None


class PollSerializer(serializers.ModelSerializer):
    community = serializers.SlugField(source="community.slug", max_length=50)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    timezone = serializers.CharField(max_length=64)
    duration_minutes = serializers.IntegerField(
        min_value=polls.MIN_DURATION, max_value=polls.MAX_DURATION, default=60
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    slots = serializers.SerializerMethodField()
    new_slots = serializers.ListField(
        child=serializers.DateTimeField(),
        write_only=True,
        min_length=1,
        max_length=polls.MAX_SLOTS,
        help_text="On create: the candidate starts, with their UTC offset.",
    )
    meeting = serializers.IntegerField(source="meeting_id", read_only=True, allow_null=True)

    class Meta:
        model = Poll
        fields = [
            "id",
            "community",
            "title",
            "kind",
            "description",
            "duration_minutes",
            "timezone",
            "status",
            "voters_count",
            "meeting",
            "slots",
            "new_slots",
            "created_at",
        ]
        read_only_fields = ["id", "status", "voters_count", "meeting", "created_at"]
        extra_kwargs = {"title": {"max_length": 200}}

    @extend_schema_field(PollSlotSerializer(many=True))
    def get_slots(self, poll) -> list[dict]:
        view = selectors.poll_view(poll, self.context["user"])
        return PollSlotSerializer(view.slots, many=True, context=self.context).data


class VoteSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ChoiceField(choices=PollAnswer.choices),
        help_text="Slot id → yes, if_need_be or no; a slot left out is no.",
    )
    rsvp_if_chosen = serializers.BooleanField(
        default=True, help_text="Answer going for me if a slot I said yes to is chosen."
    )


class ScheduleSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=MAX_ID)


SIGNED_IN_AND_DECLARED = [permissions.IsAuthenticated, DeclaredPermission]


@extend_schema_view(
    list=extend_schema(summary="Scheduling polls the caller may see, newest first"),
    retrieve=extend_schema(summary="One poll, its slots best first"),
    create=extend_schema(summary="Propose candidate slots for a meeting (coordinators)"),
)
class PollViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PollSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, DeclaredPermission]
    permissions = {
        "list": "meetings.view_poll",
        "retrieve": "meetings.view_poll",
        "create": "meetings.create_poll",
        "vote": "meetings.vote_poll",
        "schedule": "meetings.decide_poll",
        "close": "meetings.decide_poll",
    }
    pagination_class = NewestFirst
    lookup_value_regex = ID_PATTERN

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    def permission_object(self):
        if self.action == "create":
            slug = self.request.data.get("community") if hasattr(self.request, "data") else None
            if not isinstance(slug, str) or not slug or len(slug) > 50:
                raise serializers.ValidationError({"community": "Name the community (its slug)."})
            return access_community(self.request.user, slug)
        return None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Poll.objects.none()
        return Poll.objects.filter(
            community__in=visible_communities(self.request.user)
        ).select_related("community")

    def get_object(self) -> Poll:
        poll = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, poll)
        return poll

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().order_by("-created_at", "-id"))
        return self.get_paginated_response(
            PollSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def create(self, request, *args, **kwargs):
        community = self.permission_object()
        body = PollSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        poll = polls.create_poll(
            community=community,
            by=request.user,
            title=data["title"],
            kind=data["kind"],
            description=data.get("description", ""),
            duration_minutes=data["duration_minutes"],
            timezone_name=data["timezone"],
            slots=data["new_slots"],
        )
        return Response(
            PollSerializer(poll, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=VoteSerializer, responses=PollSerializer)
    @action(detail=True, methods=["post"], permission_classes=SIGNED_IN_AND_DECLARED)
    def vote(self, request, pk=None):
        """Mark the slots yes / if need be / no (members, while the poll is open)."""
        poll = self.get_object()
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if len(body.validated_data["answers"]) > polls.MAX_SLOTS:
            raise serializers.ValidationError({"answers": "At most one answer per slot."})
        answers = {}
        for key, answer in body.validated_data["answers"].items():
            if not str(key).isdigit() or len(str(key)) > 18:
                raise serializers.ValidationError({"answers": "Keys are slot ids."})
            answers[int(key)] = answer
        polls.vote(
            poll=poll,
            user=request.user,
            answers=answers,
            rsvp_if_chosen=body.validated_data["rsvp_if_chosen"],
        )
        return Response(PollSerializer(poll, context=self.get_serializer_context()).data)

    @extend_schema(request=ScheduleSerializer, responses=PollSerializer)
    @action(detail=True, methods=["post"], permission_classes=SIGNED_IN_AND_DECLARED)
    def schedule(self, request, pk=None):
        """Turn a slot into the meeting (coordinators); yes-voters who chose so are
        RSVPed going."""
        poll = self.get_object()
        body = ScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        slot = get_object_or_404(poll.slots, pk=body.validated_data["slot"])
        polls.schedule_from_poll(poll=poll, slot=slot, by=request.user)
        poll.refresh_from_db()
        return Response(PollSerializer(poll, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=PollSerializer)
    @action(detail=True, methods=["post"], permission_classes=SIGNED_IN_AND_DECLARED)
    def close(self, request, pk=None):
        """Close an open poll without a meeting (coordinators); 400 once decided or closed."""
        poll = polls.close_poll(poll=self.get_object(), by=request.user)
        return Response(PollSerializer(poll, context=self.get_serializer_context()).data)
