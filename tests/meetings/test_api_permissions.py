"""Every meetings endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import guests, polls, services
from meetings.enums import AgendaItemStatus
from meetings.models import Meeting
from tests.api_permissions import (
    COORDINATOR_CREATES,
    COORDINATOR_ONLY,
    COORDINATOR_READS,
    EVERYONE,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
    worlds_fixture,
)
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

COORDINATOR_DELETES = {
    "public": row(401, 403, 403, 204, 403),
    "private": row(401, 404, 403, 204, 404),
}

ENDPOINTS = [
    ("get", "/api/v1/meetings/", None, EVERYONE),
    ("get", "/api/v1/meetings/{meeting}/", None, READ),
    ("get", "/api/v1/meetings/?community={slug}", None, EVERYONE),
    (
        "post",
        "/api/v1/meetings/",
        {
            "community": "{slug}",
            "title": "New",
            "kind": "workshop",
            "timezone": "UTC",
            "starts_at": "{starts_at}",
            "ends_at": "{ends_at}",
        },
        COORDINATOR_CREATES,
    ),
    ("patch", "/api/v1/meetings/{meeting}/", {"title": "Renamed"}, COORDINATOR_ONLY),
    ("post", "/api/v1/meetings/{meeting}/cancel/", {"reason": "Snow"}, COORDINATOR_ONLY),
    ("post", "/api/v1/meetings/{meeting}/rsvp/", {"answer": "going"}, MEMBERS_ACT),
    ("get", "/api/v1/meetings/{meeting}/agenda/", None, READ),
    ("post", "/api/v1/meetings/{meeting}/agenda/", {"title": "Topic"}, MEMBERS_CREATE),
    ("post", "/api/v1/meetings/{meeting}/notes/", {"notes": "Decided"}, COORDINATOR_ONLY),
    ("get", "/api/v1/series/", None, EVERYONE),
    ("get", "/api/v1/series/{series}/", None, READ),
    (
        "post",
        "/api/v1/series/",
        {
            "community": "{slug}",
            "title": "Weekly",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "starts_on": "{starts_on}",
            "start_time": "17:00",
            "duration_minutes": 60,
            "timezone": "Europe/Berlin",
        },
        COORDINATOR_CREATES,
    ),
    ("post", "/api/v1/series/{series}/confirm/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/series/{series}/end/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/meetings/{meeting}/agenda-move/", {"item": "{item}", "direction": "up"},
     COORDINATOR_ONLY),
    ("get", "/api/v1/meetings/{started}/attendance/", None, COORDINATOR_READS),
    ("post", "/api/v1/meetings/{started}/attendance/", {"attendees": ["{member}"]},
     COORDINATOR_ONLY),
    # a meeting's guests: its hosts and the coordinators
    ("get", "/api/v1/meetings/{meeting}/guests/", None, COORDINATOR_READS),
    ("post", "/api/v1/meetings/{meeting}/guests/", {"email": "new@example.net"},
     COORDINATOR_CREATES),
    ("patch", "/api/v1/meetings/{meeting}/guests/{guest}/", {"is_speaker": True},
     COORDINATOR_ONLY),
    ("delete", "/api/v1/meetings/{meeting}/guests/{guest}/", None, COORDINATOR_DELETES),
    # scheduling polls
    ("get", "/api/v1/polls/", None, EVERYONE),
    ("get", "/api/v1/polls/{poll}/", None, READ),
    ("post", "/api/v1/polls/", {"community": "{slug}", "title": "When?", "timezone": "UTC",
                                "new_slots": ["{starts_at}"]}, COORDINATOR_CREATES),
    ("post", "/api/v1/polls/{poll}/vote/", {"answers": {}}, MEMBERS_ACT),
    ("post", "/api/v1/polls/{poll}/schedule/", {"slot": "{slot}"}, COORDINATOR_ONLY),
    # feedback: attendees give it, hosts and coordinators read it
    ("get", "/api/v1/meetings/{meeting}/feedback/", None, COORDINATOR_READS),
    # agenda suggestions: hosts and coordinators
    ("get", "/api/v1/meetings/{meeting}/agenda/suggestions/", None, COORDINATOR_READS),
    # one's own calendar feed, whatever the community
    ("get", "/api/v1/meetings/feed/", None, SIGNED_IN),
    ("post", "/api/v1/meetings/feed/revoke/", None, SIGNED_IN),
]  # fmt: skip


def _hosting(names, users) -> dict:
    """An accepted agenda item and a meeting under way, hosted by the coordinator."""
    community, meeting = names["community"], Meeting.objects.get(pk=names["meeting"])
    coordinator = users["coordinator"]
    item = services.propose_agenda_item(meeting=meeting, by=coordinator, title="Topic")
    services.set_agenda_item_status(item=item, by=coordinator, status=AgendaItemStatus.ACCEPTED)
    now = timezone.now()
    started = MeetingFactory(
        community=community,
        hosts=[coordinator],
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=50),
    )
    guest = guests.invite_guest(meeting=meeting, by=coordinator, email="guest@example.net")
    poll = polls.create_poll(
        community=community,
        by=coordinator,
        title="When?",
        slots=[now + timedelta(days=3)],
        timezone_name="UTC",
    )
    return {
        "item": item.pk,
        "started": started.pk,
        "member": users["member"].pk,
        "guest": guest.pk,
        "poll": poll.pk,
        "slot": poll.slots.get().pk,
    }


worlds = worlds_fixture(extra=_hosting)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
