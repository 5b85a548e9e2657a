"""Writes of the meetings app: scheduling, series, RSVPs and waitlists, agendas,
attendance, notes, reminders and calendar feed tokens.

Every function raises `django.core.exceptions.ValidationError` with a message a
person can read when the action is not possible; views show it. Permission checks
(who may host, who may RSVP) are the caller's, through `meetings.rules`, except where
a rule is part of the domain (only active members RSVP; RSVPs close at the start).
"""

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cop.enums import AuditAction, MembershipStatus, NotificationKind, ParticipationKind
from cop.extensions import index_changed
from cop.models import Community, Membership, User
from cop.services.audit import record
from cop.services.notifications import notify, notify_mentions
from cop.services.participation import record_participation, withdraw_participation

from .cohosts import meeting_community_ids, set_cohosts
from .counters import refresh_counts
from .enums import AgendaItemStatus, EditScope, MeetingStatus, RSVPAnswer, SeriesStatus
from .feedback import ask_for_feedback
from .models import (
    RSVP,
    AgendaItem,
    AgendaVote,
    Attendance,
    CalendarFeedToken,
    Meeting,
    MeetingGuest,
    ReminderDelivery,
    Series,
    new_feed_token,
)
from .recurrence import occurrence_window, parse_rule, rule_until

# A confirmation keeps a series running this long. Occurrences are made on a rolling
# horizon (Series.horizon_days, 90) but never past the confirmed date; when the horizon
# comes within CONFIRM_NOTICE_DAYS of it, the hosts are asked, and a series nobody
# confirms within LAPSE_AFTER_DAYS of asking lapses.
CONFIRM_PERIOD_DAYS = 180
CONFIRM_NOTICE_DAYS = 14
LAPSE_AFTER_DAYS = 28
MAX_REMINDER_HOURS = 168
# How far back and ahead a meeting may be set (see `meeting_time_bounds`).
EARLIEST_MEETING_DAYS = 365
LATEST_MEETING_DAYS = 3652

# Fields of a meeting a host may change; a change of any bumps the iCalendar SEQUENCE.
MEETING_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "online_url",
    "description",
    "agenda",
    "capacity",
    "remind_maybe",
)
# Fields "this and following" copies from the edited occurrence to the series.
SERIES_FIELDS = (
    "title",
    "kind",
    "location",
    "online_url",
    "description",
    "capacity",
    "remind_maybe",
)


# --- helpers --------------------------------------------------------------------------------


def _when(meeting: Meeting, user: User | None = None) -> str:
    """The start of a meeting in the reader's zone, with the zone named."""
    tz_name = (user.timezone if user is not None else None) or meeting.timezone
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, tz_name = zoneinfo.ZoneInfo(meeting.timezone), meeting.timezone
    local = meeting.starts_at.astimezone(zone)
    return f"{date_format(local, 'D j M Y, H:i')} ({tz_name})"


def meeting_time_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The earliest and latest start a meeting may be given: a year back (to record one
    afterwards) to ten years ahead. Times near year 1 or 9999 could not be converted
    between zones, and broke every page, feed and API list that showed them."""
    now = now or timezone.now()
    return now - timedelta(days=EARLIEST_MEETING_DAYS), now + timedelta(days=LATEST_MEETING_DAYS)


def _out_of_bounds(now: datetime | None = None) -> ValidationError:
    earliest, latest = meeting_time_bounds(now)
    return ValidationError(
        _("A meeting must start between %(earliest)s and %(latest)s.")
        % {"earliest": earliest.date().isoformat(), "latest": latest.date().isoformat()}
    )


def check_meeting_start(starts_at: datetime, *, now: datetime | None = None) -> None:
    """ValidationError unless the (aware) start lies within `meeting_time_bounds`."""
    earliest, latest = meeting_time_bounds(now)
    try:
        inside = earliest <= starts_at <= latest
    except OverflowError:  # an offset pushes it past year 1 or 9999
        inside = False
    if not inside:
        raise _out_of_bounds(now)


def check_series_dates(*, rrule: str, starts_on: date, now: datetime | None = None) -> None:
    """A series starts, and ends if its rule says when, within `meeting_time_bounds`."""
    earliest, latest = meeting_time_bounds(now)
    if not earliest.date() <= starts_on <= latest.date():
        raise ValidationError({"starts_on": _out_of_bounds(now).messages})
    until = rule_until(rrule)
    if until is not None and until > latest.date():
        raise ValidationError(
            _("A series must end by %(latest)s, or never.") % {"latest": latest.date().isoformat()}
        )


def _check_times(starts_at: datetime, ends_at: datetime, tz_name: str) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Meeting times must be aware datetimes.")
    check_meeting_start(starts_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A meeting must end after it starts.")})
    if ends_at - starts_at > timedelta(days=7):
        raise ValidationError({"ends_at": _("A meeting can last at most a week.")})
    _check_zone(tz_name)


def _check_zone(tz_name: str) -> None:
    try:
        zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc


def _check_hosts(community: Community, hosts: Iterable[User]) -> list[User]:
    hosts = list(hosts)
    if not hosts:
        raise ValidationError({"hosts": _("A meeting needs at least one host.")})
    active = set(
        Membership.objects.filter(
            community=community, user__in=hosts, status=MembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )
    if any(host.pk not in active for host in hosts):
        raise ValidationError({"hosts": _("Hosts must be active members of the community.")})
    return hosts


def _answered(meeting: Meeting) -> list[User]:
    """Everyone who answered the meeting's RSVP, whatever they answered."""
    return [rsvp.user for rsvp in meeting.rsvps.select_related("user").order_by("pk")]


def _tell_answered(
    meeting: Meeting, *, by: User | None, title: Callable[[str], str], body: str = ""
) -> None:
    """Tell everyone who answered (but the person acting). `title` is given the start
    in each recipient's own zone."""
    for user in _answered(meeting):
        if by is not None and user.pk == by.pk:
            continue
        notify(
            recipient=user,
            kind=NotificationKind.MEETING_CHANGED,
            title=title(_when(meeting, user)),
            body=body,
            url=meeting.get_absolute_url(),
            community=meeting.community,
            subject=meeting,
            actor=by,
        )


# --- meetings --------------------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(
    *,
    community: Community,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone_name: str,
    kind: str = "regular",
    location: str = "",
    online_url: str = "",
    description: str = "",
    agenda: str = "",
    capacity: int | None = None,
    remind_maybe: bool = False,
    hosts: Iterable[User] | None = None,
    cohosts: Iterable[Community] = (),
) -> Meeting:
    """Schedule a one-off meeting. The hosts default to the person scheduling it.
    Side effects: the Meeting row and its hosts; its co-hosting communities, if any
    (`cohosts.set_cohosts`, in the same transaction)."""
    _check_times(starts_at, ends_at, timezone_name)
    hosts = _check_hosts(community, hosts if hosts is not None else [by])
    meeting = Meeting(
        community=community,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name,
        location=location,
        online_url=online_url,
        description=description,
        agenda=agenda,
        capacity=capacity,
        remind_maybe=remind_maybe,
        created_by=by,
    )
    meeting.full_clean(exclude=["hosts"])
    meeting.save()
    meeting.hosts.set(hosts)
    if cohosts:
        set_cohosts(meeting=meeting, communities=list(cohosts), by=by)
    _notify_mentioned(meeting, by=by, text=f"{description}\n\n{agenda}")
    return meeting


def _notify_mentioned(meeting: Meeting, *, by: User, text: str, previous_text: str = "") -> None:
    """Tell people `@mentioned` in a meeting's Markdown (if they may see the meeting)."""
    notify_mentions(
        text=text,
        author=by,
        community=meeting.community,
        url=meeting.get_absolute_url(),
        title=_("%(name)s mentioned you in “%(title)s”")
        % {"name": by.name, "title": meeting.title},
        previous_text=previous_text,
    )


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)


def _apply_changes(
    meeting: Meeting, *, by: User | None, changes: dict, hosts: list[User] | None
) -> tuple[Meeting, bool]:
    """Apply field changes to a locked meeting. Returns (meeting, whether anything changed).
    A time change clears sent reminders and tells everyone who answered."""
    old_start, old_end = meeting.starts_at, meeting.ends_at
    changed = [f for f, value in changes.items() if getattr(meeting, f) != value]
    for field in changed:
        setattr(meeting, field, changes[field])
    hosts_changed = hosts is not None and {h.pk for h in hosts} != {
        h.pk for h in meeting.hosts.all()
    }
    if not changed and not hosts_changed:
        return meeting, False
    if "starts_at" in changed or "ends_at" in changed:
        _check_times(meeting.starts_at, meeting.ends_at, meeting.timezone)
    else:  # a meeting of long ago can still have its details corrected
        _check_zone(meeting.timezone)
    meeting.full_clean(exclude=["hosts"])
    meeting.sequence += 1
    meeting.save(update_fields=[*changed, "sequence", "detached", "updated_at"])
    if hosts_changed:
        meeting.hosts.set(hosts)
    if meeting.starts_at != old_start or meeting.ends_at != old_end:
        meeting.reminder_deliveries.all().delete()
        _tell_answered(
            meeting,
            by=by,
            title=lambda when: (
                _("“%(title)s” moved: it now starts %(when)s")
                % {"title": meeting.title, "when": when}
            ),
        )
    if "capacity" in changed:
        _promote_waitlisted(meeting)
        refresh_counts([meeting.pk])
    return meeting, True


def _differs_from_series(meeting: Meeting, changes: dict, hosts: list[User] | None) -> bool:
    fields = {*SERIES_FIELDS, "starts_at", "ends_at", "timezone"}
    if any(getattr(meeting, f) != v for f, v in changes.items() if f in fields):
        return True
    return hosts is not None and {h.pk for h in hosts} != {h.pk for h in meeting.hosts.all()}


@transaction.atomic
def update_meeting(
    *,
    meeting: Meeting,
    by: User,
    hosts: Iterable[User] | None = None,
    cohosts: Iterable[Community] | None = None,
    **changes,
) -> Meeting:
    """Change a scheduled meeting. Keyword changes are fields of MEETING_FIELDS;
    `cohosts`, when given, become its co-hosting communities (`cohosts.set_cohosts`,
    in the same transaction, so a refused co-host saves nothing).

    Side effects: SEQUENCE increases when anything changed; an occurrence of a series
    whose details or time change becomes detached (later series edits leave it alone;
    its agenda notes alone do not detach it); on a change of time, reminders
    are re-armed and everyone who answered is told (MEETING_CHANGED); a larger capacity
    promotes people from the waitlist.
    """
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"Not meeting fields: {sorted(unknown)}")
    meeting = _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled; it can no longer be changed."))
    if hosts is not None:
        hosts = _check_hosts(meeting.community, hosts)
    if meeting.series_id and _differs_from_series(meeting, changes, hosts):
        # Its own details now differ from the series: later series edits leave it alone.
        meeting.detached = True
    previous_text = f"{meeting.description}\n\n{meeting.agenda}"
    meeting, _changed = _apply_changes(meeting, by=by, changes=changes, hosts=hosts)
    if cohosts is not None:
        set_cohosts(meeting=meeting, communities=list(cohosts), by=by)
    _notify_mentioned(
        meeting,
        by=by,
        text=f"{meeting.description}\n\n{meeting.agenda}",
        previous_text=previous_text,
    )
    return meeting


@transaction.atomic
def cancel_meeting(
    *, meeting: Meeting, by: User | None, reason: str = "", audit: bool = True
) -> Meeting:
    """Cancel a meeting that has not ended. Side effects: status cancelled, SEQUENCE up,
    everyone who answered is told (MEETING_CHANGED) with the reason, an audit entry
    (unless `audit` is false: a series that ends records itself once)."""
    meeting = _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    if meeting.status == MeetingStatus.HELD or meeting.is_past:
        raise ValidationError(_("A meeting that already took place cannot be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    _tell_answered(
        meeting,
        by=by,
        title=lambda when: (
            _("Cancelled: “%(title)s” on %(when)s") % {"title": meeting.title, "when": when}
        ),
        body=reason,
    )
    if audit:
        record(
            community=meeting.community,
            actor=by,
            action=AuditAction.MEETING_CANCELLED,
            summary=f"{meeting.title} ({meeting.starts_at:%Y-%m-%d %H:%M} UTC)",
            url=meeting.get_absolute_url(),
        )
    return meeting


@transaction.atomic
def write_notes(*, meeting: Meeting, by: User, notes: str) -> Meeting:
    """Save the meeting's notes (Markdown). Side effects: the notes join the
    community's search index (removed from it when emptied); mentions are told."""

    meeting = _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    previous_text = meeting.notes
    meeting.notes = notes
    meeting.notes_updated_at = timezone.now()
    meeting.save(update_fields=["notes", "notes_updated_at", "updated_at"])
    index_changed(meeting)
    _notify_mentioned(meeting, by=by, text=notes, previous_text=previous_text)
    return meeting


# --- series ----------------------------------------------------------------------------------


@transaction.atomic
def create_series(
    *,
    community: Community,
    by: User,
    title: str,
    rrule: str,
    starts_on: date,
    start_time: time,
    duration_minutes: int,
    timezone_name: str,
    kind: str = "regular",
    location: str = "",
    online_url: str = "",
    description: str = "",
    capacity: int | None = None,
    remind_maybe: bool = False,
    hosts: Iterable[User] | None = None,
    horizon_days: int = 90,
    now: datetime | None = None,
) -> Series:
    """Start a series and make its occurrences up to the horizon.

    The series is confirmed for CONFIRM_PERIOD_DAYS from today; after that a host must
    confirm it (they are asked CONFIRM_NOTICE_DAYS before) or it lapses.
    Side effects: the Series row, its hosts, and a Meeting row per occurrence.
    """
    now = now or timezone.now()
    parse_rule(rrule, starts_on=starts_on, start_time=start_time)
    check_series_dates(rrule=rrule, starts_on=starts_on, now=now)
    if not 1 <= duration_minutes <= 24 * 60:
        raise ValidationError({"duration_minutes": _("A meeting lasts 1 minute to 24 hours.")})
    hosts = _check_hosts(community, hosts if hosts is not None else [by])
    series = Series(
        community=community,
        title=title,
        kind=kind,
        rrule=rrule,
        starts_on=starts_on,
        start_time=start_time,
        duration_minutes=duration_minutes,
        timezone=timezone_name,
        location=location,
        online_url=online_url,
        description=description,
        capacity=capacity,
        remind_maybe=remind_maybe,
        horizon_days=horizon_days,
        confirmed_until=now.date() + timedelta(days=CONFIRM_PERIOD_DAYS),
        created_by=by,
    )
    series.full_clean(exclude=["hosts"])
    series.save()
    series.hosts.set(hosts)
    if not expand_series(series=series, now=now) and not series.meetings.exists():
        raise ValidationError(_("This rule gives no meeting in the coming months."))
    return series


def _local_today(series: Series, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(series.timezone)).date()


@transaction.atomic
def expand_series(*, series: Series, now: datetime | None = None) -> int:
    """Make the series' missing future occurrences up to its horizon, never beyond the
    date hosts confirmed. Safe to run twice. Returns how many meetings were made."""
    now = now or timezone.now()
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.status != SeriesStatus.ACTIVE:
        return 0
    today = _local_today(series, now)
    until = min(today + timedelta(days=series.horizon_days), series.confirmed_until)
    if until < today:
        return 0
    window = occurrence_window(
        series.rrule,
        starts_on=series.starts_on,
        start_time=series.start_time,
        duration=timedelta(minutes=series.duration_minutes),
        tz_name=series.timezone,
        after=max(today, series.starts_on),
        until=until,
    )
    existing = set(series.meetings.values_list("occurrence_date", flat=True))
    hosts = list(series.hosts.all())
    made = 0
    for local_date, starts_at, ends_at in window:
        if local_date in existing or starts_at <= now:
            continue
        meeting = Meeting.objects.create(
            community_id=series.community_id,
            series=series,
            occurrence_date=local_date,
            title=series.title,
            kind=series.kind,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=series.timezone,
            location=series.location,
            online_url=series.online_url,
            description=series.description,
            capacity=series.capacity,
            remind_maybe=series.remind_maybe,
            created_by=series.created_by,
        )
        meeting.hosts.set(hosts)
        existing.add(local_date)
        made += 1
    return made


@transaction.atomic
def check_following_edit(*, meeting: Meeting, starts_at: datetime, timezone_name: str) -> None:
    """What an edit of "this and the following meetings" may not change: a series
    keeps its days and its time zone (move a single meeting instead)."""
    if timezone_name != meeting.timezone:
        raise ValidationError(_("A series keeps its time zone."))
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    if starts_at.astimezone(zone).date() != meeting.starts_at.astimezone(zone).date():
        raise ValidationError(
            _(
                "A series keeps its days. To move one meeting to another day, apply "
                "the change to this meeting only."
            )
        )


@transaction.atomic
def update_following(
    *,
    meeting: Meeting,
    by: User,
    start_time: time | None = None,
    duration_minutes: int | None = None,
    hosts: Iterable[User] | None = None,
    **changes,
) -> Series:
    """Edit this occurrence and all following ones of its series, and the series itself
    (so occurrences made later follow too). Occurrences edited on their own (detached)
    keep their own details. `start_time` is local to the series' zone and applies to
    each occurrence's own date, so the wall-clock time holds across DST.
    Side effects: as `update_meeting` for each occurrence changed."""
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise ValueError(f"Not series fields: {sorted(unknown)}")
    if meeting.series_id is None:
        raise ValidationError(_("This meeting is not part of a series."))
    series = Series.objects.select_for_update().get(pk=meeting.series_id)
    if hosts is not None:
        hosts = _check_hosts(series.community, hosts)
    if duration_minutes is not None and not 1 <= duration_minutes <= 24 * 60:
        raise ValidationError({"duration_minutes": _("A meeting lasts 1 minute to 24 hours.")})
    for field, value in changes.items():
        setattr(series, field, value)
    if start_time is not None:
        series.start_time = start_time
    if duration_minutes is not None:
        series.duration_minutes = duration_minutes
    series.full_clean(exclude=["hosts"])
    series.save()
    if hosts is not None:
        series.hosts.set(hosts)
    zone = zoneinfo.ZoneInfo(series.timezone)
    following = Meeting.objects.filter(
        Q(pk=meeting.pk) | Q(detached=False),
        series=series,
        occurrence_date__gte=meeting.occurrence_date,
        status=MeetingStatus.SCHEDULED,
    )
    for occurrence in sorted(following, key=lambda m: m.starts_at):
        occurrence = _lock(occurrence)
        occurrence_changes = dict(changes)
        if start_time is not None or duration_minutes is not None:
            local_day = occurrence.starts_at.astimezone(zone).date()
            if start_time is not None:
                starts_at = datetime.combine(local_day, start_time).replace(tzinfo=zone)
            else:
                starts_at = occurrence.starts_at
            occurrence_changes["starts_at"] = starts_at.astimezone(UTC)
            occurrence_changes["ends_at"] = occurrence_changes["starts_at"] + timedelta(
                minutes=series.duration_minutes
            )
        _apply_changes(occurrence, by=by, changes=occurrence_changes, hosts=hosts)
    return series


@transaction.atomic
def edit_meeting(
    *,
    meeting: Meeting,
    by: User,
    scope: str = EditScope.THIS,
    hosts: Iterable[User] | None = None,
    **changes,
) -> Meeting:
    """Edit a meeting, the one use case behind the edit page and the API's PATCH.

    `scope="this"`: as `update_meeting`. `scope="following"`: this meeting and the later
    ones of its series change together through `update_following` (the series keeps its
    days and time zone: `check_following_edit`); what is not a series field (the agenda)
    is this meeting's own. One transaction: either every meeting changes or none.
    Side effects: as `update_meeting` for each meeting changed."""
    if scope != EditScope.FOLLOWING:
        return update_meeting(meeting=meeting, by=by, hosts=hosts, **changes)
    if meeting.series_id is None:
        raise ValidationError({"scope": _("This meeting is not part of a series.")})
    starts_at = changes.pop("starts_at", meeting.starts_at)
    ends_at = changes.pop("ends_at", meeting.ends_at)
    zone_name = changes.pop("timezone", meeting.timezone)
    check_following_edit(meeting=meeting, starts_at=starts_at, timezone_name=zone_name)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    update_following(
        meeting=meeting,
        by=by,
        start_time=starts_at.astimezone(zone).time(),
        duration_minutes=int((ends_at - starts_at).total_seconds()) // 60,
        hosts=hosts,
        **{key: changes.pop(key) for key in SERIES_FIELDS if key in changes},
    )
    if changes:
        return update_meeting(meeting=meeting, by=by, **changes)
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def confirm_series(*, series: Series, by: User, now: datetime | None = None) -> Series:
    """A host confirms the series still runs: it is confirmed for another
    CONFIRM_PERIOD_DAYS, a lapsed series runs again, and its occurrences are made."""
    now = now or timezone.now()
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.status == SeriesStatus.ENDED:
        raise ValidationError(_("This series has ended."))
    series.confirmed_until = now.date() + timedelta(days=CONFIRM_PERIOD_DAYS)
    series.confirm_requested_at = None
    series.lapsed_at = None
    series.status = SeriesStatus.ACTIVE
    series.save(
        update_fields=[
            "confirmed_until",
            "confirm_requested_at",
            "lapsed_at",
            "status",
            "updated_at",
        ]
    )
    expand_series(series=series, now=now)
    return series


@transaction.atomic
def end_series(*, series: Series, by: User, now: datetime | None = None) -> Series:
    """End a series: no new occurrences, and its future meetings are cancelled (those who
    answered are told), and one audit entry."""
    now = now or timezone.now()
    series = Series.objects.select_for_update().get(pk=series.pk)
    series.status = SeriesStatus.ENDED
    series.save(update_fields=["status", "updated_at"])
    cancelled = 0
    for meeting in series.meetings.filter(status=MeetingStatus.SCHEDULED, starts_at__gt=now):
        cancel_meeting(meeting=meeting, by=by, reason=_("The series has ended."), audit=False)
        cancelled += 1

    record(
        community=series.community,
        actor=by,
        action=AuditAction.SERIES_ENDED,
        summary=_("%(title)s (%(n)d future meetings cancelled)")
        % {"title": series.title, "n": cancelled},
        url=series.get_absolute_url(),
    )
    return series


def tend_series(*, series: Series, now: datetime | None = None) -> str:
    """The periodic care of one series: ask its hosts to confirm when the horizon nears
    the confirmed date (once per period, SERIES_CONFIRM), lapse it when nobody confirmed
    in time, make missing occurrences. Returns what happened: "lapsed", "asked",
    "extended" or "nothing"."""
    now = now or timezone.now()
    with transaction.atomic():
        series = Series.objects.select_for_update().select_related("community").get(pk=series.pk)
        if series.status != SeriesStatus.ACTIVE:
            return "nothing"
        today = _local_today(series, now)
        if series.confirm_requested_at is not None and (
            now - series.confirm_requested_at >= timedelta(days=LAPSE_AFTER_DAYS)
            or series.confirmed_until < today
        ):
            series.status = SeriesStatus.LAPSED
            series.lapsed_at = now
            series.save(update_fields=["status", "lapsed_at", "updated_at"])
            return "lapsed"
        asked = False
        horizon = today + timedelta(days=series.horizon_days)
        if (
            horizon >= series.confirmed_until - timedelta(days=CONFIRM_NOTICE_DAYS)
            and series.confirm_requested_at is None
        ):
            series.confirm_requested_at = now
            series.save(update_fields=["confirm_requested_at", "updated_at"])
            for host in series.hosts.all():
                notify(
                    recipient=host,
                    kind=NotificationKind.SERIES_CONFIRM,
                    title=_("Is “%(title)s” still running? Please confirm the series")
                    % {"title": series.title},
                    body=_(
                        "Meetings of this series are scheduled until %(date)s. Unless a host "
                        "confirms within %(days)s days that it still runs, no new ones will "
                        "be made."
                    )
                    % {"date": series.confirmed_until.isoformat(), "days": LAPSE_AFTER_DAYS},
                    url=series.get_absolute_url(),
                    community=series.community,
                )
            asked = True
        made = expand_series(series=series, now=now)
    if asked:
        return "asked"
    return "extended" if made else "nothing"


# --- RSVPs and the waitlist --------------------------------------------------------------------


def _going_count(meeting: Meeting) -> int:
    return meeting.rsvps.filter(answer=RSVPAnswer.GOING, waitlisted=False).count()


def _promote_waitlisted(meeting: Meeting, *, tell: bool = True) -> list[RSVP]:
    """Fill free places from the head of the waitlist; each promoted member is told
    (or, with `tell=False`, left for the caller to tell with `_tell_promoted` once the
    lock is released). The caller holds the meeting's row lock."""
    promoted = []
    if meeting.capacity is None:
        free = None
    else:
        free = meeting.capacity - _going_count(meeting)
        if free <= 0:
            return promoted
    waiting = meeting.rsvps.filter(answer=RSVPAnswer.GOING, waitlisted=True).select_related("user")
    waiting = waiting.order_by("going_since", "pk")
    if free is not None:
        waiting = waiting[:free]
    for rsvp in list(waiting):
        rsvp.waitlisted = False
        rsvp.save(update_fields=["waitlisted", "updated_at"])
        promoted.append(rsvp)
    if tell:
        _tell_promoted(meeting, promoted)
    return promoted


def _tell_promoted(meeting: Meeting, promoted: list[RSVP]) -> None:
    for rsvp in promoted:
        notify(
            recipient=rsvp.user,
            kind=NotificationKind.WAITLIST_PROMOTED,
            title=_("A place opened up: you are going to “%(title)s”") % {"title": meeting.title},
            body=_("It starts %(when)s. If you can no longer come, please change your answer.")
            % {"when": _when(meeting, rsvp.user)},
            url=meeting.get_absolute_url(),
            community=meeting.community,
            subject=meeting,
        )


def rsvp(*, meeting: Meeting, user: User, answer: str) -> RSVP:
    """Answer going, maybe or not going for a meeting.

    Correct under concurrency: the meeting row is locked while places are counted and
    the answer saved, so N simultaneous "going" answers at capacity C give C going and
    N−C waitlisted, first come first served. The lock is held for that decision only (a
    few statements); participation and notifications follow in a second short
    transaction, so answers to a popular meeting do not queue behind each other's
    side effects. Leaving "going" promotes the first waitlisted member
    (WAITLIST_PROMOTED). Only active members and the meeting's guests answer (a
    guest's answer is an ordinary RSVP: counted in the capacity, waiting on the same
    list); answers close when the meeting starts. Side effects: the RSVP row (one per
    member and meeting); the meeting's going and waitlist counts; going or maybe
    records RSVPED participation (no points; onboarding ticks on it).
    """
    if answer not in RSVPAnswer.values:
        raise ValidationError(_("Unknown answer."))
    if (
        not Membership.objects.filter(
            community_id__in=meeting_community_ids(meeting),
            user=user,
            status=MembershipStatus.ACTIVE,
        ).exists()
        and not MeetingGuest.objects.filter(
            meeting_id=meeting.pk,
            user=user,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
    ):
        raise ValidationError(_("Only members of the community can answer. Join it first."))
    unchanged = RSVP.objects.filter(
        meeting_id=meeting.pk,
        user=user,
        answer=answer,
        meeting__status=MeetingStatus.SCHEDULED,
        meeting__starts_at__gt=timezone.now(),
    ).first()
    if unchanged is not None:
        return unchanged  # the same answer again (a double click): no lock needed
    with transaction.atomic():
        # The meeting row alone: joining the community would lock its row too.
        locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
        if locked.status != MeetingStatus.SCHEDULED:
            raise ValidationError(
                _("This meeting was cancelled.")
                if locked.is_cancelled
                else _("This meeting already took place.")
            )
        now = timezone.now()
        if now >= locked.starts_at:
            raise ValidationError(_("Answers closed when the meeting started."))
        current = RSVP.objects.filter(meeting=locked, user=user).first()
        if current is not None and current.answer == answer:
            return current
        was_going = current is not None and current.is_going
        if current is None:
            current = RSVP(meeting=locked, user=user, created_at=now)
        current.answer = answer
        if answer == RSVPAnswer.GOING:
            current.going_since = now
            current.waitlisted = (
                locked.capacity is not None and _going_count(locked) >= locked.capacity
            )
        else:
            current.going_since = None
            current.waitlisted = False
        current.save()
        promoted = _promote_waitlisted(locked, tell=False) if was_going else []
        refresh_counts([locked.pk])
    with transaction.atomic():
        if answer in (RSVPAnswer.GOING, RSVPAnswer.MAYBE):
            # A joint meeting counts in each of its communities the person belongs to.
            for community in _communities_of(locked):
                record_participation(
                    kind=ParticipationKind.RSVPED,
                    user=user,
                    community=community,
                    subject=locked,
                    summary=locked.title,
                )
        _tell_promoted(locked, promoted)
    return current


def _communities_of(meeting: Meeting) -> list[Community]:
    """The host community and the co-hosts in force of a joint meeting."""
    ids = meeting_community_ids(meeting)
    if len(ids) == 1:
        return [meeting.community]
    return [meeting.community, *Community.objects.filter(pk__in=ids[1:])]


@transaction.atomic
def drop_rsvp(*, meeting: Meeting, user: User) -> None:
    """Remove someone's answer (a guest whose invitation was withdrawn); a place they
    held goes to the head of the waitlist (WAITLIST_PROMOTED)."""
    locked = _lock(meeting)
    deleted, _rows = RSVP.objects.filter(meeting=locked, user=user).delete()
    if deleted and locked.status == MeetingStatus.SCHEDULED:
        _promote_waitlisted(locked)
    if deleted:
        refresh_counts([locked.pk])


@transaction.atomic
def forget_person(*, user: User) -> None:
    """Before a person's account is deleted (their answers and attendance go with it):
    each answer is dropped through `drop_rsvp`, so a place they held goes to the head of
    the waitlist and the meeting's counts stay exact, and the meetings they attended
    are recounted without them. Called by the `pre_delete` receiver of `User`."""
    for meeting in Meeting.objects.filter(rsvps__user=user).order_by("pk"):
        drop_rsvp(meeting=meeting, user=user)
    attended = list(
        Meeting.objects.select_for_update()
        .filter(attendances__user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Attendance.objects.filter(user=user).delete()
    refresh_counts(attended)


def waitlist_position(rsvp_row: RSVP) -> int | None:
    """1 for the head of the waitlist; None when not waitlisted."""
    if not rsvp_row.waitlisted:
        return None
    ahead = RSVP.objects.filter(
        Q(going_since__lt=rsvp_row.going_since)
        | Q(going_since=rsvp_row.going_since, pk__lt=rsvp_row.pk),
        meeting_id=rsvp_row.meeting_id,
        answer=RSVPAnswer.GOING,
        waitlisted=True,
    ).count()
    return ahead + 1


# --- agenda ------------------------------------------------------------------------------------


@transaction.atomic
def propose_agenda_item(
    *,
    meeting: Meeting,
    by: User,
    title: str = "",
    details: str = "",
    problem=None,
    problem_id: int | None = None,
) -> AgendaItem:
    """A member proposes a topic for the agenda, or a problem from the knowledge app to
    work on together (its title is the topic unless one is given), passed as the problem
    or by its id. Counts as participation (PROPOSED_AGENDA_ITEM)."""
    if meeting.status != MeetingStatus.SCHEDULED or meeting.has_started:
        raise ValidationError(_("The agenda of this meeting is closed."))
    if problem_id is not None:
        # The agenda item's own relation names the model: meetings never import knowledge.
        problems = AgendaItem._meta.get_field("problem").related_model.objects
        problem = problems.filter(pk=problem_id).first()
        if problem is None:
            raise ValidationError({"problem": _("Choose a problem of this community.")})
    if problem is not None:
        if problem.community_id != meeting.community_id or problem.deleted_at is not None:
            raise ValidationError({"problem": _("Choose a problem of this community.")})
        if meeting.agenda_items.filter(problem=problem).exists():
            raise ValidationError(_("This problem is already proposed for that meeting."))
        title = title or problem.title
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Say what the topic is.")})
    item = AgendaItem.objects.create(
        meeting=meeting, title=title[:200], details=details, proposed_by=by, problem=problem
    )
    record_participation(
        kind=ParticipationKind.PROPOSED_AGENDA_ITEM,
        user=by,
        community=meeting.community,
        subject=item,
        summary=item.title,
    )
    return item


@transaction.atomic
def vote_agenda_item(*, item: AgendaItem, user: User, vote: bool = True) -> int:
    """Vote for an agenda item (or take the vote back). Returns the item's vote count."""
    if vote:
        try:
            with transaction.atomic():
                AgendaVote.objects.get_or_create(item=item, user=user)
        except IntegrityError:  # a concurrent vote of the same person
            pass
    else:
        AgendaVote.objects.filter(item=item, user=user).delete()
    return item.votes.count()


@transaction.atomic
def set_agenda_item_status(*, item: AgendaItem, by: User, status: str) -> AgendaItem:
    """Accept or decline (or reopen) an agenda item. An accepted item goes last in the
    accepted agenda."""
    if status not in AgendaItemStatus.values:
        raise ValidationError(_("Unknown status."))
    if status == AgendaItemStatus.ACCEPTED and item.status != AgendaItemStatus.ACCEPTED:
        last = item.meeting.agenda_items.filter(status=AgendaItemStatus.ACCEPTED).aggregate(
            last=Max("position")
        )["last"]
        item.position = (last or 0) + 1
    item.status = status
    item.save(update_fields=["status", "position"])
    return item


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, by: User, up: bool) -> AgendaItem:
    """Move an accepted item one place up or down the agenda."""
    accepted = list(
        item.meeting.agenda_items.select_for_update()
        .filter(status=AgendaItemStatus.ACCEPTED)
        .order_by("position", "created_at", "pk")
    )
    index = next((i for i, other in enumerate(accepted) if other.pk == item.pk), None)
    if index is None:
        raise ValidationError(_("Only accepted items have a place on the agenda."))
    target = index - 1 if up else index + 1
    if 0 <= target < len(accepted):
        accepted[index], accepted[target] = accepted[target], accepted[index]
    for position, other in enumerate(accepted, start=1):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    item.refresh_from_db(fields=["position"])
    return item


@transaction.atomic
def accept_agenda_suggestion(*, meeting: Meeting, by: User, suggestion) -> AgendaItem:
    """A host takes one of the suggestions (`cop.extensions.AgendaSuggestion`, found by
    the caller among those offered to them): it becomes an accepted agenda item, last in
    the agenda, with the suggestion's reason and source in its details and its problem
    linked when it has one. Side effects as `propose_agenda_item` (participation)."""
    item = propose_agenda_item(
        meeting=meeting,
        by=by,
        title=suggestion.title,
        details=suggestion.details[:4000],
        problem_id=suggestion.problem_id,
    )
    return set_agenda_item_status(item=item, by=by, status=AgendaItemStatus.ACCEPTED)


# --- attendance --------------------------------------------------------------------------------


@transaction.atomic
def mark_attendance(
    *, meeting: Meeting, by: User, attendees: Iterable[User], walk_ins: Iterable[User] = ()
) -> list[Attendance]:
    """Record who was there once the meeting has started: `attendees` from the RSVPs,
    `walk_ins` members who came without answering. The list replaces an earlier one.

    Side effects: Attendance rows and the meeting's `attendance_count`; the meeting is
    marked held; newly marked attendees are asked for feedback (MEETING_FEEDBACK);
    participation events
    ATTENDED_MEETING for each attendee and HOSTED_MEETING for each host; the event
    is withdrawn for anyone taken off the list.
    """
    meeting = _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if not meeting.has_started:
        raise ValidationError(_("Attendance can be marked once the meeting has started."))
    walk_in_ids = {user.pk for user in walk_ins}
    people = {user.pk: user for user in [*attendees, *walk_ins]}
    members = set(
        Membership.objects.filter(
            community_id__in=meeting_community_ids(meeting),
            user_id__in=people,
            status=MembershipStatus.ACTIVE,
        ).values_list("user_id", flat=True)
    )
    if set(people) - members:
        raise ValidationError(_("Only members of the community can be marked as attending."))
    answered = set(meeting.rsvps.values_list("user_id", flat=True))
    unmarked = list(meeting.attendances.exclude(user_id__in=people).select_related("user"))
    meeting.attendances.exclude(user_id__in=people).delete()
    for attendance in unmarked:
        withdraw_participation(
            kind=ParticipationKind.ATTENDED_MEETING,
            subject=meeting,
            user=attendance.user,
            community=meeting.community,
        )
    existing = set(meeting.attendances.values_list("user_id", flat=True))
    rows = []
    for user_id in people:
        if user_id in existing:
            continue
        rows.append(
            Attendance(
                meeting=meeting,
                user_id=user_id,
                walk_in=user_id in walk_in_ids and user_id not in answered,
                marked_by=by,
            )
        )
    Attendance.objects.bulk_create(rows)
    refresh_counts([meeting.pk])

    ask_for_feedback(meeting=meeting, attendees=[people[row.user_id] for row in rows])
    if meeting.status != MeetingStatus.HELD:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status", "updated_at"])
    communities = _communities_of(meeting)
    for user in people.values():
        for community in communities:  # a no-op where the person is not a member
            record_participation(
                kind=ParticipationKind.ATTENDED_MEETING,
                user=user,
                community=community,
                subject=meeting,
                summary=meeting.title,
                occurred_at=meeting.starts_at,
            )
    for host in meeting.hosts.all():
        record_participation(
            kind=ParticipationKind.HOSTED_MEETING,
            user=host,
            community=meeting.community,
            subject=meeting,
            summary=meeting.title,
            occurred_at=meeting.starts_at,
        )
    return list(meeting.attendances.select_related("user"))


# --- reminders ---------------------------------------------------------------------------------


def reminder_offsets(community: Community) -> list[int]:
    """The community's reminder offsets in hours, largest first; bad parts are ignored."""
    hours = set()
    for part in (community.reminder_offsets_hours or "").split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= MAX_REMINDER_HOURS:
            hours.add(int(part))
    return sorted(hours, reverse=True)


def due_reminder_kind(meeting: Meeting, now: datetime) -> str | None:
    """The reminder due for a meeting at `now`: the nearest offset whose time has come."""
    if not meeting.starts_at > now:
        return None
    due = [
        hours
        for hours in reminder_offsets(meeting.community)
        if meeting.starts_at - timedelta(hours=hours) <= now
    ]
    return f"{min(due)}h" if due else None


def send_reminder(*, meeting: Meeting, user: User, kind: str) -> bool:
    """Send one reminder exactly once: the ReminderDelivery row is claimed (a unique
    insert) in the same transaction as the notification, so a second scan, a retry or
    another worker finds it taken. Returns whether this call sent it."""
    try:
        with transaction.atomic():
            ReminderDelivery.objects.create(meeting=meeting, user=user, kind=kind)
            notify(
                recipient=user,
                kind=NotificationKind.MEETING_REMINDER,
                title=_("Reminder: “%(title)s” starts %(when)s")
                % {"title": meeting.title, "when": _when(meeting, user)},
                body="\n".join(part for part in (meeting.location, meeting.online_url) if part),
                url=meeting.get_absolute_url(),
                community=meeting.community,
                subject=meeting,
            )
    except IntegrityError:
        return False
    return True


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Find every reminder due at `now` (scheduled meetings; members going, and those
    who answered maybe when the meeting asks for it) and send each once. Returns how
    many this call sent."""
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=MAX_REMINDER_HOURS),
        )
        .select_related("community")
        .order_by("starts_at")
    )
    sent = 0
    for meeting in meetings:
        kind = due_reminder_kind(meeting, now)
        if kind is None:
            continue
        done = set(meeting.reminder_deliveries.filter(kind=kind).values_list("user_id", flat=True))
        wanted = Q(answer=RSVPAnswer.GOING, waitlisted=False)
        if meeting.remind_maybe:
            wanted |= Q(answer=RSVPAnswer.MAYBE)
        going = meeting.rsvps.filter(wanted).exclude(user_id__in=done).select_related("user")
        for row in going:
            sent += send_reminder(meeting=meeting, user=row.user, kind=kind)
    return sent


# --- calendar feed tokens -----------------------------------------------------------------------


def feed_token_for(*, user: User) -> CalendarFeedToken:
    """The member's personal calendar feed token, made on first use."""
    token, _created = CalendarFeedToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def revoke_feed_token(*, user: User) -> CalendarFeedToken:
    """Replace the member's feed token: the old feed URL stops working at once."""
    token, created = CalendarFeedToken.objects.select_for_update().get_or_create(user=user)
    if not created:
        token.token = new_feed_token()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
    return token
