"""The outbox under real faults: real `celery worker` processes on Redis, PostgreSQL, and
a slow SMTP server, so that a fault lands while messages are being sent.

A worker killed with SIGKILL mid-send, database connections terminated mid-send, and the
broker restarted without persistence (every queued task lost): afterwards every
recipient has their email, and a recipient who got two copies got them with the same
Message-ID. The sweeper is run as it would run once the leases
have run out (its `now` moved on by the lease and a sweep), instead of waiting.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from cop import queue as task_queue
from cop.celery import app
from cop.enums import NotificationKind
from cop.models import EmailDelivery, EmailStatus
from cop.services import notifications as service
from deploy.stack import free_port
from tests.cop.test_notifications_live import Inbox, _free_port
from tests.factories import CommunityFactory, make_member

ROOT = Path(__file__).resolve().parents[2]
# 30 in CI; the size: OUTBOX_FAULT_EMAILS=1000 (with `-o timeout=1200 -s` to see
# the figures).
EMAILS = int(os.environ.get("OUTBOX_FAULT_EMAILS", "30"))
# Long enough for every email through one worker of two processes and the slow server.
ALL_SENT_WITHIN = max(90.0, EMAILS * 0.3)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


class SlowInbox(Inbox):
    """Takes a moment over each message, as a real relay does."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.15)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    inbox = SlowInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class OwnRedis:
    """A redis-server of this test's own, without persistence, that can be restarted on
    the same port: a restart loses every message it held, as a broker restarted without
    AOF or RDB does."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(
            ["redis-server", *arguments, "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        _wait(lambda: _pings(client), 10, "redis-server to answer")
        client.close()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def queued(self, queue_name: str) -> int:
        client = redis.Redis.from_url(self.url)
        try:
            return client.llen(queue_name)
        finally:
            client.close()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(settings, tmp_path):
    """Points the broker (this process's and the workers') at a Redis of the test's own."""
    server = OwnRedis(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def workers(settings, slow_smtp):
    """Start real worker processes on a queue of this test's own; all are killed after."""
    _inbox, smtp_port = slow_smtp
    queue_name = f"copse-faults-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False,
        broker_url=django_settings.REDIS_URL,
        result_backend=django_settings.REDIS_URL,
        task_default_queue=queue_name,
    )
    app._pool = None
    app.amqp._producer_pool = None
    task_queue._broker_down_until = 0.0
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cop",
                "worker",
                "-Q",
                queue_name,
                "-c",
                "2",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: killed whole, as a machine dies
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    start.queue_name = queue_name
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def _notify_everyone() -> list:
    community = CommunityFactory()
    members = [make_member(community) for _ in range(EMAILS)]
    for member in members:
        service.notify(
            recipient=member,
            kind=NotificationKind.MEETING_REMINDER,
            title="Incident review starts in an hour",
            url="/c/sre/meetings/1/",
            community=community,
        )
    return members


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _sweep_until_all_sent(timeout: float = ALL_SENT_WITHIN) -> None:
    """Run the sweeper as beat would after the leases ran out, until every row is sent."""
    deadline = time.monotonic() + timeout
    while EmailDelivery.objects.exclude(status=EmailStatus.SENT).exists():
        assert time.monotonic() < deadline, list(
            EmailDelivery.objects.exclude(status=EmailStatus.SENT).values(
                "pk", "status", "attempts", "error"
            )
        )
        later = timezone.now() + service.EMAIL_LEASE + service.SWEEP_QUEUED_AFTER
        service.sweep_email_outbox(now=later)
        time.sleep(2)


def _assert_everyone_has_their_email_and_duplicates_share_a_message_id(inbox, members):
    received = defaultdict(set)
    copies = defaultdict(int)
    for message in inbox.messages:
        to = str(message["To"]).strip()
        received[to].add(str(message["Message-ID"]).strip())
        copies[to] += 1
    assert sorted(received) == sorted(member.email for member in members)
    rows = {
        row.notification.recipient.email: row.message_id
        for row in EmailDelivery.objects.select_related("notification__recipient")
    }
    for email, ids in received.items():
        assert ids == {rows[email]}, f"{email} got {copies[email]} copies with ids {ids}"
    return sum(copies.values()) - len(members)


def test_a_worker_killed_mid_send_loses_no_email(workers, slow_smtp):
    inbox, _port = slow_smtp
    first = workers()
    members = _notify_everyone()
    _wait(lambda: len(inbox.messages) >= EMAILS // 3, ALL_SENT_WITHIN, "the first emails")
    killed_with = len(inbox.messages)
    os.killpg(first.pid, signal.SIGKILL)  # mid-send: the SMTP server is slow
    first.wait(timeout=30)
    assert len(inbox.messages) < EMAILS

    killed_at = time.monotonic()
    workers()
    _sweep_until_all_sent()
    duplicates = _assert_everyone_has_their_email_and_duplicates_share_a_message_id(inbox, members)
    print(
        f"\n{EMAILS} emails, worker SIGKILLed after {killed_with} were received: all sent "
        f"{time.monotonic() - killed_at:.1f} s after the kill, {duplicates} duplicates "
        "(same Message-ID)"
    )
    assert duplicates <= 2  # at most the sends in flight when it died


def test_connections_terminated_mid_send_lose_no_email(workers, slow_smtp):
    inbox, _port = slow_smtp
    workers()
    members = _notify_everyone()
    _wait(lambda: len(inbox.messages) >= EMAILS // 3, ALL_SENT_WITHIN, "the first emails")
    conf = connection.settings_dict
    ours = connection.connection.info.backend_pid
    with psycopg.connect(
        dbname="postgres", user=conf["USER"], host=conf["HOST"], port=conf["PORT"], autocommit=True
    ) as admin:
        for _ in range(3):  # the workers' connections, again as they reconnect
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                [conf["NAME"], ours],
            )
            time.sleep(0.3)
    cut_at = time.monotonic()
    _sweep_until_all_sent()
    duplicates = _assert_everyone_has_their_email_and_duplicates_share_a_message_id(inbox, members)
    print(
        f"\n{EMAILS} emails, connections terminated mid-send: all sent "
        f"{time.monotonic() - cut_at:.1f} s after, {duplicates} duplicates (same Message-ID)"
    )


def test_queued_emails_survive_a_broker_restart_without_persistence(own_redis, workers, slow_smtp):
    inbox, _port = slow_smtp
    worker = workers()
    members = _notify_everyone()
    _wait(lambda: len(inbox.messages) >= EMAILS // 3, ALL_SENT_WITHIN, "the first emails")
    # The broker dies with the rest of the tasks queued in it, and comes back empty.
    lost = own_redis.queued(workers.queue_name)
    own_redis.kill()
    own_redis.start()
    assert own_redis.queued(workers.queue_name) == 0
    restarted_at = time.monotonic()
    assert worker.poll() is None  # the worker reconnects; the sweeper re-enqueues the rows
    _sweep_until_all_sent()
    duplicates = _assert_everyone_has_their_email_and_duplicates_share_a_message_id(inbox, members)
    print(
        f"\n{EMAILS} emails, broker restarted without persistence with {lost} tasks queued: "
        f"all sent {time.monotonic() - restarted_at:.1f} s after, {duplicates} duplicates "
        "(same Message-ID)"
    )
    assert lost > 0
    assert duplicates <= 2  # at most the sends in flight when the broker went
