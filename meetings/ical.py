"""iCalendar (RFC 5545) feeds of meetings, built with the icalendar library.

Each meeting is one VEVENT with a stable UID (the meeting's uuid), SEQUENCE that
increases on every change, STATUS CONFIRMED or CANCELLED, and DTSTART/DTEND with
the TZID of the zone it is planned in; the calendar carries a VTIMEZONE for each
zone used. Occurrences of a series are separate events (no RRULE): each may have
been edited or cancelled on its own, and every calendar program understands that.
"""

import zoneinfo
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

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


def invitation_for(meeting: Meeting, *, attendee_email: str, attendee_name: str = "") -> bytes:
    """An iTIP (RFC 5546) message for one person's calendar program: METHOD:REQUEST
    while the meeting stands (adds it, or moves it when SEQUENCE grew), METHOD:CANCEL
    once it is cancelled (removes it). The VEVENT is the feeds' own: the same UID and
    SEQUENCE, so the invitation and a subscribed feed name one event."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = meeting_event(meeting)
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(meeting.community.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    if attendee_name:
        attendee.params["cn"] = vText(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
