"""Every mentoring endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work). In the world the member is the
mentee and the coordinator their mentor."""

import pytest

from tests.api_permissions import (
    MEMBERS_CREATE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
)

pytestmark = pytest.mark.django_db

# Only the pair of a mentorship see it, whatever the community's visibility.
PAIR = {"public": row(401, 404, 200, 200, 404), "private": row(401, 404, 200, 200, 404)}

ENDPOINTS = [
    ("get", "/api/v1/mentor-offers/?community={slug}", None, READ),
    ("post", "/api/v1/mentor-offers/", {"community": "{slug}", "capacity": 2}, MEMBERS_CREATE),
    (
        "post",
        "/api/v1/mentor-requests/",
        {"community": "{slug}", "goals": "Grow", "timezone": "UTC"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/mentor-requests/", None, SIGNED_IN),
    ("get", "/api/v1/mentorships/{mentorship}/check-ins/", None, PAIR),
    ("post", "/api/v1/mentorships/{mentorship}/pause/", None, PAIR),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    check(method, path, body, visibility, caller, expected)
