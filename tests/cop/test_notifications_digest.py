"""The digest: in the member's time zone, only when away and when there is news, once a period."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from cop.enums import MembershipStatus, NotificationKind, Visibility
from cop.extensions import DIGEST_SECTIONS, register_digest_section
from cop.models import (
    CommunityMute,
    DigestDelivery,
    DigestFrequency,
    DigestStatus,
    EmailStatus,
    Membership,
    Notification,
    NotificationSettings,
)
from cop.services import notifications as service
from tests.factories import CommunityFactory, MembershipFactory, make_member

pytestmark = pytest.mark.django_db

# Monday 23 November 2026.
MONDAY = date(2026, 11, 23)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def community():
    return CommunityFactory(name="Site Reliability")


def _held(user, community, title="Your practice “Blameless reviews” was validated"):
    notification = service.notify(
        recipient=user,
        kind=NotificationKind.ENTRY_VALIDATED,
        title=title,
        url="/c/sre/knowledge/entries/7/",
        community=community,
    )
    assert notification.email_delivery.status == EmailStatus.HELD
    return notification


@pytest.fixture
def section():
    """An app's digest section, as meetings or knowledge would register it."""
    calls = []

    def build(*, user, since):
        calls.append((user, since))
        return {
            "title": "Upcoming meetings",
            "items": [
                {"title": "Incident review", "url": "/c/sre/meetings/3/", "detail": "Thu 17:00"}
            ],
        }

    register_digest_section(order=10, build=build)
    yield calls
    DIGEST_SECTIONS[:] = [s for s in DIGEST_SECTIONS if s.build is not build]


# --- periods ------------------------------------------------------------------------------------


def test_weekly_period_is_due_from_monday_0800_local_for_a_day():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")  # UTC+1 in November
    assert service.digest_period(frequency="weekly", zone=berlin, now=utc(MONDAY, 6, 59)) is None
    period = service.digest_period(frequency="weekly", zone=berlin, now=utc(MONDAY, 7, 0))
    assert period.start == MONDAY
    assert period.due == datetime(2026, 11, 23, 8, 0, tzinfo=berlin)
    later = service.digest_period(
        frequency="weekly", zone=berlin, now=utc(MONDAY, 23, 0) + timedelta(hours=6)
    )
    assert later.start == MONDAY
    assert (
        service.digest_period(
            frequency="weekly", zone=berlin, now=utc(MONDAY, 7) + timedelta(days=1)
        )
        is None
    )
    assert service.digest_period(frequency="never", zone=berlin, now=utc(MONDAY, 9)) is None


def test_daily_period_starts_at_0800_local_every_day():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")  # UTC+9
    tuesday = MONDAY + timedelta(days=1)
    # 22:30 UTC on Monday is 07:30 on Tuesday in Tokyo: Monday's digest is still the one due.
    assert (
        service.digest_period(frequency="daily", zone=tokyo, now=utc(MONDAY, 22, 30)).start
        == MONDAY
    )
    assert (
        service.digest_period(frequency="daily", zone=tokyo, now=utc(MONDAY, 23, 0)).start
        == tuesday
    )


def test_weekly_period_keeps_0800_local_across_daylight_saving():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    summer_monday = date(2026, 6, 1)  # UTC+2
    period = service.digest_period(frequency="weekly", zone=berlin, now=utc(summer_monday, 6, 0))
    assert period.start == summer_monday
    assert period.due.astimezone(UTC).hour == 6


# --- who gets one, when -------------------------------------------------------------------------


def test_digest_goes_out_in_each_members_own_time_zone(community):
    tokyo = make_member(community, timezone="Asia/Tokyo", email="tokyo@example.org")
    berlin = make_member(community, timezone="Europe/Berlin", email="berlin@example.org")
    los_angeles = make_member(community, timezone="America/Los_Angeles", email="la@example.org")
    for user in (tokyo, berlin, los_angeles):
        _held(user, community)
    with time_machine.travel(utc(MONDAY, 0, 30), tick=False):  # Tokyo 09:30, Berlin 01:30
        assert service.send_due_digests() == 1
    assert [m.to for m in mail.outbox] == [["tokyo@example.org"]]
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):  # Berlin 08:05
        assert service.send_due_digests() == 1
    assert mail.outbox[-1].to == ["berlin@example.org"]
    with time_machine.travel(utc(MONDAY, 16, 5), tick=False):  # Los Angeles 08:05
        assert service.send_due_digests() == 1
    assert mail.outbox[-1].to == ["la@example.org"]
    assert len(mail.outbox) == 3


def test_digest_has_held_notifications_both_parts_and_unsubscribe(community):
    user = make_member(community, timezone="Europe/Berlin", display_name="Ada")
    notification = _held(user, community)
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        service.send_due_digests()
    [message] = mail.outbox
    assert message.subject.startswith("[Copse] Your digest: 1 things since")
    assert "Blameless reviews" in message.body
    assert "http://127.0.0.1:8000/c/sre/knowledge/entries/7/" in message.body
    html, _ = message.alternatives[0]
    assert "While you were away, Ada" in html and "Site Reliability" in html
    link = message.extra_headers["List-Unsubscribe"][1:-1]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = DigestDelivery.objects.get()
    assert (digest.status, digest.item_count, digest.period_start) == (DigestStatus.SENT, 1, MONDAY)
    delivery = notification.email_delivery
    delivery.refresh_from_db()
    assert (delivery.status, delivery.digest) == (EmailStatus.DIGESTED, digest)
    # The digest's own unsubscribe link stops the digest.
    Client().post(link.removeprefix("http://127.0.0.1:8000"))
    assert NotificationSettings.objects.get(user=user).digest_frequency == DigestFrequency.NEVER


def test_digest_skipped_when_there_is_nothing(community):
    user = make_member(community, timezone="Europe/Berlin")
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 0
    assert mail.outbox == []
    assert DigestDelivery.objects.get(user=user).status == DigestStatus.EMPTY


def test_digest_skipped_when_member_was_active_since_the_last_one(community):
    user = make_member(community, timezone="Europe/Berlin")
    notification = _held(user, community)
    service.record_seen(user=user, now=utc(MONDAY, 0, 0) - timedelta(days=2))
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 0
    assert mail.outbox == []
    assert DigestDelivery.objects.get(user=user).status == DigestStatus.ACTIVE
    notification.email_delivery.refresh_from_db()
    assert notification.email_delivery.status == EmailStatus.HELD
    # Away the whole next week: the held notification comes in the next digest.
    with time_machine.travel(utc(MONDAY + timedelta(days=7), 7, 5), tick=False):
        assert service.send_due_digests() == 1
    assert "Blameless reviews" in mail.outbox[0].body


def test_digest_sent_once_per_period_however_often_the_task_runs(community):
    user = make_member(community, timezone="Europe/Berlin")
    _held(user, community)
    for hour in (7, 7, 8, 12, 23):
        with time_machine.travel(utc(MONDAY, hour, 5), tick=False):
            service.send_due_digests()
    assert len(mail.outbox) == 1
    next_monday = MONDAY + timedelta(days=7)
    _held(user, community, title="Second validation")
    with time_machine.travel(utc(next_monday, 7, 5), tick=False):
        service.send_due_digests()
    assert len(mail.outbox) == 2
    assert "Second validation" in mail.outbox[1].body
    assert "Blameless" not in mail.outbox[1].body
    assert DigestDelivery.objects.filter(user=user).count() == 2


def test_daily_digest_for_members_who_chose_it(community):
    user = make_member(community, timezone="Europe/Berlin")
    service.set_digest_frequency(user=user, frequency=DigestFrequency.DAILY)
    tuesday = MONDAY + timedelta(days=1)
    _held(user, community)
    with time_machine.travel(utc(tuesday, 7, 5), tick=False):
        assert service.send_due_digests() == 1
    assert DigestDelivery.objects.get().period_start == tuesday


def test_no_digest_for_members_who_turned_it_off(community):
    user = make_member(community, timezone="Europe/Berlin")
    _held(user, community)
    service.set_digest_frequency(user=user, frequency=DigestFrequency.NEVER)
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 0
    assert not DigestDelivery.objects.exists()


# --- what goes in -------------------------------------------------------------------------------


def test_digest_includes_app_sections_since_the_last_digest(community, section):
    user = make_member(community, timezone="Europe/Berlin")
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 1
    [message] = mail.outbox
    assert "Upcoming meetings" in message.body and "Incident review (Thu 17:00)" in message.body
    assert "http://127.0.0.1:8000/c/sre/meetings/3/" in message.alternatives[0][0]
    [(called_user, since)] = section
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert called_user == user
    assert since == datetime(2026, 11, 16, 8, 0, tzinfo=berlin)
    # The next one covers what happened since this one was built.
    with time_machine.travel(utc(MONDAY + timedelta(days=7), 7, 5), tick=False):
        service.send_due_digests()
    assert section[1][1] == DigestDelivery.objects.get(period_start=MONDAY).claimed_at


def test_broken_section_does_not_stop_the_digest(community, section):
    def broken(*, user, since):
        raise RuntimeError("bug in an app")

    register_digest_section(order=5, build=broken)
    try:
        make_member(community, timezone="Europe/Berlin")
        with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
            assert service.send_due_digests() == 1
    finally:
        DIGEST_SECTIONS[:] = [s for s in DIGEST_SECTIONS if s.build is not broken]
    assert "Incident review" in mail.outbox[0].body


def test_digest_leaves_out_a_private_community_the_member_was_removed_from(community):
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    user = make_member(community, timezone="Europe/Berlin")
    MembershipFactory(community=private, user=user)
    notification = _held(user, private)
    Membership.objects.filter(user=user, community=private).update(status=MembershipStatus.REMOVED)
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 0
    assert mail.outbox == []
    assert DigestDelivery.objects.get().status == DigestStatus.EMPTY
    notification.email_delivery.refresh_from_db()
    assert notification.email_delivery.status == EmailStatus.SKIPPED


def test_digest_leaves_out_muted_communities_and_what_was_read(community):
    other = CommunityFactory()
    user = make_member(community, timezone="Europe/Berlin")
    MembershipFactory(community=other, user=user)
    _held(user, other, title="From a muted community")
    read = _held(user, community, title="Already read")
    Notification.objects.filter(pk=read.pk).update(read_at=utc(MONDAY, 0))
    _held(user, community, title="Still unread")
    CommunityMute.objects.create(user=user, community=other)
    with time_machine.travel(utc(MONDAY, 7, 5), tick=False):
        assert service.send_due_digests() == 1
    body = mail.outbox[0].body
    assert "Still unread" in body
    assert "muted community" not in body and "Already read" not in body
