"""Every meetings endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work)."""

import pytest

from tests.api_permissions import (
    COORDINATOR_CREATES,
    COORDINATOR_ONLY,
    EVERYONE,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    cases,
    check,
)

pytestmark = pytest.mark.django_db

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
]


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    check(method, path, body, visibility, caller, expected)
