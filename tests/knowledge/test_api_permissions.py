"""Every knowledge endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work)."""

import pytest

from tests.api_permissions import (
    COORDINATOR_ONLY,
    EVERYONE,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    cases,
    check,
    row,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/problems/", None, EVERYONE),
    ("get", "/api/v1/problems/{problem}/", None, READ),
    (
        "post",
        "/api/v1/problems/",
        {"community": "{slug}", "title": "Stuck", "context": "On this"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/problems/{problem}/replies/", None, READ),
    ("post", "/api/v1/problems/{problem}/replies/", {"body": "Try this"}, MEMBERS_CREATE),
    # The member asked the problem: they and the coordinator accept.
    ("post", "/api/v1/problems/{problem}/accept/", {"reply": "{reply}"}, MEMBERS_ACT),
    ("get", "/api/v1/stories/", None, EVERYONE),
    ("get", "/api/v1/stories/{story}/", None, READ),
    ("get", "/api/v1/practices/", None, EVERYONE),
    ("get", "/api/v1/practices/{entry}/", None, READ),
    ("get", "/api/v1/practices/{entry}/revisions/", None, READ),
    # Another member wrote it: the member and the coordinator may say it worked for them.
    ("post", "/api/v1/practices/{entry}/validate/", {}, MEMBERS_ACT),
    ("get", "/api/v1/glossary/{term}/", None, READ),
    ("post", "/api/v1/glossary/{term}/accept/", None, COORDINATOR_ONLY),
    # Another member wrote these: only the coordinator (or the author) may.
    (
        "delete",
        "/api/v1/stories/{story}/",
        None,
        {"public": row(401, 403, 403, 204, 403), "private": row(401, 404, 403, 204, 404)},
    ),
    ("post", "/api/v1/practices/{entry}/status/", {"status": "archived"}, COORDINATOR_ONLY),
    # Only the author edits: the member, the coordinator and staff did not write it.
    (
        "patch",
        "/api/v1/stories/{story}/",
        {"title": "Mine now"},
        {"public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)},
    ),
    (
        "post",
        "/api/v1/glossary/",
        {"community": "{slug}", "term": "Toil", "definition": "Manual work"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/search/?q=stuck", None, EVERYONE),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    check(method, path, body, visibility, caller, expected)
