"""API of the coordinator tools and thanks: bulk invitations, outreach, notes, thanks."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cop.models import Invitation, Membership, Notification
from tests.factories import CommunityFactory, StoryFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="bulk-one", coordinator=coordinator)


BULK = "/api/v1/communities/bulk-one/invitations/bulk/"


def test_bulk_dry_run_then_invite_then_retry(api, coordinator, community):
    member = make_member(community)
    api.force_authenticate(coordinator)
    rows = [
        {"email": "a@example.net", "name": "Ada"},
        {"email": "nope"},
        {"email": "A@example.net"},
        {"email": member.email},
    ]
    preview = api.post(BULK, {"rows": rows, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["valid"], body["invalid"], body["invited"]) == (1, 3, 0)
    assert [r["reason"] for r in body["rows"]] == [
        "",
        "not an email address",
        "duplicate in the list (line 1)",
        "already a member",
    ]
    assert not Invitation.objects.exists()

    done = api.post(BULK, {"rows": rows}, format="json").json()
    assert done["invited"] == 1
    assert done["rows"][0]["invitation_id"] == Invitation.objects.get().pk
    retry = api.post(BULK, {"text": "a@example.net,Ada"}, format="json").json()
    assert (retry["invited"], retry["rows"][0]["reason"]) == (0, "already invited")
    assert Invitation.objects.count() == 1


def test_bulk_refuses_members_and_too_many_rows(api, community):
    api.force_authenticate(make_member(community))
    assert api.post(BULK, {"text": "a@example.net"}, format="json").status_code == 403
    api.force_authenticate(community.memberships.get(role="coordinator").user)
    text = "\n".join(f"p{n}@example.net" for n in range(1001))
    response = api.post(BULK, {"text": text}, format="json")
    assert response.status_code == 400
    assert "1000" in response.content.decode()
    assert api.post(BULK, {"text": ""}, format="json").status_code == 400


def test_outreach_list_and_note(api, coordinator, community):
    with time_machine.travel(timezone.now() - timedelta(days=60)):
        quiet = make_member(community)
    api.force_authenticate(coordinator)
    page = api.get("/api/v1/communities/bulk-one/outreach/?days=30").json()
    assert [row["user_id"] for row in page["results"]] == [quiet.pk]
    assert "email" not in page["results"][0]
    assert api.get("/api/v1/communities/bulk-one/outreach/?days=2").status_code == 400
    membership = Membership.objects.get(user=quiet, community=community)
    url = f"/api/v1/communities/bulk-one/outreach/{membership.pk}/notes/"
    assert api.post(url, {"body": "Hello again"}, format="json").status_code == 201
    assert api.post(url, {"body": "Twice"}, format="json").status_code == 400
    assert Notification.objects.filter(recipient=quiet, kind="personal_note").count() == 1
    api.force_authenticate(quiet)
    assert api.get("/api/v1/communities/bulk-one/outreach/").status_code == 403


def test_thanks_post_list_delete(api, community):
    author, reader = make_member(community), make_member(community)
    story = StoryFactory(community=community, author=author)
    api.force_authenticate(reader)
    created = api.post("/api/v1/thanks/", {"kind": "story", "object_id": story.pk}, format="json")
    assert created.status_code == 201
    again = api.post("/api/v1/thanks/", {"kind": "story", "object_id": story.pk}, format="json")
    assert again.status_code == 200
    mine = api.get("/api/v1/thanks/").json()
    assert [(t["kind"], t["object_id"]) for t in mine["results"]] == [("story", story.pk)]
    assert api.delete(f"/api/v1/thanks/story/{story.pk}/").status_code == 204
    assert api.delete(f"/api/v1/thanks/story/{story.pk}/").status_code == 404
    api.force_authenticate(author)
    own = api.post("/api/v1/thanks/", {"kind": "story", "object_id": story.pk}, format="json")
    assert own.status_code == 400
    api.force_authenticate(UserFactory())
    outsider = api.post("/api/v1/thanks/", {"kind": "story", "object_id": story.pk}, format="json")
    assert outsider.status_code == 403
