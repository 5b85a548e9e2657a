"""The API of flags, bookmarks, follows, the code of conduct, the moderation queue and
the home feed: same services and declared permissions as the pages."""

import pytest
from rest_framework.test import APIClient

from care.models import Bookmark, Flag, Follow, ModerationCase
from cop.enums import Visibility
from cop.models import Membership
from tests.factories import CommunityFactory, ProblemFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_flag_through_the_api(api, community, author, member, coordinator):
    story = StoryFactory(community=community, author=author)
    api.force_authenticate(member)
    body = {"kind": "story", "object_id": story.pk, "reason": "spam", "note": "Ad"}
    response = api.post("/api/v1/flags/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    again = api.post("/api/v1/flags/", body, format="json")
    assert again.status_code == 400 and "already flagged" in str(again.json())
    assert [f["item"] for f in api.get("/api/v1/flags/").json()["results"]] == [
        f"Story: {story.title}"
    ]
    api.force_authenticate(author)
    own = api.post("/api/v1/flags/", body, format="json")
    assert own.status_code == 403 and "code of conduct" in own.json()["detail"]
    assert Flag.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "nothing", "object_id": 1, "reason": "spam"}, 400),
        ({"kind": "story", "object_id": 0, "reason": "spam"}, 400),
        ({"kind": "story", "object_id": 999999, "reason": "spam"}, 404),
        ({"kind": "topic", "object_id": None, "reason": "spam"}, 400),
    ],
)
def test_flag_bad_input_is_a_4xx_with_a_reason(api, member, body, status):
    api.force_authenticate(member)
    response = api.post("/api/v1/flags/", body, format="json")
    assert response.status_code == status
    assert response.json()


def test_private_items_are_404_to_outsiders(api, member):

    secret = StoryFactory(community=CommunityFactory(visibility=Visibility.PRIVATE))
    api.force_authenticate(member)
    for path in ("/api/v1/flags/", "/api/v1/bookmarks/"):
        response = api.post(path, {"kind": "story", "object_id": secret.pk, "reason": "spam"},
                            format="json")  # fmt: skip
        assert response.status_code == 404


def test_anonymous_is_refused(api):
    assert api.get("/api/v1/bookmarks/").status_code in (401, 403)
    assert api.get("/api/v1/me/feed/").status_code in (401, 403)


def test_bookmarks_and_follows(api, community, member):
    problem = ProblemFactory(community=community, title="Keep")
    api.force_authenticate(member)
    made = api.post("/api/v1/bookmarks/", {"kind": "problem", "object_id": problem.pk},
                    format="json")  # fmt: skip
    assert made.status_code == 201 and made.json()["title"] == "Keep"
    listed = api.get("/api/v1/bookmarks/").json()["results"]
    assert [(b["kind"], b["object_id"]) for b in listed] == [("problem", problem.pk)]
    other = UserFactory()
    api.force_authenticate(other)
    assert api.delete(f"/api/v1/bookmarks/{made.json()['id']}/").status_code == 404
    api.force_authenticate(member)
    assert api.delete(f"/api/v1/bookmarks/{made.json()['id']}/").status_code == 204
    assert not Bookmark.objects.exists()
    followed = api.post("/api/v1/follows/", {"kind": "problem", "object_id": problem.pk},
                        format="json")  # fmt: skip
    assert followed.status_code == 201
    assert Follow.objects.filter(user=member).count() == 1
    member_profile = Membership.objects.exclude(user=member).first()
    if member_profile is not None:
        assert api.post("/api/v1/follows/", {"kind": "member", "object_id": member_profile.pk},
                        format="json").status_code in (201, 404)  # fmt: skip


def test_conduct_read_and_change(api, community, coordinator, member):
    api.force_authenticate(member)
    read = api.get(f"/api/v1/communities/{community.slug}/conduct/").json()
    assert read["version"] == 1 and read["accepted"] is True and read["text_html"]
    url = f"/api/v1/communities/{community.slug}/conduct/"
    changed = {"text": "<script>x</script> Be kind", "material": True}
    assert api.put(url, changed, format="json").status_code == 403
    api.force_authenticate(coordinator)
    answer = api.put(url, changed, format="json").json()
    assert answer["version"] == 2 and "<script>" not in answer["text_html"]
    api.force_authenticate(member)
    assert api.get(url).json()["accepted"] is False
    assert api.post(f"{url}accept/").json()["accepted"] is True


def test_moderation_queue_and_decision(api, community, author, member, coordinator):
    story = StoryFactory(community=community, author=author)
    api.force_authenticate(member)
    api.post("/api/v1/flags/", {"kind": "story", "object_id": story.pk, "reason": "spam"},
             format="json")  # fmt: skip
    queue = f"/api/v1/communities/{community.slug}/moderation/"
    assert api.get(queue).status_code == 403
    api.force_authenticate(coordinator)
    [case] = api.get(queue).json()["results"]
    assert case["kind"] == "story" and case["flags"][0]["reason"] == "spam"
    decided = api.post(f"{queue}{case['id']}/", {"action": "hide", "note": "Ad"}, format="json")
    assert decided.status_code == 200 and decided.json()["resolution"] == "hidden"
    assert api.get(queue).json()["results"] == []
    again = api.post(f"{queue}{case['id']}/", {"action": "hide"}, format="json")
    assert again.status_code == 400
    assert ModerationCase.objects.get().status == "resolved"


def test_feed_api_pages_older(api, community, member):
    for _ in range(3):
        StoryFactory(community=community)
    api.force_authenticate(member)
    first = api.get("/api/v1/me/feed/").json()
    assert len(first["results"]) == 3 and first["older"] is None
