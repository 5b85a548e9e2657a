"""Every following, bookmark, flag, conduct and moderation endpoint, as every kind of
caller, on a public and a private community (see tests/api_permissions.py)."""

import pytest

from care.services.moderation import flag_content
from knowledge.models import Story
from tests.api_permissions import (
    COORDINATOR_ONLY,
    COORDINATOR_READS,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
    worlds_fixture,
)
from tests.factories import make_member

pytestmark = pytest.mark.django_db

# Saving needs only sight of the item: any signed-in person on a public community.
SIGHT_CREATES = {
    "public": row(401, 201, 201, 201, 201),
    "private": row(401, 404, 201, 201, 404),
}

ENDPOINTS = [
    ("get", "/api/v1/flags/", None, SIGNED_IN),
    ("post", "/api/v1/flags/", {"kind": "story", "object_id": "{story}", "reason": "spam"},
     MEMBERS_CREATE),
    ("get", "/api/v1/bookmarks/", None, SIGNED_IN),
    ("post", "/api/v1/bookmarks/", {"kind": "story", "object_id": "{story}"}, SIGHT_CREATES),
    ("get", "/api/v1/follows/", None, SIGNED_IN),
    ("post", "/api/v1/follows/", {"kind": "problem", "object_id": "{problem}"}, MEMBERS_CREATE),
    ("get", "/api/v1/me/feed/", None, SIGNED_IN),
    ("get", "/api/v1/communities/{slug}/conduct/", None, READ),
    ("put", "/api/v1/communities/{slug}/conduct/", {"text": "Be kind.", "material": True},
     COORDINATOR_ONLY),
    ("post", "/api/v1/communities/{slug}/conduct/accept/", None, MEMBERS_ACT),
    ("get", "/api/v1/communities/{slug}/moderation/", None, COORDINATOR_READS),
    ("post", "/api/v1/communities/{slug}/moderation/{case}/", {"action": "restore"},
     COORDINATOR_ONLY),
]  # fmt: skip


def _case(names, callers):

    story = Story.objects.get(pk=names["story"])
    flagger = make_member(names["community"])  # not a caller: their own flags stay possible
    return {"case": flag_content(user=flagger, obj=story, reason="spam").case.pk}


worlds = worlds_fixture(extra=_case)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
