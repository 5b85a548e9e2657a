"""The email outbox on the real stack: a Celery worker on Redis and a real SMTP server.

Each message is checked by its Message-ID against the delivery row: a resend carries
the same one, and nothing arrives twice.
"""

import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import EmailDelivery, EmailStatus, Notification
from cop.services import notifications as service
from tests.cop.test_notifications_live import Inbox, _eventually, _free_port
from tests.factories import CommunityFactory, make_member

pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


class RefusingInbox(Inbox):
    """An SMTP server that answers the first `refusals` messages with a temporary error."""

    refusals = 2

    async def handle_DATA(self, server, session, envelope):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def _serve(inbox, settings) -> Controller:
    """Start a real SMTP server (aiosmtpd) on a free port and send Django's email to it."""
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return controller


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = _serve(inbox, settings)
    yield inbox
    controller.stop()


@pytest.fixture
def refusing_inbox(settings):
    inbox = RefusingInbox()
    controller = _serve(inbox, settings)
    yield inbox
    controller.stop()


def _notify(member, title="Ben replied to your problem"):
    return service.notify(
        recipient=member,
        kind=NotificationKind.REPLY,
        title=title,
        url="/c/ops/knowledge/problems/1/",
        community=member.memberships.get().community,
    )


def _message_ids(inbox) -> list[str]:
    return [str(message["Message-ID"]).strip() for message in inbox.messages]


def test_worker_sends_each_queued_email_once_with_its_rows_message_id(
    celery_live_worker, smtp_inbox
):
    community = CommunityFactory()
    members = [make_member(community) for _ in range(20)]
    for member in members:
        _notify(member)
    smtp_inbox.wait_for(20)
    _eventually(lambda: EmailDelivery.objects.filter(status=EmailStatus.SENT).count() == 20)
    rows = list(EmailDelivery.objects.all())
    assert sorted(_message_ids(smtp_inbox)) == sorted(row.message_id for row in rows)
    assert {row.attempts for row in rows} == {1}
    assert sorted(str(m["To"]).strip() for m in smtp_inbox.messages) == sorted(
        m.email for m in members
    )


def _lost_delivery(member, *, title, **row) -> EmailDelivery:
    """A notification's delivery row as a lost task leaves it, committed."""
    notification = Notification.objects.create(
        recipient=member, kind=NotificationKind.REPLY, title=title, url="/c/ops/"
    )
    return EmailDelivery.objects.create(
        notification=notification, message_id=service.new_message_id(), **row
    )


def test_a_claim_lost_with_its_worker_and_a_task_lost_with_the_broker_are_sent_once_by_the_sweeper(
    celery_live_worker, smtp_inbox
):
    community = CommunityFactory()
    claimed, forgotten, fresh = (make_member(community) for _ in range(3))
    now = timezone.now()
    # A worker killed (or its connection dropped) between claim and send: `sending`,
    # one attempt used, the lease run out.
    lost_in_send = _lost_delivery(
        claimed,
        title="Lost in send",
        status=EmailStatus.SENDING,
        attempts=1,
        lease_until=now - timedelta(seconds=1),
        created_at=now - timedelta(minutes=3),
    )
    # A task the broker lost (restarted without persistence): `queued` for two minutes.
    lost_in_broker = _lost_delivery(
        forgotten,
        title="Lost in broker",
        status=EmailStatus.QUEUED,
        created_at=now - timedelta(minutes=2),
    )

    assert service.sweep_email_outbox() == 2
    smtp_inbox.wait_for(2)
    _eventually(lambda: EmailDelivery.objects.filter(status=EmailStatus.SENT).count() == 2)
    assert sorted(_message_ids(smtp_inbox)) == sorted(
        [lost_in_send.message_id, lost_in_broker.message_id]
    )
    lost_in_send.refresh_from_db()
    assert (lost_in_send.status, lost_in_send.attempts) == (EmailStatus.SENT, 2)

    # A fresh email is not the sweeper's; sweeping again and again sends nothing twice.
    _notify(fresh, title="Fresh")
    smtp_inbox.wait_for(3)
    for _ in range(3):
        service.sweep_email_outbox(now=timezone.now() + timedelta(minutes=10))
    time.sleep(1)
    assert len(smtp_inbox.messages) == 3
    assert len(set(_message_ids(smtp_inbox))) == 3


def test_worker_retries_a_refused_email_with_backoff_and_the_same_message_id(
    celery_live_worker, refusing_inbox, monkeypatch
):
    monkeypatch.setattr(service, "EMAIL_BACKOFF_BASE", timedelta(seconds=0.2))
    member = make_member(CommunityFactory())
    notification = _notify(member)
    [message] = refusing_inbox.wait_for(1)
    _eventually(
        lambda: EmailDelivery.objects.get(notification=notification).status == EmailStatus.SENT
    )
    delivery = EmailDelivery.objects.get(notification=notification)
    assert delivery.attempts == 3
    assert str(message["Message-ID"]).strip() == delivery.message_id
    assert delivery.error == ""
