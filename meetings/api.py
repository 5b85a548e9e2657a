"""REST API of the meetings app: meetings, RSVPs and series.

Over the same services (`meetings.services`), selectors and `rules` predicates as
the pages: a private community's meetings are 404 to non-members, lists only hold
what the caller may see.
"""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response

from cop.api.support import (
    ID_PATTERN,
    MAX_ID,
    CursorPagination,
    MarkdownHTMLField,
    SlugFilter,
    StrictBooleanFilter,
)
from cop.enums import MembershipStatus
from cop.models import Membership, User
from cop.permissions import authorize
from cop.selectors.communities import access_community, visible_communities

from . import selectors, services
from .enums import AgendaItemStatus, EditScope, MeetingKind, MeetingStatus, RSVPAnswer
from .models import Meeting, Series


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


class MeetingSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField(max_length=64)
    description_html = MarkdownHTMLField("description")
    agenda_html = MarkdownHTMLField("agenda")
    notes_html = MarkdownHTMLField("notes")
    hosts = PersonSerializer(many=True, read_only=True)
    scope = serializers.ChoiceField(
        choices=EditScope.choices,
        required=False,
        write_only=True,
        help_text="On update: `this` meeting only (the default) or `following`: this one "
        "and the later meetings of its series.",
    )
    host_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        write_only=True,
        help_text="User ids of the hosts (active members); the creator when left out.",
    )
    going_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    waitlist_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    my_answer = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "url",
            "ics_url",
            "community",
            "series",
            "title",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "timezone",
            "location",
            "online_url",
            "capacity",
            "remind_maybe",
            "description",
            "description_html",
            "agenda",
            "agenda_html",
            "notes",
            "notes_html",
            "hosts",
            "host_ids",
            "scope",
            "going_count",
            "waitlist_count",
            "my_answer",
            "created_at",
        ]
        read_only_fields = ["id", "series", "status", "notes", "created_at"]

    def get_url(self, meeting) -> str:
        return _absolute(self.context["request"], meeting.get_absolute_url())

    def get_ics_url(self, meeting) -> str:
        path = reverse(
            "meetings:ics", kwargs={"slug": meeting.community.slug, "meeting_id": meeting.pk}
        )
        return _absolute(self.context["request"], path)

    def get_my_answer(self, meeting) -> str | None:
        """The caller's answer: going, maybe, not_going or waitlisted; null if none."""
        answer = getattr(meeting, "my_answer", None)
        if answer == RSVPAnswer.GOING and getattr(meeting, "my_waitlisted", False):
            return "waitlisted"
        return answer

    def validate(self, attrs):
        moved = (
            self.instance is not None
            and "community" in attrs
            and attrs["community"]["slug"] != self.instance.community.slug
        )
        if moved:
            raise serializers.ValidationError(
                {"community": "A meeting cannot move to another community."}
            )
        return attrs


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RSVPRequestSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=RSVPAnswer.choices)


class RSVPResultSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    answer = serializers.ChoiceField(choices=RSVPAnswer.choices)
    status = serializers.ChoiceField(
        choices=[*RSVPAnswer.values, "waitlisted"],
        help_text="going, maybe, not_going, or waitlisted when going beyond capacity.",
    )
    position = serializers.IntegerField(
        allow_null=True, help_text="Place on the waitlist (1 is next); null otherwise."
    )


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 in any offset the database can take: normalised to UTC, out of range
    is a 400 with a reason."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("This date is out of range.") from exc


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class MeetingFilter(django_filters.FilterSet):
    community = SlugFilter(
        field_name="community__slug", help_text="Only this community's meetings (its slug)."
    )
    starts_after = UTCDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Starting at or after (ISO 8601)."
    )
    starts_before = UTCDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Starting before (ISO 8601)."
    )
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)
    mine = StrictBooleanFilter(
        method="filter_mine",
        help_text="true: only meetings of communities the caller is an active member of.",
    )

    class Meta:
        model = Meeting
        fields = ["community", "starts_after", "starts_before", "status", "mine"]

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user if self.request is not None else None
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(
            community__in=Membership.objects.filter(
                user=user, status=MembershipStatus.ACTIVE
            ).values("community_id")
        )


def _meeting_for(user, pk) -> Meeting:
    """Fetch-and-authorise by id alone, through the meetings selector (404 when the
    caller may not see it)."""
    slug = Meeting.objects.filter(pk=pk).values_list("community__slug", flat=True).first()
    if slug is None:
        raise Http404("No such meeting.")
    return selectors.access_meeting(user, slug, pk)


def meeting_and_body(request, meeting_id, permission: str, serializer_class):
    """The meeting (404 when unseen, 403 without `permission` on it) and the request
    body validated by `serializer_class` (400 when invalid)."""
    meeting = _meeting_for(request.user, meeting_id)
    authorize(request.user, permission, meeting)
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return meeting, body.validated_data


def _agenda_item_for(request, pk, permission: str, serializer_class):
    """As meeting_and_body, with the agenda item the body names (404 when it is not
    this meeting's)."""
    meeting, data = meeting_and_body(request, pk, permission, serializer_class)
    return meeting, get_object_or_404(meeting.agenda_items, pk=data["item"]), data


def _members_post(url_path: str):
    """A POST action on one meeting for signed-in callers; the action authorises itself."""
    return action(
        detail=True,
        methods=["post"],
        url_path=url_path,
        permission_classes=[permissions.IsAuthenticated],
    )


def _agenda(meeting: Meeting) -> list:
    accepted, proposed, declined = selectors.agenda(meeting)
    return AgendaItemSerializer([*accepted, *proposed, *declined], many=True).data


def _feed_url(request, token) -> str:
    return _absolute(request, reverse("meetings:personal_ics", args=[token.token]))


def _hosts(community, ids) -> list[User] | None:
    if ids is None:
        return None
    found = list(User.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise serializers.ValidationError({"host_ids": "Some of these users do not exist."})
    return found


class BySoonest(CursorPagination):
    ordering = ("starts_at", "id")


class ByTitle(CursorPagination):
    ordering = ("title", "id")


class AgendaItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    details = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    details_html = MarkdownHTMLField("details")
    problem = serializers.IntegerField(
        source="problem_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    status = serializers.CharField(read_only=True)
    votes = serializers.SerializerMethodField()
    proposed_by = serializers.CharField(source="proposed_by.name", read_only=True, default="")

    def get_votes(self, item) -> int:
        return getattr(item, "vote_count", None) or item.votes.count()


class AgendaActionSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    vote = serializers.BooleanField(required=False, default=True)
    status = serializers.ChoiceField(choices=AgendaItemStatus.choices, required=False)


class AgendaStatusSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=AgendaItemStatus.choices)


class AgendaMoveSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    direction = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.name")
    walk_in = serializers.BooleanField()
    marked_at = serializers.DateTimeField()


class AttendanceSerializer(serializers.Serializer):
    """Who came: `attendees` from the answers, `walk_ins` members who came without
    answering (user ids). POSTing replaces an earlier list."""

    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=5000
    )
    walk_ins = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=5000,
        required=False,
        default=list,
    )


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The caller's personal iCalendar feed: keep it secret.")


class NotesSerializer(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True, max_length=50000)
    notes_html = MarkdownHTMLField("notes")


class MeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Meetings the caller may see, soonest first. Filter by `community` (slug) and
    `starts_after`/`starts_before`; `mine=true` for the caller's own communities.
    Coordinators schedule; hosts and coordinators update and cancel."""

    lookup_value_regex = ID_PATTERN

    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filterset_class = MeetingFilter
    pagination_class = BySoonest

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        user = self.request.user
        meetings = Meeting.objects.filter(community__in=visible_communities(user))
        # The meetings selector's own counts, the caller's answer and hosts.
        return selectors._with_counts(meetings, user).order_by("starts_at", "id")

    def get_object(self) -> Meeting:
        meeting = _meeting_for(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=meeting.pk)

    def _write_fields(self, data: dict) -> dict:
        data = dict(data)
        data.pop("community", None)
        data.pop("host_ids", None)
        if "timezone" in data:
            data["timezone_name" if self.action == "create" else "timezone"] = data.pop("timezone")
        return data

    def perform_create(self, serializer):
        community = access_community(
            self.request.user, serializer.validated_data["community"]["slug"]
        )
        authorize(self.request.user, "meetings.add_meeting", community)
        data = self._write_fields(serializer.validated_data)
        data.pop("scope", None)  # a new meeting has nothing following
        hosts = _hosts(community, serializer.validated_data.get("host_ids"))
        meeting = services.schedule_meeting(
            community=community, by=self.request.user, hosts=hosts, **data
        )
        serializer.instance = self.get_queryset().get(pk=meeting.pk)

    def perform_update(self, serializer):
        meeting = serializer.instance
        authorize(self.request.user, "meetings.change_meeting", meeting)
        data = self._write_fields(serializer.validated_data)
        hosts = _hosts(meeting.community, serializer.validated_data.get("host_ids"))
        services.edit_meeting(meeting=meeting, by=self.request.user, hosts=hosts, **data)
        serializer.instance = self.get_queryset().get(pk=meeting.pk)

    @extend_schema(request=CancelSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def cancel(self, request, pk=None):
        """Cancel the meeting (hosts and coordinators); everyone who answered is told."""
        meeting, data = meeting_and_body(request, pk, "meetings.change_meeting", CancelSerializer)
        services.cancel_meeting(meeting=meeting, by=request.user, reason=data.get("reason", ""))
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(self.get_serializer(meeting).data)

    @extend_schema(methods=["GET"], responses=AgendaItemSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=AgendaItemSerializer, responses={201: AgendaItemSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def agenda(self, request, pk=None):
        """GET: the agenda as the page shows it: accepted items in their order, then
        proposals by votes, then declined ones. POST: propose a topic
        (or a problem of the community by its id) for the agenda (members)."""
        meeting = _meeting_for(request.user, pk)
        if request.method == "GET":
            return Response(_agenda(meeting))
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        authorize(request.user, "meetings.propose_agenda_item", meeting)
        body = AgendaItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.propose_agenda_item(
            meeting=meeting,
            by=request.user,
            title=body.validated_data.get("title", ""),
            details=body.validated_data.get("details", ""),
            problem_id=body.validated_data.get("problem_id"),
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgendaActionSerializer, responses=AgendaItemSerializer)
    @_members_post("agenda-vote")
    def agenda_vote(self, request, pk=None):
        """Vote for an agenda item (`vote: false` takes the vote back; members)."""
        _meeting, item, data = _agenda_item_for(
            request, pk, "meetings.vote_agenda_item", AgendaActionSerializer
        )
        services.vote_agenda_item(item=item, user=request.user, vote=data["vote"])
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(request=AgendaStatusSerializer, responses=AgendaItemSerializer)
    @_members_post("agenda-status")
    def agenda_status(self, request, pk=None):
        """Accept, decline or reopen an agenda item (hosts and coordinators)."""
        _meeting, item, data = _agenda_item_for(
            request, pk, "meetings.change_meeting", AgendaStatusSerializer
        )
        item = services.set_agenda_item_status(item=item, by=request.user, status=data["status"])
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(request=AgendaMoveSerializer, responses=AgendaItemSerializer(many=True))
    @_members_post("agenda-move")
    def agenda_move(self, request, pk=None):
        """Move an accepted agenda item one place up or down (hosts and coordinators);
        answers the agenda in its new order."""
        meeting, item, data = _agenda_item_for(
            request, pk, "meetings.change_meeting", AgendaMoveSerializer
        )
        services.move_agenda_item(item=item, by=request.user, up=data["direction"] == "up")
        return Response(_agenda(meeting))

    @extend_schema(methods=["GET"], responses=AttendeeSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=AttendanceSerializer, responses=AttendeeSerializer(many=True)
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        permission_classes=[permissions.IsAuthenticated],
    )
    def attendance(self, request, pk=None):
        """GET: who was marked as there. POST: mark who came once the meeting has
        started (replaces an earlier list; attendance counts towards participation).
        Hosts and coordinators."""
        meeting = _meeting_for(request.user, pk)
        authorize(request.user, "meetings.change_meeting", meeting)
        if request.method == "POST":
            body = AttendanceSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            wanted = {*body.validated_data["attendees"], *body.validated_data["walk_ins"]}
            people = User.objects.in_bulk(wanted)
            if len(people) != len(wanted):
                raise serializers.ValidationError(
                    {"attendees": "Only members of the community can be marked as attending."}
                )
            services.mark_attendance(
                meeting=meeting,
                by=request.user,
                attendees=[people[pk] for pk in body.validated_data["attendees"]],
                walk_ins=[people[pk] for pk in body.validated_data["walk_ins"]],
            )
        rows = meeting.attendances.select_related("user").order_by("user__display_name", "pk")
        return Response(AttendeeSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=FeedSerializer)
    @action(detail=False, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def feed(self, request):
        """The caller's personal calendar feed (every meeting of their communities), for
        calendar apps. The address is a secret: `feed/revoke/` replaces it."""
        token = services.feed_token_for(user=request.user)
        return Response({"url": _feed_url(request, token)})

    @extend_schema(request=None, responses=FeedSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="feed/revoke",
        permission_classes=[permissions.IsAuthenticated],
    )
    def revoke_feed(self, request):
        """Give the personal calendar feed a new address; the old one stops working."""
        token = services.revoke_feed_token(user=request.user)
        return Response({"url": _feed_url(request, token)})

    @extend_schema(request=NotesSerializer, responses=NotesSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def notes(self, request, pk=None):
        """Write the meeting's notes in Markdown (hosts and coordinators)."""
        meeting, data = meeting_and_body(request, pk, "meetings.change_meeting", NotesSerializer)
        meeting = services.write_notes(meeting=meeting, by=request.user, notes=data["notes"])
        return Response(NotesSerializer(meeting).data)

    @extend_schema(request=RSVPRequestSerializer, responses=RSVPResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def rsvp(self, request, pk=None):
        """Answer going, maybe or not going. Going beyond the capacity waits on a fair
        first-come waitlist: `status` is then `waitlisted` with its `position`."""
        meeting = _meeting_for(request.user, pk)
        body = RSVPRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if meeting.status == MeetingStatus.SCHEDULED:
            # Who may answer (403); a meeting no longer open is the service's 400.
            authorize(request.user, "meetings.rsvp", meeting)
        row = services.rsvp(
            meeting=meeting, user=request.user, answer=body.validated_data["answer"]
        )
        position = services.waitlist_position(row)
        return Response(
            {
                "meeting": meeting.pk,
                "answer": row.answer,
                "status": "waitlisted" if row.waitlisted else row.answer,
                "position": position,
            }
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "meetings.view_meeting",
        "create": "meetings.add_meeting",
        "update": "meetings.change_meeting",
        "partial_update": "meetings.change_meeting",
        "cancel": "meetings.change_meeting",
        "agenda": "meetings.propose_agenda_item",
        "agenda_vote": "meetings.vote_agenda_item",
        "agenda_status": "meetings.change_meeting",
        "agenda_move": "meetings.change_meeting",
        "attendance": "meetings.change_meeting",
        "notes": "meetings.change_meeting",
        "feed": "cop.signed_in",
        "revoke_feed": "cop.signed_in",
        "rsvp": "meetings.rsvp",
    }


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "17:00:00",
        "description": "A local time of day (HH:MM or HH:MM:SS), in the series' time zone.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without a UTC offset. OpenAPI's `format: time` (RFC 3339) needs
    an offset, which a time kept across daylight-saving changes does not have."""


class SeriesSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug", read_only=True)
    description_html = MarkdownHTMLField("description")
    hosts = PersonSerializer(many=True, read_only=True)
    start_time = LocalTimeField(read_only=True, help_text="The local start time, kept across DST.")
    online_url = serializers.SerializerMethodField(help_text="The online link, or null.")

    class Meta:
        model = Series
        fields = [
            "id",
            "url",
            "community",
            "title",
            "kind",
            "status",
            "rrule",
            "starts_on",
            "start_time",
            "duration_minutes",
            "timezone",
            "location",
            "online_url",
            "capacity",
            "description",
            "description_html",
            "hosts",
            "confirmed_until",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, series) -> str:
        return _absolute(self.context["request"], series.get_absolute_url())

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_online_url(self, series) -> str | None:
        return series.online_url or None


class SeriesFilter(django_filters.FilterSet):
    community = SlugFilter(
        field_name="community__slug", help_text="Only this community's series (its slug)."
    )

    class Meta:
        model = Series
        fields = ["community", "status"]


class SeriesCreateSerializer(serializers.Serializer):
    community = serializers.SlugField(help_text="The community's slug.")
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    rrule = serializers.CharField(
        max_length=500, help_text="An RFC 5545 rule without DTSTART, e.g. FREQ=WEEKLY;BYDAY=TH."
    )
    starts_on = serializers.DateField(help_text="The local date of the first occurrence.")
    start_time = LocalTimeField(help_text="The local start time, kept across DST.")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)
    timezone = serializers.CharField(max_length=64)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_url = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    capacity = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SeriesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Meeting series (a rhythm of meetings) of the communities the caller may see.
    Coordinators start one; its hosts and coordinators confirm or end it."""

    lookup_value_regex = ID_PATTERN

    serializer_class = SeriesSerializer
    filterset_class = SeriesFilter
    pagination_class = ByTitle

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Series.objects.none()
        return (
            Series.objects.filter(community__in=visible_communities(self.request.user))
            .select_related("community")
            .prefetch_related(Prefetch("hosts", queryset=User.objects.order_by("pk")))
            .order_by("title", "id")
        )

    def get_object(self) -> Series:
        slug = (
            Series.objects.filter(pk=self.kwargs["pk"])
            .values_list("community__slug", flat=True)
            .first()
        )
        if slug is None:
            raise Http404("No such series.")
        series = selectors.access_series(self.request.user, slug, self.kwargs["pk"])
        return self.get_queryset().get(pk=series.pk)

    def get_serializer_class(self):
        return SeriesCreateSerializer if self.action == "create" else SeriesSerializer

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.IsAuthenticatedOrReadOnly()]
        return [permissions.IsAuthenticated()]

    @extend_schema(request=SeriesCreateSerializer, responses={201: SeriesSerializer})
    def create(self, request, *args, **kwargs):
        """Start a series; its occurrences up to the horizon become meetings."""
        serializer = SeriesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = access_community(request.user, data.pop("community"))
        authorize(request.user, "meetings.add_series", community)
        series = services.create_series(
            community=community,
            by=request.user,
            timezone_name=data.pop("timezone"),
            **data,
        )
        return self._answer(request, series, status=status.HTTP_201_CREATED)

    def _answer(self, request, series: Series, **response) -> Response:
        """The series as it is now, read again with the list's annotations."""
        return Response(
            SeriesSerializer(
                self.get_queryset().get(pk=series.pk), context={"request": request}
            ).data,
            **response,
        )

    def _managed(self, request, pk) -> Series:
        series = self.get_object()
        authorize(request.user, "meetings.change_series", series)
        return series

    @extend_schema(request=None, responses=SeriesSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm the series still runs, so new occurrences keep being made."""
        series = services.confirm_series(series=self._managed(request, pk), by=request.user)
        return self._answer(request, series)

    @extend_schema(request=None, responses=SeriesSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the series: its future meetings are cancelled and those who answered told."""
        series = services.end_series(series=self._managed(request, pk), by=request.user)
        return self._answer(request, series)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "meetings.add_series",
        "confirm": "meetings.change_series",
        "end": "meetings.change_series",
    }
