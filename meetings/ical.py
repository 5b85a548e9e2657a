"""iCalendar (RFC 5545) feeds of meetings, built with the icalendar library.

Each meeting is one VEVENT with a stable UID (the meeting's uuid), SEQUENCE that
increases on every change, STATUS CONFIRMED or CANCELLED, and DTSTART/DTEND with
the TZID of the zone it is planned in; the calendar carries a VTIMEZONE for each
zone used. Occurrences of a series are separate events (no RRULE): each may have
been edited or cancelled on its own, and every calendar program understands that.
"""

import zoneinfo
from collections.abc import Iterable
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .enums import MeetingStatus
from .models import Meeting

PRODID = "-//Copse//Meetings//EN"


def _uid(meeting: Meeting) -> str:
    host = urlparse(settings.SITE_URL).hostname or "copse"
    return f"meeting-{meeting.uid}@{host}"


def meeting_event(meeting: Meeting) -> Event:
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    event = Event()
    event.add("uid", _uid(meeting))
    event.add("dtstamp", timezone.now())
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    url = settings.SITE_URL + meeting.get_absolute_url()
    event.add("url", url)
    location = meeting.location or meeting.online_url
    if location:
        event.add("location", location)
    description = "\n\n".join(
        part for part in (meeting.description.strip(), meeting.online_url, url) if part
    )
    event.add("description", description)
    event.add("categories", [meeting.get_kind_display()])
    return event


def calendar_for(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and the VTIMEZONEs they need."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        cal.add_component(meeting_event(meeting))
    cal.add_missing_timezones()
    return cal.to_ical()
