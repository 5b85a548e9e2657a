"""Notification pages: the bell, the list, read marks, preferences and one-click unsubscribe."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cop.cache import bump, inbox
from cop.enums import NotificationKind
from cop.models import (
    CommunityMute,
    DeliveryChannel,
    Notification,
    NotificationSettings,
)
from cop.services import notifications as service
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _notifications(user, count, *, community=None, read=False):
    """Rows written directly, the bell bumped as the services do."""
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=NotificationKind.REPLY,
                title=f"Reply number {i}",
                body=f"Body {i}",
                url=f"/c/x/problems/{i}/",
                community=community,
                actor=user,
                created_at=now - timedelta(minutes=count - i),
                read_at=now if read else None,
            )
            for i in range(count)
        ]
    )
    bump(inbox(user.pk))


def _logged_in(client, user):
    client.force_login(user)
    client.get(reverse("notification_list"))  # the once-per-15-minutes "last seen" write
    return client


def _notification_queries(queries):
    return [q["sql"] for q in queries if '"cop_notification"' in q["sql"]]


# --- the bell -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/", "/accounts/profile/"])
@pytest.mark.parametrize("unread", [1, 30])
def test_bell_counts_once_then_reads_the_kept_count_on_any_page(client, page, unread):
    user = UserFactory()
    _logged_in(client, user)
    _notifications(user, unread)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page)
    assert response.status_code == 200
    [query] = _notification_queries(ctx.captured_queries)
    assert "COUNT(*)" in query
    assert f'<span class="bell-count">{unread}</span>' in response.content.decode()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page)
    assert _notification_queries(ctx.captured_queries) == []
    assert f'<span class="bell-count">{unread}</span>' in response.content.decode()


def test_bell_costs_the_same_on_two_pages_with_one_or_many_unread(
    client, django_assert_num_queries
):
    """The pages cost the same whatever the number of unread notifications: the first
    page after a change counts them (one query), the next reads the kept count."""
    user = UserFactory()
    community = CommunityFactory()
    _logged_in(client, user)
    _notifications(user, 1, community=community)
    with django_assert_num_queries(7):
        client.get(reverse("notification_preferences"))
    with django_assert_num_queries(4):
        client.get(reverse("notification_list"))
    _notifications(user, 40, community=community)
    with django_assert_num_queries(7):
        client.get(reverse("notification_preferences"))
    with django_assert_num_queries(4):
        client.get(reverse("notification_list"))


def test_bell_costs_no_query_for_visitors(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert _notification_queries(ctx.captured_queries) == []
    assert b"bell" not in response.content


def test_bell_without_unread_shows_no_count(client):
    user = UserFactory()
    _notifications(user, 2, read=True)
    response = _logged_in(client, user).get("/")
    assert b'id="nav-bell"' in response.content
    assert b"bell-count" not in response.content


def _bell(client) -> str:
    html = client.get("/").content.decode()
    start = html.index('id="nav-bell"')
    return html[start : html.index("</a>", start)]


def _tell(user, community=None):
    return service.notify(
        recipient=user,
        kind=NotificationKind.REPLY,
        title="Ben replied to your problem",
        url="/c/x/problems/1/",
        community=community,
    )


def test_bell_shows_a_new_notification_at_once(client):
    user = UserFactory()
    _logged_in(client, user)
    assert "bell-count" not in _bell(client)  # the count 0 is kept now
    _tell(user)
    assert '<span class="bell-count">1</span>' in _bell(client)


def test_bell_shows_notifications_written_for_many_at_once(client):
    community = CommunityFactory()
    user = make_member(community)
    _logged_in(client, user)
    assert "bell-count" not in _bell(client)
    service.notify_many(
        recipients=[user, make_member(community)],
        kind=NotificationKind.ANNOUNCEMENT,
        title="Meet-up moved",
        community=community,
    )
    assert '<span class="bell-count">1</span>' in _bell(client)


def test_bell_follows_opening_one_and_marking_all_read(client):
    user = UserFactory()
    _logged_in(client, user)
    first, _second = _tell(user), _tell(user)
    assert '<span class="bell-count">2</span>' in _bell(client)
    client.get(reverse("notification_open", args=[first.pk]))
    assert '<span class="bell-count">1</span>' in _bell(client)
    client.post(reverse("notification_read_all"))
    assert "bell-count" not in _bell(client)


def test_bell_count_kept_for_one_member_never_shown_to_another(client):
    busy, quiet = UserFactory(), UserFactory()
    _notifications(busy, 3)
    assert '<span class="bell-count">3</span>' in _bell(_logged_in(client, busy))
    other = _logged_in(Client(), quiet)
    assert "bell-count" not in _bell(other)
    _tell(quiet)
    assert '<span class="bell-count">1</span>' in _bell(other)
    assert '<span class="bell-count">3</span>' in _bell(client)


def test_bell_counts_on_every_page_while_the_cache_fails(client, monkeypatch):
    user = UserFactory()
    _logged_in(client, user)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    backend = type(caches["default"])  # local memory, or Redis when REDIS_URL is set
    for method in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(backend, method, broken)
    _tell(user)  # its bump fails too: logged, not raised
    assert '<span class="bell-count">1</span>' in _bell(client)
    client.post(reverse("notification_read_all"))
    assert "bell-count" not in _bell(client)


# --- the list -----------------------------------------------------------------------------------


def test_list_newest_first_unread_marked_only_mine(client):
    user = UserFactory()
    other = UserFactory()
    _notifications(user, 2)
    Notification.objects.filter(title="Reply number 0").update(read_at=timezone.now())
    _notifications(other, 1)
    Notification.objects.filter(recipient=other).update(title="Someone else's")
    response = _logged_in(client, user).get(reverse("notification_list"))
    html = response.content.decode()
    assert html.index("Reply number 1") < html.index("Reply number 0")
    assert html.count('class="notification unread"') == 1
    assert "Someone else" not in html
    assert reverse("notification_preferences") in html


def test_list_is_paginated(client):
    user = UserFactory()
    _notifications(user, 25)
    client = _logged_in(client, user)
    first = client.get(reverse("notification_list")).content.decode()
    assert "Reply number 24" in first and "Reply number 4<" not in first
    assert "Page 1 of 2" in first
    second = client.get(reverse("notification_list") + "?page=2").content.decode()
    assert "Reply number 4<" in second and "Reply number 24" not in second


def test_list_empty_state_explains(client):
    response = _logged_in(client, UserFactory()).get(reverse("notification_list"))
    assert b"Nothing yet." in response.content


def test_list_requires_login(client):
    response = client.get(reverse("notification_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- read marks -----------------------------------------------------------------------------------


def test_open_marks_read_and_follows_the_link(client):
    user = UserFactory()
    _notifications(user, 1)
    notification = Notification.objects.get()
    response = _logged_in(client, user).get(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/c/x/problems/0/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_someone_elses_notification_is_404_and_stays_unread(client):
    _notifications(UserFactory(), 1)
    notification = Notification.objects.get()
    response = _logged_in(client, UserFactory()).get(
        reverse("notification_open", args=[notification.pk])
    )
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("url", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_open_never_redirects_off_site(client, url):
    user = UserFactory()
    _notifications(user, 1)
    Notification.objects.update(url=url)
    notification = Notification.objects.get()
    response = _logged_in(client, user).get(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("notification_list")


def test_mark_all_read_by_post(client):
    user = UserFactory()
    _notifications(user, 3)
    client = _logged_in(client, user)
    assert client.get(reverse("notification_read_all")).status_code == 405
    response = client.post(reverse("notification_read_all"))
    assert response.status_code == 302
    assert service.unread_count(user) == 0


def test_mark_all_read_with_htmx_returns_the_list_and_bell(client):
    user = UserFactory()
    _notifications(user, 3)
    response = _logged_in(client, user).post(
        reverse("notification_read_all"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-page"' in html and 'id="nav-bell"' in html
    assert "bell-count" not in html
    assert 'class="notification unread"' not in html


# --- preferences --------------------------------------------------------------------------------


def test_preferences_show_defaults_checked(client):
    response = _logged_in(client, UserFactory()).get(reverse("notification_preferences"))
    html = response.content.decode()
    assert 'name="kind_mention" value="immediate" ' in html
    mention_immediate = html.split('name="kind_mention" value="immediate"')[1].split(">")[0]
    assert "checked" in mention_immediate
    validated_digest = html.split('name="kind_entry_validated" value="digest"')[1].split(">")[0]
    assert "checked" in validated_digest
    assert 'name="digest_frequency" value="weekly"' in html


def test_preferences_save_channels_frequency_and_mutes(client):
    user = UserFactory()
    community = CommunityFactory(name="Ops people")
    make_member(community)

    MembershipFactory(community=community, user=user)
    client = _logged_in(client, user)
    data = {f"kind_{kind}": service.DEFAULT_CHANNELS[kind] for kind in NotificationKind.values}
    data.update(
        kind_reply=DeliveryChannel.DIGEST,
        kind_meeting_reminder=DeliveryChannel.OFF,
        digest_frequency="daily",
        muted=[community.pk],
    )
    response = client.post(reverse("notification_preferences"), data)
    assert response.status_code == 302
    assert service.channel_for(user=user, kind=NotificationKind.REPLY) == "digest"
    assert service.channel_for(user=user, kind=NotificationKind.MEETING_REMINDER) == "off"
    assert NotificationSettings.objects.get(user=user).digest_frequency == "daily"
    assert CommunityMute.objects.filter(user=user, community=community).exists()
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "Ops people" in page


def test_preferences_refuse_muting_a_community_i_do_not_belong_to(client):
    user = UserFactory()
    elsewhere = CommunityFactory()
    data = {f"kind_{kind}": service.DEFAULT_CHANNELS[kind] for kind in NotificationKind.values}
    data.update(digest_frequency="weekly", muted=[elsewhere.pk])
    response = _logged_in(client, user).post(reverse("notification_preferences"), data)
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not CommunityMute.objects.exists()


def test_preferences_refuse_an_unknown_channel(client):
    data = {f"kind_{kind}": service.DEFAULT_CHANNELS[kind] for kind in NotificationKind.values}
    data.update(digest_frequency="weekly", kind_reply="loud")
    response = _logged_in(client, UserFactory()).post(reverse("notification_preferences"), data)
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


# --- one-click unsubscribe ----------------------------------------------------------------------


def _unsubscribe_path(user, kind):
    return reverse(
        "notification_unsubscribe", args=[service.unsubscribe_token(user=user, kind=kind)]
    )


def test_unsubscribe_get_asks_to_confirm_and_changes_nothing():
    user = UserFactory()
    response = Client().get(_unsubscribe_path(user, NotificationKind.MENTION))
    assert response.status_code == 200
    assert b"Stop these emails?" in response.content
    assert b"Someone mentioned me" in response.content
    assert service.channel_for(user=user, kind=NotificationKind.MENTION) == "immediate"


def test_unsubscribe_button_post_without_login_or_csrf_turns_the_kind_off():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(_unsubscribe_path(user, NotificationKind.MENTION))
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert service.channel_for(user=user, kind=NotificationKind.MENTION) == "off"


def test_unsubscribe_rfc8058_one_click_post():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_path(user, NotificationKind.REPLY),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert service.channel_for(user=user, kind=NotificationKind.REPLY) == "off"


def test_unsubscribe_bad_token_is_400_with_reason():
    response = Client().post(reverse("notification_unsubscribe", args=["not-a-token"]))
    assert response.status_code == 400
    assert b"This unsubscribe link is not valid." in response.content


def test_other_views_still_require_csrf():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("notification_read_all")).status_code == 403


# --- last seen ----------------------------------------------------------------------------------


def test_last_seen_written_at_most_once_per_interval(client):
    user = UserFactory()
    client.force_login(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/")
    assert NotificationSettings.objects.get(user=user).last_seen_at == start
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        client.get("/")
    assert NotificationSettings.objects.get(user=user).last_seen_at == start
