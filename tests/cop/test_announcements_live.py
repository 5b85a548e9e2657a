"""An announcement to 2,000 members on the real stack: a Celery worker on Redis (email
kept in memory: SMTP retries have their own live tests in test_email_outbox_live).
Exactly one email per member who wants it, also when the fan-out is run again midway:
a worker that died after two batches, its message delivered again, and a duplicate
running beside it."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cop.enums import AnnouncementStatus, MembershipStatus, NotificationKind, Role
from cop.models import (
    AnnouncementDelivery,
    CommunityMute,
    DeliveryChannel,
    EmailDelivery,
    EmailStatus,
    Membership,
    User,
)
from cop.services import announcements as service
from cop.services.notifications import set_channel, unsubscribe_token
from cop.tasks import enqueue, fan_out_announcement
from tests.cop.test_notifications_live import _eventually
from tests.factories import CommunityFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

MEMBERS = 2000


def _members(community, count: int, prefix: str) -> list[User]:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.org", display_name=f"{prefix} {i}") for i in range(count)]
    )
    Membership.objects.bulk_create(
        [
            Membership(community=community, user=user, status=MembershipStatus.ACTIVE)
            for user in users
        ]
    )
    return users


@pytest.mark.timeout(600)
def test_announcement_to_2000_members_exactly_once(celery_live_worker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    wanted = _members(community, MEMBERS, "member")
    # Three who do not want announcements by email: one unsubscribed from an email's
    # one-click link, one chose "off" in the grid, one muted the community.
    unsubscribed, turned_off, muted = _members(community, 3, "quiet")
    token = unsubscribe_token(user=unsubscribed, kind=NotificationKind.ANNOUNCEMENT)
    response = Client().post(reverse("notification_unsubscribe", kwargs={"token": token}))
    assert response.status_code in (200, 302)
    set_channel(user=turned_off, kind=NotificationKind.ANNOUNCEMENT, channel=DeliveryChannel.OFF)
    CommunityMute.objects.create(user=muted, community=community)
    Membership.objects.filter(user=coordinator).update(role=Role.COORDINATOR)

    with transaction.atomic():
        announcement = service.post_announcement(
            community=community, author=coordinator, title="Summer meetup", body="Come along."
        )
        # A worker ran two batches and died before acknowledging its message ...
        assert service.deliver_announcement_batch(announcement_id=announcement.pk) == 500
        assert service.deliver_announcement_batch(announcement_id=announcement.pk) == 500
    # ... which comes back (the commit above enqueued it), with a duplicate beside it.
    assert enqueue(fan_out_announcement, announcement_id=announcement.pk)

    def done() -> bool:
        announcement.refresh_from_db()
        return (
            announcement.status == AnnouncementStatus.SENT
            and not EmailDelivery.objects.exclude(status=EmailStatus.SENT).exists()
        )

    _eventually(done, timeout=400)
    messages = [m for m in mail.outbox if "Summer meetup" in m.subject]
    assert len(messages) == MEMBERS
    recipients = [message.to[0] for message in messages]
    assert sorted(recipients) == sorted(user.email for user in wanted)  # each exactly once
    assert len({message.extra_headers["Message-ID"] for message in messages}) == MEMBERS
    # All 2,003 have it in Copse; the progress the coordinator sees is complete.
    assert (announcement.delivered_count, announcement.total) == (MEMBERS + 3, MEMBERS + 3)
    assert AnnouncementDelivery.objects.filter(announcement=announcement).count() == MEMBERS + 3
    assert EmailDelivery.objects.filter(status=EmailStatus.SENT).count() == MEMBERS
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("announcement", args=[community.slug, announcement.pk]))
    assert f"Sent to {MEMBERS + 3} of {MEMBERS + 3} members" in page.content.decode()
