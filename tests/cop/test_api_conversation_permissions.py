"""Every comment, reaction and announcement endpoint, as every kind of caller, on a
public and a private community (see tests/api_permissions.py)."""

import pytest

from cop.services.announcements import post_announcement
from cop.services.comments import post_comment
from cop.services.value import tell_value_story
from knowledge.models import Story
from tests.api_permissions import (
    COORDINATOR_CREATES,
    MEMBERS_CREATE,
    READ,
    cases,
    check,
    row,
    worlds_fixture,
)

pytestmark = pytest.mark.django_db

AUTHOR_ONLY = {"public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)}
AUTHOR_OR_COORDINATOR_DELETES = {
    "public": row(401, 403, 403, 204, 403),
    "private": row(401, 404, 403, 204, 404),
}
MEMBERS_TAKE_BACK = {
    "public": row(401, 403, 204, 204, 403),
    "private": row(401, 404, 204, 204, 404),
}
COMMENT = {"body": "Thank you, @someone"}

ENDPOINTS = [
    ("get", "/api/v1/stories/{story}/comments/", None, READ),
    ("post", "/api/v1/stories/{story}/comments/", COMMENT, MEMBERS_CREATE),
    ("get", "/api/v1/practices/{entry}/comments/", None, READ),
    ("post", "/api/v1/practices/{entry}/comments/", COMMENT, MEMBERS_CREATE),
    ("get", "/api/v1/meetings/{meeting}/comments/", None, READ),
    ("post", "/api/v1/meetings/{meeting}/comments/", COMMENT, MEMBERS_CREATE),
    ("get", "/api/v1/value-stories/{value_story}/comments/", None, READ),
    ("post", "/api/v1/value-stories/{value_story}/comments/", COMMENT, MEMBERS_CREATE),
    ("get", "/api/v1/comments/{comment}/", None, READ),
    ("patch", "/api/v1/comments/{comment}/", {"body": "Changed"}, AUTHOR_ONLY),
    ("delete", "/api/v1/comments/{comment}/", None, AUTHOR_OR_COORDINATOR_DELETES),
    ("post", "/api/v1/comments/{comment}/reactions/", {"kind": "thanks"}, MEMBERS_CREATE),
    ("delete", "/api/v1/comments/{comment}/reactions/thanks/", None, MEMBERS_TAKE_BACK),
    ("get", "/api/v1/communities/{slug}/announcements/", None, READ),
    ("post", "/api/v1/communities/{slug}/announcements/", {"title": "Hello", "body": "All"},
     COORDINATOR_CREATES),
    ("get", "/api/v1/communities/{slug}/announcements/{announcement}/", None, READ),
]  # fmt: skip


def _world(names, users) -> dict:
    """A comment the author wrote on the story, a value story, an announcement."""
    community, author = names["community"], users["author"]
    story = Story.objects.select_related("community").get(pk=names["story"])
    comment = post_comment(target=story, author=author, body="First!")
    value = tell_value_story(community=community, narrator=author, title="T", immediate="I")
    announcement = post_announcement(
        community=community, author=users["coordinator"], title="Welcome", body="Hello all"
    )
    return {"comment": comment.pk, "value_story": value.pk, "announcement": announcement.pk}


worlds = worlds_fixture(extra=_world)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
