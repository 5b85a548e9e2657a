"""Demo meetings for `manage.py seed_demo`: a weekly and a monthly series, a full meeting
with a waitlist, and past meetings with attendance and notes. Idempotent: every row is
looked up by its natural key (community and title) before it is made."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from cop.models import Community, User

from . import services
from .enums import AgendaItemStatus, MeetingKind, RSVPAnswer
from .models import RSVP, Meeting, Series

PAST_NOTES = {
    "Kick-off: what keeps us up at night": (
        "## What we heard\n\n"
        "- Pages at 3 a.m. for alerts nobody can act on\n"
        "- Runbooks that are out of date the day they are written\n"
        "- Nobody knows who owns the payment retries\n\n"
        "## Next\n\nEveryone brings one alert they would delete to the next review."
    ),
    "Storytelling circle: the outage that taught us most": (
        "Ben told the story of the **DNS outage** in March: the situation, what the team did, "
        "what happened and the lesson (*cache negative answers for less time*).\n\n"
        "Ivan asked for a checklist; Eli offered to draft it as a practice entry."
    ),
}


def _local(days_ahead: int, at: time, tz_name: str) -> datetime:
    zone = zoneinfo.ZoneInfo(tz_name)
    day = timezone.now().astimezone(zone).date() + timedelta(days=days_ahead)
    return datetime.combine(day, at, tzinfo=zone)


# The other communities' one monthly series each: (community, host, the series, report line).
_MONTHLY = (
    (
        "bedside-teaching",
        "dara",
        {
            "title": "Case teaching evening",
            "rrule": "FREQ=MONTHLY;INTERVAL=1;BYDAY=1WE",
            "at": time(18, 30),
            "tz_name": "Europe/Dublin",
            "duration_minutes": 90,
            "kind": MeetingKind.STORYTELLING,
            "location": "Education centre, seminar room B",
            "capacity": 12,
        },
        "Meetings in bedside-teaching: a monthly case teaching evening.",
    ),
    (
        "security-champions",
        "fatima",
        {
            "title": "Threat model clinic",
            "rrule": "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TU",
            "at": time(16, 0),
            "tz_name": "Africa/Casablanca",
            "kind": MeetingKind.PROBLEM_SOLVING,
            "online_url": "https://meet.example.org/security-champions",
        },
        "Meetings in security-champions (private): a monthly clinic.",
    ),
)


def _series(community, *, by, title, rrule, at, tz_name, hosts, **extra) -> tuple[Series, bool]:
    series = Series.objects.filter(community=community, title=title).first()
    if series is not None:
        services.expand_series(series=series)
        return series, False
    series = services.create_series(
        community=community,
        by=by,
        title=title,
        rrule=rrule,
        starts_on=timezone.now().date(),
        start_time=at,
        duration_minutes=extra.pop("duration_minutes", 60),
        timezone_name=tz_name,
        hosts=hosts,
        **extra,
    )
    return series, True


def _meeting(community, *, title, starts_at, hosts, **extra) -> tuple[Meeting, bool]:
    meeting = Meeting.objects.filter(community=community, title=title, series=None).first()
    if meeting is not None:
        return meeting, False
    meeting = Meeting.objects.create(
        community=community,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=extra.pop("hours", 1)),
        timezone=str(starts_at.tzinfo),
        created_by=hosts[0],
        **extra,
    )
    meeting.hosts.set(hosts)
    return meeting, True


def _past(community, users, *, title, days_ago, hosts, came, walk_ins, kind) -> None:
    starts_at = _local(-days_ago, time(17, 0), "Europe/Berlin")
    meeting, created = _meeting(
        community,
        title=title,
        starts_at=starts_at,
        hosts=[users[k] for k in hosts],
        kind=kind,
        location="Room 4.12 and online",
        online_url="https://meet.example.org/sre-guild",
    )
    if not created:
        return
    for key in came:
        RSVP.objects.create(
            meeting=meeting,
            user=users[key],
            answer=RSVPAnswer.GOING,
            going_since=starts_at - timedelta(days=3),
            created_at=starts_at - timedelta(days=3),
        )
    host = users[hosts[0]]
    services.mark_attendance(
        meeting=meeting,
        by=host,
        attendees=[users[k] for k in came],
        walk_ins=[users[k] for k in walk_ins],
    )
    services.write_notes(meeting=meeting, by=host, notes=PAST_NOTES[title])


def seed_meetings(*, users: dict[str, User], communities: dict[str, Community]) -> list[str]:
    report = []
    sre = communities.get("sre-guild")
    if sre is not None:
        weekly, made = _series(
            sre,
            by=users["ada"],
            title="Weekly incident review",
            rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=TH",
            at=time(17, 0),
            tz_name="Europe/Berlin",
            hosts=[users["ada"], users["chen"]],
            location="Room 4.12",
            online_url="https://meet.example.org/sre-guild",
            description="Bring an incident from your week. We look for what the system "
            "taught us, never for who to blame.",
        )
        if made:
            first = weekly.meetings.order_by("starts_at").first()
            accepted = services.propose_agenda_item(
                meeting=first, by=users["ben"], title="Retry storms after the payment deploy"
            )
            services.set_agenda_item_status(
                item=accepted, by=users["ada"], status=AgendaItemStatus.ACCEPTED
            )
            proposed = services.propose_agenda_item(
                meeting=first,
                by=users["eli"],
                title="How do you write your first postmortem?",
                details="I have my first one due next week and would love examples.",
            )
            for key in ("ben", "hana", "ivan"):
                services.vote_agenda_item(item=proposed, user=users[key])
            for key in ("ben", "ivan", "eli"):
                services.rsvp(meeting=first, user=users[key], answer=RSVPAnswer.GOING)
            services.rsvp(meeting=first, user=users["gus"], answer=RSVPAnswer.MAYBE)
        full, made = _meeting(
            sre,
            title="Chaos engineering workshop",
            starts_at=_local(5, time(14, 0), "Europe/Berlin"),
            hosts=[users["chen"]],
            hours=3,
            kind=MeetingKind.WORKSHOP,
            capacity=3,
            location="Lab 2 (laptops provided)",
            description="Hands-on: we break a staging cluster on purpose and watch the "
            "alerts. Small group, so the waitlist moves up automatically.",
        )
        if made:
            for key in ("ben", "ivan", "fatima", "hana", "eli"):
                services.rsvp(meeting=full, user=users[key], answer=RSVPAnswer.GOING)
            services.rsvp(meeting=full, user=users["june"], answer=RSVPAnswer.MAYBE)
        _past(
            sre,
            users,
            title="Kick-off: what keeps us up at night",
            days_ago=24,
            hosts=["ada"],
            came=["chen", "ben", "ivan", "fatima"],
            walk_ins=["gus"],
            kind=MeetingKind.REGULAR,
        )
        _past(
            sre,
            users,
            title="Storytelling circle: the outage that taught us most",
            days_ago=10,
            hosts=["chen", "ben"],
            came=["ben", "ivan", "hana", "eli"],
            walk_ins=[],
            kind=MeetingKind.STORYTELLING,
        )
        report.append(
            f"Meetings in sre-guild: “{weekly.title}” every Thursday, a full workshop with "
            "a waitlist, two past meetings with attendance and notes."
        )
    for slug, host, series, line in _MONTHLY:
        community = communities.get(slug)
        if community is not None:
            _series(community, by=users[host], hosts=[users[host]], **series)
            report.append(line)
    return report
