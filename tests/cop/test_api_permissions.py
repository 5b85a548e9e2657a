"""Every communities and notifications endpoint, as every kind of caller, on a public
and a private community, against a table of expected status codes kept here. Each
app keeps its own table beside its tests; tests/api_permissions.py says how."""

import pytest

from tests.api_permissions import (
    COORDINATOR_ONLY,
    EVERYONE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/communities/", None, EVERYONE),
    ("get", "/api/v1/communities/{slug}/", None, READ),
    (
        "patch",
        "/api/v1/communities/{slug}/",
        {"purpose": "Changed"},
        COORDINATOR_ONLY,
    ),
    ("get", "/api/v1/communities/{slug}/members/", None, READ),
    (
        "post",
        "/api/v1/communities/{slug}/members/",
        {"message": "hi"},
        # Joining an open public community; a private one is invisible to outsiders.
        {"public": row(401, 201, 201, 201, 201), "private": row(401, 404, 201, 201, 404)},
    ),
    ("post", "/api/v1/communities/{slug}/members/{pending}/approve/", None, COORDINATOR_ONLY),
    (
        "post",
        "/api/v1/communities/{slug}/leave/",
        None,
        # The last coordinator stays; non-members have nothing to leave.
        {"public": row(401, 400, 200, 400, 400), "private": row(401, 404, 200, 400, 404)},
    ),
    # notifications: one's own, whatever the community
    ("get", "/api/v1/notifications/", None, SIGNED_IN),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    check(method, path, body, visibility, caller, expected)
