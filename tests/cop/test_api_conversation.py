"""The comments, reactions and announcements API: what it returns and refuses."""

import pytest
from rest_framework.test import APIClient

from cop.models import Comment
from tests.factories import CommunityFactory, StoryFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community)
    member = make_member(community)
    story = StoryFactory(community=community, author=author)
    return community, coordinator, author, member, story


def _as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_comment_thread_through_the_api(world):
    _community, _coordinator, author, member, story = world
    url = f"/api/v1/stories/{story.pk}/comments/"
    created = _as(member).post(url, {"body": "Hello <script>x</script>"}, format="json")
    assert created.status_code == 201
    comment = created.json()
    assert comment["body_html"] == "<p>Hello &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert comment["reactions"] == {"thanks": 0, "helped": 0, "plus_one": 0}
    reply = _as(author).post(url, {"body": "Hi", "parent": comment["id"]}, format="json")
    assert reply.json()["parent"] == comment["id"]
    listed = _as(member).get(url).json()["results"]
    assert [c["id"] for c in listed] == [comment["id"], reply.json()["id"]]
    one = f"/api/v1/comments/{comment['id']}/"
    edited = _as(member).patch(one, {"body": "Hello again"}, format="json")
    assert edited.json()["body"] == "Hello again" and edited.json()["edited_at"]
    react = f"{one}reactions/"
    assert _as(author).post(react, {"kind": "thanks"}, format="json").status_code == 201
    again = _as(author).post(react, {"kind": "thanks"}, format="json")
    assert again.status_code == 200 and again.json()["thanks"] == 1
    assert _as(author).delete(f"{react}thanks/").status_code == 204
    assert _as(member).delete(one).status_code == 204
    assert Comment.objects.get(pk=comment["id"]).deleted_at is not None
    assert _as(member).get(one).status_code == 404


def test_bad_input_is_a_400_with_a_reason(world):
    _community, _coordinator, author, member, story = world
    url = f"/api/v1/stories/{story.pk}/comments/"
    for body in ({"body": "  "}, {"body": "x" * 10001}, {}, {"body": "x", "parent": 2**64}):
        response = _as(member).post(url, body, format="json")
        assert response.status_code == 400, body
        assert response.json()
    comment = _as(member).post(url, {"body": "ok"}, format="json").json()
    react = f"/api/v1/comments/{comment['id']}/reactions/"
    assert _as(author).post(react, {"kind": "love"}, format="json").status_code == 400
    assert _as(author).delete(f"{react}love/").status_code == 404
    assert _as(member).get("/api/v1/stories/99999999/comments/").status_code == 404


def test_announcements_through_the_api(world, django_capture_on_commit_callbacks):
    community, coordinator, _author, member, _story = world
    url = f"/api/v1/communities/{community.slug}/announcements/"
    with django_capture_on_commit_callbacks(execute=True):
        created = _as(coordinator).post(url, {"title": "Hi", "body": "All of you"}, format="json")
    assert created.status_code == 201
    one = f"{url}{created.json()['id']}/"
    progress = _as(coordinator).get(one).json()
    assert (progress["status"], progress["total"], progress["delivered_count"]) == ("sent", 2, 2)
    seen = _as(member).get(one).json()
    assert seen["title"] == "Hi" and seen["total"] is None and seen["status"] is None
    assert [a["id"] for a in _as(member).get(url).json()["results"]] == [created.json()["id"]]
    bad = _as(coordinator).post(url, {"title": "x", "body": "y", "pinned_until": "2001-01-01"})
    assert bad.status_code == 400 and "pinned_until" in bad.json()


@pytest.mark.parametrize("body", [7742, 1.5, ["text"], {"text": "x"}])
def test_a_comment_body_that_is_not_text_is_a_400(world, body):
    """The schema says a string: a number (which DRF would have stored as "7742") or any
    other JSON value is refused, here as in every API text field."""
    _community, _coordinator, _author, member, story = world
    url = f"/api/v1/stories/{story.pk}/comments/"
    response = _as(member).post(url, {"body": body}, format="json")
    assert response.status_code == 400
    assert response.json()["body"] == ["Not a valid string."]
    assert not Comment.objects.exists()


def test_a_profile_name_that_is_a_number_is_a_400(world):
    _community, _coordinator, _author, member, _story = world
    response = _as(member).patch("/api/v1/me/", {"display_name": 12}, format="json")
    assert response.status_code == 400
    assert "display_name" in response.json()
