"""Enqueueing after commit never breaks a committed request: with the broker down the
write is kept, the request succeeds, the failure is logged and the sweeper sends later."""

import logging
import socket
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cop import queue, tasks
from cop.celery import app
from cop.models import EmailDelivery, EmailStatus
from cop.services.notifications import sweep_email_outbox
from knowledge.models import Reply
from knowledge.services import problems
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket closes


@pytest.fixture
def dead_broker(settings):
    """Point Celery at a Redis that is not there, as when Redis is down."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    app._pool = None
    app.amqp._producer_pool = None
    queue._broker_down_until = 0.0
    yield url
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    queue._broker_down_until = 0.0


def test_reply_posted_while_the_broker_is_down_is_saved_once_and_emailed_later(
    client, dead_broker, caplog
):
    community = CommunityFactory()
    asker, helper = make_member(community), make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="Pager", context="C")
    client.force_login(helper)

    with caplog.at_level(logging.ERROR, logger="cop.tasks"):
        response = client.post(
            reverse("knowledge:problem_reply", kwargs={"slug": community.slug, "pk": problem.pk}),
            {"body": "Route it to the owning team"},
        )

    assert response.status_code == 302
    [reply] = Reply.objects.filter(problem=problem)
    assert reply.body == "Route it to the owning team"
    delivery = EmailDelivery.objects.get(notification__recipient=asker)
    assert delivery.status == EmailStatus.QUEUED
    assert "left for the sweeper" in caplog.text

    # The broker is back: the sweeper sends what the request could not enqueue.
    app.conf.task_always_eager = True
    assert sweep_email_outbox(now=timezone.now() + timedelta(minutes=2)) == 1
    [message] = mail.outbox
    assert message.to == [asker.email]
    assert message.extra_headers["Message-ID"] == delivery.message_id
    assert Reply.objects.filter(problem=problem).count() == 1


def test_enqueue_reports_a_down_broker_and_then_stops_trying_for_a_moment(dead_broker, caplog):
    with caplog.at_level(logging.WARNING, logger="cop.tasks"):
        assert queue.enqueue(tasks.send_notification_email, notification_id=1) is False
        started = time.monotonic()
        assert queue.enqueue(tasks.send_notification_email, notification_id=2) is False
        assert time.monotonic() - started < 0.05  # no second wait on a broker known down
    assert "Could not enqueue cop.send_notification_email({'notification_id': 1})" in caplog.text
    assert "Broker down: cop.send_notification_email({'notification_id': 2})" in caplog.text


def test_enqueue_on_commit_outside_a_transaction_does_not_raise(dead_broker):
    queue.enqueue_on_commit(tasks.send_notification_email, notification_id=1)
