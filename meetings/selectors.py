"""Reads of the meetings app that matter: each owns its joins and its visibility filter.

A private community's meetings are never visible to someone who is not an active
member of it: `access_meeting` raises 404 (never 403) and the lists only ever take
communities the viewer may see.
"""

import calendar
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, Visibility
from cop.models import Community, Membership, User
from cop.permissions import allowed
from cop.selectors.communities import access_community
from cop.services.notifications import digest_communities

from .cohosts import (
    add_cohosts,
    cohosted_by,
    cohosted_ids,
    host_visible_to,
    with_cohosts,
)
from .enums import AgendaItemStatus, MeetingStatus, RSVPAnswer
from .models import (
    RSVP,
    AgendaItem,
    AgendaVote,
    Attendance,
    CalendarFeedToken,
    Meeting,
    MeetingCohost,
    Poll,
    PollResponse,
    PollVote,
    Series,
)
from .models import RSVP as RSVPRow
from .polls import ranked_slots

# The columns a meeting row shows (`meetings/_meeting_row.html`): a list reads no
# description, agenda or notes, and no host. The counts are the meeting's stored
# counters (`meetings.counters`), not counted per request.
ROW_FIELDS = (
    "community_id", "title", "kind", "starts_at", "ends_at", "status", "location",
    "online_url", "capacity", "going_count", "waitlist_count", "attendance_count",
    "community__name", "community__slug",
)  # fmt: skip


def _with_counts(meetings: QuerySet[Meeting], user, *, hosts: bool = True) -> QuerySet[Meeting]:
    """The viewer's own answer and (with `hosts`) the hosts; the going, waitlist and
    attendance counts are the meeting's own columns."""
    meetings = meetings.select_related("community")
    if user is not None and user.is_authenticated:
        mine = RSVP.objects.filter(meeting=OuterRef("pk"), user=user).order_by()  # one row
        meetings = meetings.annotate(
            my_answer=Subquery(mine.values("answer")[:1]),
            my_waitlisted=Subquery(mine.values("waitlisted")[:1]),
        )
    else:
        meetings = meetings.annotate(
            my_answer=Value(None, output_field=CharField()),
            my_waitlisted=Value(None, output_field=BooleanField()),
        )
    if not hosts:
        return meetings
    return meetings.prefetch_related(Prefetch("hosts", queryset=User.objects.order_by("pk")))


def community_meetings(community: Community, user) -> QuerySet[Meeting]:
    """The community's meetings and those it co-hosts (`cohosts.cohosted_by`), with the
    columns of a meeting row only."""
    meetings = Meeting.objects.filter(cohosted_by(community, user)).only(*ROW_FIELDS)
    return with_cohosts(_with_counts(meetings, user, hosts=False), user)


def series_meetings(series: Series, user, *, limit: int = 50) -> list[Meeting]:
    """The series' meetings that have not ended, soonest first."""
    now = timezone.now()
    return list(
        with_cohosts(
            _with_counts(
                Meeting.objects.filter(series=series).only(*ROW_FIELDS), user, hosts=False
            ),
            user,
        )
        .filter(ends_at__gt=now)
        .order_by("starts_at")[:limit]
    )


def next_meetings(community: Community, user, *, limit: int = 3) -> list[Meeting]:
    """The next few scheduled meetings, for the community home page."""
    now = timezone.now()
    return list(
        community_meetings(community, user)
        .filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED)
        .order_by("starts_at")[:limit]
    )


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    meetings: list = field(default_factory=list)


@dataclass
class MonthCalendar:
    first: date
    weeks: list[list[CalendarDay]]
    previous: date
    next: date

    @property
    def has_meetings(self) -> bool:
        """Whether any meeting falls in the month itself (the agenda list's empty state)."""
        return any(day.meetings for week in self.weeks for day in week if day.in_month)


def month_calendar(
    community: Community, user, *, year: int, month: int, listed: Q | None = None
) -> MonthCalendar:
    """A month grid (weeks from Monday) with the community's meetings placed on the
    day they start in the viewer's current time zone. One query. `listed` is
    `cohosted_by` (the default) or the same filter already resolved."""
    zone = timezone.get_current_timezone()
    first = date(year, month, 1)
    weeks_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    grid_start, grid_end = weeks_dates[0][0], weeks_dates[-1][-1]
    start = datetime.combine(grid_start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(grid_end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    meetings = list(
        Meeting.objects.filter(
            listed if listed is not None else cohosted_by(community, user),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .only("pk", "title", "starts_at", "status", "community_id", "timezone")
        .order_by("starts_at")
    )
    hosts = {community.pk: community}
    others = {m.community_id for m in meetings} - {community.pk}
    if others:  # co-hosted meetings keep their host's address (one more query)
        hosts.update({c.pk: c for c in Community.objects.filter(pk__in=others).only("slug")})
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        meeting.community = hosts[meeting.community_id]
        by_day.setdefault(meeting.starts_at.astimezone(zone).date(), []).append(meeting)
    today = timezone.localdate()
    weeks = [
        [CalendarDay(d, d.month == month, d == today, by_day.get(d, [])) for d in week]
        for week in weeks_dates
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return MonthCalendar(first=first, weeks=weeks, previous=previous, next=following)


class MeetingsTab:
    """The Meetings tab: the meetings that have not ended (soonest first), the past ones
    (not cancelled, newest first, with attendance) and the month grid, each read when
    first used, so a kept fragment (`meetings.listing`) reads none of them. What
    decides them for this viewer is read at once: `rows_key` and `month_key`."""

    def __init__(self, community, user, *, year, month, upcoming, past):
        self.community, self.user, self.year, self.month_number = community, user, year, month
        self.limits = (upcoming, past)
        cohosted = cohosted_ids(community, user)
        self.listed = (
            Q(community=community) | Q(pk__in=cohosted) if cohosted else Q(community=community)
        )
        self.now = timezone.now()
        self.answers = viewer_answers(user, self.now)
        # The lists change when a meeting ends: the first end to come is in the key.
        next_end = (
            Meeting.objects.filter(self.listed, ends_at__gt=self.now)
            .order_by("ends_at")
            .values_list("ends_at", flat=True)
            .first()
        )
        today = timezone.localdate()
        self.month_key = (year, month, today, tuple(cohosted))
        self.rows_key = (
            tuple(cohosted),
            next_end,
            tuple(sorted(self.answers.items())),
            tuple(private_community_ids(user)),
        )

    @cached_property
    def _rows(self) -> tuple[list[Meeting], list[Meeting]]:
        upcoming, past = self.limits
        rows = Meeting.objects.filter(self.listed).only(*ROW_FIELDS).select_related("community")
        coming = list(rows.filter(ends_at__gt=self.now).order_by("starts_at")[:upcoming])
        held = list(
            rows.filter(ends_at__lte=self.now)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("-starts_at")[:past]
        )
        for meeting in coming:
            meeting.my_answer, meeting.my_waitlisted = self.answers.get(meeting.pk, (None, None))
        add_cohosts([*coming, *held], self.user)
        return coming, held

    @property
    def upcoming(self) -> list[Meeting]:
        return self._rows[0]

    @property
    def past(self) -> list[Meeting]:
        return self._rows[1]

    @cached_property
    def month(self) -> "MonthCalendar":
        return month_calendar(
            self.community, self.user, year=self.year, month=self.month_number, listed=self.listed
        )


def meetings_tab(
    community: Community, user, *, year: int, month: int, upcoming: int = 20, past: int = 20
) -> MeetingsTab:
    """The Meetings tab (`MeetingsTab`): at most four queries for its keys (the
    co-hosted meetings listed, the first end to come, the viewer's answers and private
    communities), then four for the rows and the grid if they are not kept, whatever
    the number of meetings."""
    return MeetingsTab(community, user, year=year, month=month, upcoming=upcoming, past=past)


def viewer_answers(user, now) -> dict[int, tuple[str, bool]]:
    """The viewer's answers to the meetings that have not ended, by meeting (one query;
    none for a visitor): what the rows show as theirs."""
    if user is None or not user.is_authenticated:
        return {}
    rows = (
        RSVP.objects.filter(user=user, meeting__ends_at__gt=now)
        .order_by()  # a dict: the model's order would only add a sort
        .values_list("meeting_id", "answer", "waitlisted")
    )
    return {meeting_id: (answer, waitlisted) for meeting_id, answer, waitlisted in rows}


def private_community_ids(user) -> list[int]:
    """The private communities the viewer is an active member of (one query; none for
    a visitor): which co-hosts the rows may name to them."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(
            user=user, status=MembershipStatus.ACTIVE, community__visibility=Visibility.PRIVATE
        )
        .order_by("community_id")
        .values_list("community_id", flat=True)
    )


# A story or value story can come from a meeting held this long ago at most.
LINKABLE_MEETING_DAYS = 365


def linkable_meetings(community: Community) -> QuerySet[Meeting]:
    """Meetings a story or value story can come from: this community's, held in the last
    year, newest first."""
    now = timezone.now()
    return Meeting.objects.filter(
        community=community,
        starts_at__lte=now,
        starts_at__gte=now - timedelta(days=LINKABLE_MEETING_DAYS),
    ).order_by("-starts_at")


# What a meeting's page shows of its hosts (`User.name`); not whole user rows.
HOST_ROWS = User.objects.only("display_name", "email")


def access_meeting(user, slug: str, meeting_id: int) -> Meeting:
    """The meeting if the viewer may see its community; 404 otherwise (a private
    community's meetings do not reveal that they exist)."""
    community = access_community(user, slug)
    meeting = (
        Meeting.objects.filter(pk=meeting_id, community=community)
        .select_related("series")
        .prefetch_related(Prefetch("hosts", queryset=HOST_ROWS.order_by("pk")))
        .first()
    )
    if meeting is not None:
        meeting.community = community  # already read: no join of its every column
    if meeting is None or not allowed(user, "meetings.view_meeting", meeting):
        raise Http404("No such meeting.")
    return meeting


def access_series(user, slug: str, series_id: int) -> Series:
    community = access_community(user, slug)
    series = (
        Series.objects.filter(pk=series_id, community=community)
        .prefetch_related(Prefetch("hosts", queryset=User.objects.order_by("pk")))
        .first()
    )
    if series is None:
        raise Http404("No such series.")
    series.community = community
    return series


@dataclass
class MeetingView:
    """Everything the meeting page shows, gathered in a fixed number of queries."""

    going: list[RSVP]
    maybe: list[RSVP]
    waitlist: list[RSVP]
    mine: RSVP | None
    my_position: int | None
    accepted: list[AgendaItem]
    proposed: list[AgendaItem]
    declined: list[AgendaItem]
    attendances: list[Attendance]


def agenda(meeting: Meeting, user=None) -> tuple[list, list, list]:
    """The agenda as it is shown: accepted items in their order, then proposals by
    votes, then declined ones; each with `vote_count` (and `my_vote` for a user)."""
    items = meeting.agenda_items.select_related("proposed_by", "problem").annotate(
        vote_count=Count("votes", distinct=True)
    )
    if user is not None and user.is_authenticated:
        items = items.annotate(
            my_vote=Exists(AgendaVote.objects.filter(item=OuterRef("pk"), user=user))
        )
    items = list(items)
    accepted = sorted(
        (i for i in items if i.status == AgendaItemStatus.ACCEPTED),
        key=lambda i: (i.position, i.created_at, i.pk),
    )
    proposed = sorted(
        (i for i in items if i.status == AgendaItemStatus.PROPOSED),
        key=lambda i: (-i.vote_count, i.created_at, i.pk),
    )
    declined = [i for i in items if i.status == AgendaItemStatus.DECLINED]
    return accepted, proposed, declined


# What the meeting page shows of a person (their name): answers and attendance carry no
# password hash, bio or settings.
PERSON_FIELDS = ("user__display_name", "user__email")
RSVP_FIELDS = ("meeting_id", "user_id", "answer", "waitlisted", "going_since", "created_at")


def meeting_view(meeting: Meeting, user) -> MeetingView:
    rsvps = list(
        meeting.rsvps.select_related("user")
        .only(*RSVP_FIELDS, *PERSON_FIELDS)
        .order_by("going_since", "created_at", "pk")
    )
    going = [r for r in rsvps if r.is_going]
    waitlist = [r for r in rsvps if r.waitlisted]
    maybe = [r for r in rsvps if r.answer == RSVPAnswer.MAYBE]
    mine = None
    if user is not None and user.is_authenticated:
        mine = next((r for r in rsvps if r.user_id == user.pk), None)
    position = None
    if mine is not None and mine.waitlisted:
        position = next(i for i, r in enumerate(waitlist, start=1) if r.pk == mine.pk)
    accepted, proposed, declined = agenda(meeting, user)
    attendances = list(
        meeting.attendances.select_related("user")
        .only("meeting_id", "user_id", "walk_in", *PERSON_FIELDS)
        .order_by("user__display_name")
    )
    return MeetingView(
        going=going,
        maybe=maybe,
        waitlist=waitlist,
        mine=mine,
        my_position=position,
        accepted=accepted,
        proposed=proposed,
        declined=declined,
        attendances=attendances,
    )


def my_meetings(user, *, limit: int = 100) -> list[Meeting]:
    """Upcoming meetings of every community the user is an active member of, with
    the user's answer."""
    now = timezone.now()
    communities = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "community_id"
    )
    return list(
        with_cohosts(
            _with_counts(
                Meeting.objects.filter(community_id__in=communities).only(*ROW_FIELDS),
                user,
                hosts=False,
            ),
            user,
        )
        .filter(ends_at__gt=now)
        .order_by("starts_at")[:limit]
    )


def active_members(community: Community) -> QuerySet[User]:
    return User.objects.filter(
        memberships__community=community, memberships__status=MembershipStatus.ACTIVE
    ).order_by("display_name", "email")


def community_series(community: Community) -> list[Series]:
    return list(
        Series.objects.filter(community=community)
        .prefetch_related(Prefetch("hosts", queryset=User.objects.order_by("pk")))
        .order_by("status", "title")
    )


# --- calendar feeds ---------------------------------------------------------------------------

FEED_PAST_DAYS = 180


def _feed_window(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return meetings.filter(ends_at__gte=since).select_related("community").order_by("starts_at")


def community_feed_meetings(community: Community, user) -> list[Meeting]:
    return list(_feed_window(Meeting.objects.filter(cohosted_by(community, user))))


def personal_feed_meetings(user) -> list[Meeting]:
    """Every meeting of the communities the user is an active member of (private ones
    included: the feed is theirs)."""
    communities = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "community_id"
    )
    cohosted = (
        MeetingCohost.objects.filter(community_id__in=communities)
        .filter(host_visible_to(user))
        .values("meeting_id")
    )
    return list(
        _feed_window(Meeting.objects.filter(Q(community_id__in=communities) | Q(pk__in=cohosted)))
    )


def user_for_feed_token(token: str) -> User:
    """The active user whose current feed token this is; 404 for a revoked or unknown one."""
    row = (
        CalendarFeedToken.objects.filter(token=token, user__is_active=True)
        .select_related("user")
        .first()
        if token
        else None
    )
    if row is None:
        raise Http404("No such calendar feed.")
    return row.user


def home_section_context(*, community: Community, user, membership=None) -> dict:
    """The "Next meetings" section of the community home page (two queries)."""
    return {
        "community": community,
        "meetings": next_meetings(community, user),
        "zone_name": timezone.get_current_timezone_name(),
    }


def agenda_meetings(community: Community):
    """Meetings a problem can still be proposed for: scheduled and not yet started."""

    return Meeting.objects.filter(
        community=community, status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now()
    ).order_by("starts_at")[:20]


def digest_section(*, user, since) -> dict | None:
    """The member's digest: meetings of their communities in the coming fortnight, with
    their answer if they gave one (two queries, at most eight meetings)."""

    now = timezone.now()
    meetings = list(
        Meeting.objects.filter(
            community__in=digest_communities(user),
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=14),
        )
        .select_related("community")
        .order_by("starts_at")[:8]
    )
    if not meetings:
        return None
    answers = dict(
        RSVP.objects.filter(user=user, meeting__in=meetings).values_list("meeting_id", "answer")
    )
    tz = _zone_of(user)
    items = []
    for meeting in meetings:
        when = timezone.localtime(meeting.starts_at, tz).strftime("%a %d %b, %H:%M")
        answer = answers.get(meeting.pk)
        items.append(
            {
                "title": meeting.title,
                "url": meeting.get_absolute_url(),
                "detail": f"{meeting.community.name} · {when}"
                + (f" · {RSVPAnswer(answer).label}" if answer else ""),
            }
        )
    return {"title": _("Coming up in your communities"), "items": items}


def _zone_of(user):

    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def speakers(meeting: Meeting) -> list:
    """The meeting's guest speakers still invited, with their bios."""
    return list(
        meeting.guests.filter(is_speaker=True, revoked_at__isnull=True)
        .only("name", "email", "bio", "is_speaker", "meeting_id")
        .order_by("created_at", "pk")
    )


def meeting_guests(meeting: Meeting) -> list:
    """Every guest invited to the meeting with their answer (hosts' view), two queries."""

    rows = list(meeting.guests.select_related("invited_by").order_by("-is_speaker", "created_at"))
    answers = dict(
        RSVPRow.objects.filter(meeting=meeting, user_id__in=[g.user_id for g in rows]).values_list(
            "user_id", "answer"
        )
    )
    for guest in rows:
        guest.answer = answers.get(guest.user_id, "")
    return rows


# --- scheduling polls ----------------------------------------------------------------------


def access_poll(user, slug: str, poll_id: int):
    """The poll of a community the user may see; 404 for missing and invisible alike."""

    community = access_community(user, slug)
    poll = Poll.objects.filter(pk=poll_id, community=community).first()
    if poll is None:
        raise Http404("No such poll.")
    poll.community = community
    return poll


def community_polls(community: Community, *, limit: int = 50) -> list:
    """Open polls first, then the latest decided ones."""

    return list(
        Poll.objects.filter(community=community)
        .only("title", "status", "voters_count", "created_at", "community_id", "meeting_id")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class PollView:
    """A poll's slots best first, with the viewer's own marks (three queries)."""

    slots: list
    mine: dict
    response: object | None


def poll_view(poll, user) -> PollView:

    slots = ranked_slots(poll)
    mine, response = {}, None
    if user.is_authenticated:
        mine = dict(
            PollVote.objects.filter(slot__poll=poll, user=user).values_list("slot_id", "answer")
        )
        response = PollResponse.objects.filter(poll=poll, user=user).first()
    for slot in slots:
        slot.mine = mine.get(slot.pk, "")
    return PollView(slots=slots, mine=mine, response=response)
