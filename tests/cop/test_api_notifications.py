"""The caller's own notifications through the REST API."""

import pytest
from rest_framework.test import APIClient

from cop.enums import NotificationKind
from cop.models import Notification, NotificationPreference
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _notification(recipient, title="Hello", **extra):
    return Notification.objects.create(
        recipient=recipient, kind=NotificationKind.REPLY, title=title, **extra
    )


@pytest.fixture
def api():
    return APIClient()


def test_list_shows_only_my_notifications_newest_first(api):
    me, someone = UserFactory(), UserFactory()
    community = CommunityFactory(slug="sre")
    first = _notification(me, "First", url="/c/sre/", community=community, actor=someone)
    second = _notification(me, "Second")
    _notification(someone, "Not mine")
    api.force_authenticate(me)
    results = api.get("/api/v1/notifications/").json()["results"]
    assert [n["id"] for n in results] == [second.pk, first.pk]
    assert results[1]["url"] == "http://testserver/c/sre/"
    assert results[1]["community"] == "sre"
    assert results[1]["actor"] == someone.name
    assert results[0]["url"] is None
    assert results[0]["read"] is False


def test_mark_one_and_all_read(api):
    me = UserFactory()
    one, two, three = (_notification(me, f"N{i}") for i in range(3))
    api.force_authenticate(me)
    response = api.post(f"/api/v1/notifications/{one.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    unread = api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert {n["id"] for n in unread} == {two.pk, three.pk}
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_someone_elses_notification_is_404_and_anonymous_is_401(api):
    theirs = _notification(UserFactory())
    assert api.get("/api/v1/notifications/").status_code == 401
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("count", [1, 12])
def test_notification_list_query_count_is_constant(api, count, django_assert_num_queries):
    me = UserFactory()
    community = CommunityFactory()
    for _ in range(count):
        _notification(me, community=community, actor=UserFactory())
    api.force_authenticate(me)
    with django_assert_num_queries(1):
        response = api.get("/api/v1/notifications/")
    assert len(response.json()["results"]) == count


# --- preferences -----------------------------------------------------------------------------


def test_notification_settings_read_and_change(api):

    community = CommunityFactory(slug="sre")
    me = make_member(community)
    api.force_authenticate(me)
    url = "/api/v1/me/notification-settings/"
    current = api.get(url).json()
    assert set(current["channels"]) == set(NotificationKind.values)
    assert current["muted"] == []
    reply_channel = current["channels"][NotificationKind.REPLY]
    response = api.patch(
        url,
        {"channels": {"mention": "off"}, "digest_frequency": "daily", "muted": ["sre"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["channels"]["mention"] == "off"
    assert body["channels"][NotificationKind.REPLY] == reply_channel  # left as it was
    assert (body["digest_frequency"], body["muted"]) == ("daily", ["sre"])
    assert NotificationPreference.objects.filter(user=me, kind="mention").exists()
    # Leaving the mutes out keeps them.
    assert api.patch(url, {"digest_frequency": "weekly"}, format="json").json()["muted"] == ["sre"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"gossip": "off"}}, "channels"),
        ({"channels": {"mention": "loudly"}}, "channels"),
        ({"digest_frequency": "hourly"}, "digest_frequency"),
        ({"muted": ["not-mine"]}, "muted"),
    ],
)
def test_notification_settings_refuse_bad_input(api, body, field):
    CommunityFactory(slug="not-mine")
    api.force_authenticate(UserFactory())
    response = api.patch("/api/v1/me/notification-settings/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_notification_settings_need_an_account(api):
    assert api.get("/api/v1/me/notification-settings/").status_code == 401
