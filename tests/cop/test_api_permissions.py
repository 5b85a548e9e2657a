"""Every communities and notifications endpoint, as every kind of caller, on a public
and a private community, against a table of expected status codes kept here. Each
app keeps its own table beside its tests; tests/api_permissions.py says how."""

import pytest

from cop.models import ValueFollowUp
from cop.services.communities import invitation_token, invite
from cop.services.value import tell_value_story
from tests.api_permissions import (
    COORDINATOR_CREATES,
    COORDINATOR_ONLY,
    COORDINATOR_READS,
    EVERYONE,
    MEMBERS_CREATE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
    worlds_fixture,
)

pytestmark = pytest.mark.django_db

OWN_MEMBERSHIP = {
    "public": row(401, 404, 200, 200, 404),
    "private": row(401, 404, 200, 200, 404),
}

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
    ("get", "/api/v1/communities/{slug}/members/{member_id}/", None, READ),
    # A pending request is the coordinators' business.
    ("get", "/api/v1/communities/{slug}/members/{pending}/", None, {
        "public": row(404, 404, 404, 200, 404), "private": row(404, 404, 404, 200, 404)}),
    ("post", "/api/v1/communities/{slug}/members/{pending}/decline/", {"reason": "No"},
     COORDINATOR_ONLY),
    ("post", "/api/v1/communities/{slug}/members/{author_id}/remove/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/communities/{slug}/members/{author_id}/promote/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/communities/{slug}/members/{member_id}/demote/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/communities/{slug}/members/{member_id}/expertise/", {"topics": []},
     COORDINATOR_ONLY),
    # One's own membership: only members have one.
    ("get", "/api/v1/communities/{slug}/me/", None, OWN_MEMBERSHIP),
    ("patch", "/api/v1/communities/{slug}/me/", {"introduction": "Hello"}, OWN_MEMBERSHIP),
    ("get", "/api/v1/communities/{slug}/invitations/", None, COORDINATOR_READS),
    ("post", "/api/v1/communities/{slug}/invitations/", {"email": "new@example.com"},
     COORDINATOR_CREATES),
    # The emailed token admits the owner of the address it was sent to (here the
    # non-member's); anyone else signed in is told it is not theirs.
    ("post", "/api/v1/invitations/accept/", {"token": "{invitation}"},
     {"public": row(401, 200, 400, 400, 400), "private": row(401, 200, 400, 400, 400)}),
    # one's own account
    ("get", "/api/v1/me/", None, SIGNED_IN),
    ("patch", "/api/v1/me/", {"bio": "Hello"}, SIGNED_IN),
    ("get", "/api/v1/me/memberships/", None, SIGNED_IN),
    ("get", "/api/v1/me/tokens/", None, SIGNED_IN),
    ("get", "/api/v1/me/notification-settings/", None, SIGNED_IN),
    ("patch", "/api/v1/me/notification-settings/", {"digest_frequency": "daily"}, SIGNED_IN),
    # value stories; the author told the one in the world and answers its follow-up
    ("get", "/api/v1/value-stories/", None, EVERYONE),
    ("get", "/api/v1/value-stories/{value_story}/", None, READ),
    ("post", "/api/v1/value-stories/", {"community": "{slug}", "title": "T", "immediate": "I"},
     MEMBERS_CREATE),
    ("post", "/api/v1/value-stories/{value_story}/follow-ups/{follow_up}/",
     {"outcome": "happened"}, {
        "public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)}),
    # the coordinators' views
    ("get", "/api/v1/communities/{slug}/value-matrix/", None, COORDINATOR_READS),
    ("get", "/api/v1/communities/{slug}/health/", None, COORDINATOR_READS),
    ("get", "/api/v1/communities/{slug}/health/contributors/", None, COORDINATOR_READS),
    # notifications: one's own, whatever the community
    ("get", "/api/v1/notifications/", None, SIGNED_IN),
    # coordinator tools; thanks (members, for someone else's item)
    ("post", "/api/v1/communities/{slug}/invitations/bulk/",
     {"text": "new@example.com", "dry_run": True}, COORDINATOR_ONLY),
    ("get", "/api/v1/communities/{slug}/outreach/", None, COORDINATOR_READS),
    ("post", "/api/v1/communities/{slug}/outreach/{member_id}/notes/", {"body": "Hello"},
     COORDINATOR_CREATES),
    ("get", "/api/v1/thanks/", None, SIGNED_IN),
    ("post", "/api/v1/thanks/", {"kind": "story", "object_id": "{story}"}, MEMBERS_CREATE),
]  # fmt: skip


def _world(names, users) -> dict:
    """An invitation, and a value story the author told with a follow-up question."""
    community, coordinator = names["community"], users["coordinator"]
    invitation = invite(community=community, by=coordinator, email=users["non_member"].email)
    story = tell_value_story(
        community=community, narrator=users["author"], title="T", immediate="It helped."
    )
    follow_up = ValueFollowUp.objects.create(story=story, after_days=30)
    return {"invitation": invitation_token(invitation), "value_story": story.pk,
            "follow_up": follow_up.pk}  # fmt: skip


worlds = worlds_fixture(extra=_world)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
