"""Announcements: who may post, bounds, batches exactly once per member, preferences,
mutes and unsubscribes, progress, pinning and the resume sweeper."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cop.enums import AnnouncementStatus, MembershipStatus, NotificationKind
from cop.models import (
    Announcement,
    AnnouncementDelivery,
    CommunityMute,
    DeliveryChannel,
    EmailDelivery,
    EmailStatus,
    Notification,
)
from cop.selectors.conversation import pinned_announcements
from cop.services import announcements as service
from cop.services.notifications import DEFAULT_CHANNELS, set_channel
from cop.tasks import resume_announcements
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def community_of_five():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    members = [make_member(community) for _ in range(5)]
    return community, coordinator, members


def _post(community, coordinator, **extra):
    return service.post_announcement(
        community=community, author=coordinator, title="Summer meetup", body="**Join us**", **extra
    )


def test_only_coordinators_post(community_of_five):
    community, _coordinator, members = community_of_five
    with pytest.raises(ValidationError, match="Only a coordinator"):
        _post(community, members[0])
    with pytest.raises(ValidationError):
        _post(community, UserFactory())
    assert not Announcement.objects.exists()


def test_bounds(community_of_five):
    community, coordinator, _members = community_of_five
    with pytest.raises(ValidationError):
        service.post_announcement(community=community, author=coordinator, title=" ", body="x")
    with pytest.raises(ValidationError):
        service.post_announcement(
            community=community, author=coordinator, title="x" * 201, body="x"
        )
    with pytest.raises(ValidationError):
        service.post_announcement(community=community, author=coordinator, title="T", body="")
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        _post(community, coordinator, pinned_until=today - timedelta(days=1))
    with pytest.raises(ValidationError):
        _post(community, coordinator, pinned_until=today + timedelta(days=400))
    announcement = service.post_announcement(
        community=community, author=coordinator, title="Line\nbreak", body="ok"
    )
    assert announcement.title == "Line break"


def test_fan_out_in_batches_exactly_once(community_of_five, django_capture_on_commit_callbacks):
    community, coordinator, members = community_of_five
    with django_capture_on_commit_callbacks(execute=False):
        announcement = _post(community, coordinator)
    assert announcement.total == 5  # every active member but the author
    assert service.deliver_announcement_batch(announcement_id=announcement.pk, batch_size=2) == 2
    announcement.refresh_from_db()
    assert (announcement.delivered_count, announcement.status) == (2, AnnouncementStatus.SENDING)
    # A retried batch and the rest: nobody twice.
    assert service.deliver_announcement_batch(announcement_id=announcement.pk, batch_size=2) == 2
    assert service.deliver_announcement_batch(announcement_id=announcement.pk, batch_size=2) == 1
    assert service.deliver_announcement_batch(announcement_id=announcement.pk, batch_size=2) == 0
    assert service.deliver_announcement_batch(announcement_id=announcement.pk, batch_size=2) == 0
    announcement.refresh_from_db()
    assert announcement.status == AnnouncementStatus.SENT
    assert (announcement.delivered_count, announcement.total) == (5, 5)
    told = Notification.objects.filter(kind=NotificationKind.ANNOUNCEMENT)
    assert sorted(told.values_list("recipient", flat=True)) == sorted(m.pk for m in members)
    assert AnnouncementDelivery.objects.filter(announcement=announcement).count() == 5
    assert not told.filter(recipient=coordinator).exists()


def test_task_sends_email_by_preference(community_of_five, django_capture_on_commit_callbacks):
    community, coordinator, members = community_of_five
    off, digest, muted, *emailed = members
    set_channel(user=off, kind=NotificationKind.ANNOUNCEMENT, channel=DeliveryChannel.OFF)
    set_channel(user=digest, kind=NotificationKind.ANNOUNCEMENT, channel=DeliveryChannel.DIGEST)
    CommunityMute.objects.create(user=muted, community=community)
    left = make_member(community)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        announcement = _post(community, coordinator)
        # Someone leaves before the batch runs: not told, and the total follows.
        left.memberships.update(status=MembershipStatus.LEFT)
    announcement.refresh_from_db()
    assert announcement.status == AnnouncementStatus.SENT
    assert (announcement.delivered_count, announcement.total) == (5, 5)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.email for m in emailed)
    message = mail.outbox[0]
    assert "Summer meetup" in message.subject
    assert "List-Unsubscribe" in message.extra_headers
    assert EmailDelivery.objects.filter(status=EmailStatus.HELD).count() == 1  # the digest one
    # Everyone has it in Copse, whatever their email preference.
    assert Notification.objects.filter(kind=NotificationKind.ANNOUNCEMENT).count() == 5


def test_new_kind_is_on_by_default_in_the_grid():

    assert DEFAULT_CHANNELS[NotificationKind.ANNOUNCEMENT] == DeliveryChannel.IMMEDIATE


def test_resume_sweeper_enqueues_stalled_announcements(
    community_of_five, django_capture_on_commit_callbacks
):
    community, coordinator, _members = community_of_five
    with django_capture_on_commit_callbacks(execute=False):  # the task was lost
        announcement = _post(community, coordinator)
    assert resume_announcements() == 0  # not stalled yet
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert resume_announcements() == 1
    announcement.refresh_from_db()
    assert announcement.status == AnnouncementStatus.SENT
    assert announcement.delivered_count == 5


def test_pinned_until_a_day(community_of_five, django_capture_on_commit_callbacks):
    community, coordinator, _members = community_of_five
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False):
        pinned = _post(community, coordinator, pinned_until=today + timedelta(days=2))
        _post(community, coordinator)
    assert [a.pk for a in pinned_announcements(community, today=today)] == [pinned.pk]
    later = today + timedelta(days=2)
    assert [a.pk for a in pinned_announcements(community, today=later)] == [pinned.pk]
    assert pinned_announcements(community, today=today + timedelta(days=3)) == []
