"""Notifications on the real stack: a Celery worker on Redis, a real SMTP server."""

import email
import threading
import zoneinfo
from datetime import datetime
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import Client

from cop.enums import NotificationKind
from cop.models import DigestDelivery, DigestStatus, EmailDelivery, EmailStatus
from cop.services import notifications as service
from cop.tasks import send_due_digests_task
from deploy.stack import free_port
from tests.factories import CommunityFactory, make_member

pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def _zone_at_noon() -> str:
    """A fixed-offset zone where it is about noon now, so a daily digest is due."""
    hours_ahead = 12 - datetime.now(tz=zoneinfo.ZoneInfo("UTC")).hour  # -11 .. 12
    return f"Etc/GMT{-hours_ahead:+d}"  # Etc/GMT-5 is five hours ahead of UTC


def _free_port() -> int:
    """Any free port, or one of STACK_PORTS on a machine where only a range is ours."""
    return free_port()


def _eventually(condition, timeout: float = 20) -> None:
    """Wait for the worker thread to finish writing (it commits just after SMTP returns)."""
    done = threading.Event()
    deadline = timeout / 0.05
    while not condition():
        deadline -= 1
        assert deadline > 0, "the worker did not finish in time"
        done.wait(0.05)


def _subject(message) -> str:
    """The decoded subject, with the whitespace of header folding collapsed."""
    return " ".join(str(message["Subject"]).split())


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            self.messages.append(parsed)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> list:
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert arrived, f"expected {count} messages, got {len(self.messages)}"
        return self.messages


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def test_two_workers_running_the_digest_task_send_one_digest_per_member(celery_live_worker):
    community = CommunityFactory()
    members = [make_member(community, timezone=_zone_at_noon()) for _ in range(12)]
    for member in members:
        service.set_digest_frequency(user=member, frequency="daily")
        service.notify(
            recipient=member,
            kind=NotificationKind.ENTRY_VALIDATED,
            title="Your practice was validated",
            url="/c/x/knowledge/1/",
            community=community,
        )
    runs = [send_due_digests_task.delay(), send_due_digests_task.delay()]
    # A run that found the other still going is skipped (None: cop.ops.periodic); one
    # that starts after it finds every digest claimed. Either way: one each.
    sent = [run.get(timeout=60) for run in runs]
    assert sum(n or 0 for n in sent) == len(members)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert DigestDelivery.objects.filter(status=DigestStatus.SENT).count() == len(members)
    assert EmailDelivery.objects.filter(status=EmailStatus.DIGESTED).count() == len(members)
    # Run again: the period is done for everyone.
    assert send_due_digests_task.delay().get(timeout=60) == 0
    assert len(mail.outbox) == len(members)


def test_email_end_to_end_through_worker_and_smtp_then_one_click_unsubscribe(
    celery_live_worker, smtp_inbox
):
    community = CommunityFactory(name="Site Reliability")
    author = make_member(community, display_name="Ben Ng")
    member = make_member(community, display_name="Ada Lovelace", email="ada@example.org")

    service.notify_mentions(
        text="What do you think, @AdaLovelace?",
        author=author,
        community=community,
        url="/c/sre/knowledge/problems/4/",
        title="Ben Ng mentioned you in “Pager fatigue”",
    )
    [message] = smtp_inbox.wait_for(1)
    assert str(message["To"]).strip() == "ada@example.org"
    assert _subject(message) == "[Copse] Ben Ng mentioned you in “Pager fatigue”"
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://127.0.0.1:8000/c/sre/knowledge/problems/4/" in text
    assert 'href="http://127.0.0.1:8000/c/sre/knowledge/problems/4/"' in html
    assert link in text and link in html
    _eventually(lambda: EmailDelivery.objects.get().status == EmailStatus.SENT)

    # A mail client's RFC 8058 one-click POST, without any session or CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix("http://127.0.0.1:8000"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert service.channel_for(user=member, kind=NotificationKind.MENTION) == "off"

    muted = service.notify_mentions(
        text="@AdaLovelace again",
        author=author,
        community=community,
        url="/c/sre/knowledge/problems/5/",
        title="Ben Ng mentioned you again",
    )
    assert len(muted) == 1 and not EmailDelivery.objects.filter(notification=muted[0]).exists()
    # Another kind still arrives, and it is the only second message.
    service.notify(
        recipient=member,
        kind=NotificationKind.REPLY,
        title="Ben Ng replied to your problem",
        url="/c/sre/knowledge/problems/4/",
        community=community,
        actor=author,
    )
    messages = smtp_inbox.wait_for(2)
    assert [_subject(m) for m in messages] == [
        "[Copse] Ben Ng mentioned you in “Pager fatigue”",
        "[Copse] Ben Ng replied to your problem",
    ]
