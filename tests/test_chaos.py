"""Chaos: the production stack loses one part after another under load, and comes through.

HAProxy in front of two gunicorn web processes (2 workers each), two Celery workers, two
beats (leader and standby) and a Redis of its own, on a fresh PostgreSQL database named
after the test database. Members reply to a problem through the API (each reply emails
the asker, through the outbox and a real SMTP server) while visitors read pages. During
the load, one at a time:

    web-1 is killed (SIGKILL, with its workers) and started again later;
    worker-1 is killed and stays dead;
    the beat leader is killed: the standby takes over;
    Redis is killed (its queue and locks are lost) and started again, empty;
    every PostgreSQL connection of the database is terminated (a failover).

Then, within a minute: every reply a member was told was saved is saved; every email is
sent, each with its own Message-ID, and nobody got two different emails for one reply;
no request was answered with a 500, and the few that failed were in flight at a kill;
the standby beat leads; web-1 is back in the rotation. Every process started is gone
at the end, whatever happened.
"""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from psycopg import sql

from deploy.stack import Stack, free_port, http_get
from tests.cop.test_notifications_live import Inbox

pytestmark = [pytest.mark.stack, pytest.mark.timeout(420)]

LOAD_SECONDS = 50
CONVERGE_SECONDS = 60
SEED = Path(__file__).resolve().parent / "stack_seed.py"


def _server_url(name: str) -> str:
    db = django_settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}/{name}"


@pytest.fixture
def chaos_database():
    """A fresh database named after the test database, dropped afterwards."""
    name = f"test_{django_settings.DATABASES['default']['NAME']}_chaos_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def smtp_sink():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Load:
    """Readers and writers against the proxy, each request recorded: (seconds since the
    start, kind, status, server that answered, reply id)."""

    def __init__(self, base: str, problem_id: int, problem_url: str, tokens: list[str]):
        self.base = base
        self.problem_id = problem_id
        self.problem_url = problem_url
        self.tokens = tokens
        self.records: list[tuple[float, str, int, str, int | None]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(2)] + [
            threading.Thread(target=self.write, args=(token,), daemon=True) for token in tokens[:3]
        ]

    def note(self, kind, status, served_by, reply_id=None):
        with self.lock:
            self.records.append(
                (time.monotonic() - self.started, kind, status, served_by, reply_id)
            )

    def read(self):
        paths = ["/c/chaos/", self.problem_url, "/communities/"]
        i = 0
        while not self.stop.is_set():
            status, headers, _ = http_get(self.base + paths[i % len(paths)], timeout=15)
            self.note("GET", status, headers.get("X-Served-By", ""))
            i += 1
            self.stop.wait(0.1)

    def write(self, token):
        n = 0
        while not self.stop.is_set():
            n += 1
            body = json.dumps({"body": f"Reply {uuid.uuid4().hex} number {n}"}).encode()
            request = urllib.request.Request(
                f"{self.base}/api/v1/problems/{self.problem_id}/replies/",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    reply_id = json.loads(response.read())["id"]
                    self.note(
                        "POST", response.status, response.headers.get("X-Served-By", ""), reply_id
                    )
            except urllib.error.HTTPError as exc:
                self.note("POST", exc.code, exc.headers.get("X-Served-By", ""))
            except OSError:
                self.note("POST", 0, "")
            self.stop.wait(0.25)

    def __enter__(self):
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)


def _at(load: Load, seconds: float) -> None:
    time.sleep(max(0.0, seconds - (time.monotonic() - load.started)))


def _beat_leader(stack: Stack) -> str | None:
    client = redis.Redis.from_url(stack.redis_url, socket_timeout=1, socket_connect_timeout=1)
    try:
        holder = client.get("copse:beat:leader")
    finally:
        client.close()
    if holder is None:
        return None
    pid = int(holder.decode().split(":")[1])
    return next((n for n in stack.beat_names() if stack.processes[n].pid == pid), None)


def test_the_stack_survives_losing_any_one_of_its_parts(tmp_path, chaos_database, smtp_sink):
    inbox, smtp_port = smtp_sink
    database_url = _server_url(chaos_database)
    stack = Stack(
        database_url=database_url,
        run_dir=tmp_path / "stack",
        email_url=f"smtp://127.0.0.1:{smtp_port}",
        extra_env={
            # Recovery paced for a two-minute test (production: 120 s, 60 s, 30 s).
            "EMAIL_LEASE_SECONDS": "20",
            "EMAIL_SWEEP_SECONDS": "5",
            "BEAT_LOCK_SECONDS": "6",
            "API_THROTTLE_USER": "100000/hour",
            "API_THROTTLE_ANON": "100000/hour",
        },
    )
    faults: list[tuple[float, str]] = []
    try:
        stack.prepare()
        seeded = json.loads(
            stack.manage("shell", "-c", f"exec(open({str(SEED)!r}).read())").stdout.splitlines()[-1]
        )
        stack.start()
        stack.supervise()  # as systemd would: what dies by itself is started again
        first_leader = None
        for _ in range(40):
            first_leader = _beat_leader(stack)
            if first_leader:
                break
            time.sleep(0.25)
        assert first_leader, "no beat took the lead"
        for name in stack.web_names():  # as a deploy's smoke test would, before traffic
            for path in ("/", "/c/chaos/", seeded["url"], "/communities/") * 2:
                assert http_get(stack.web_url(name) + path, timeout=30)[0] == 200

        with Load(stack.url, seeded["problem"], seeded["url"], seeded["tokens"]) as load:
            _at(load, 6)
            faults.append((time.monotonic() - load.started, "kill web-1"))
            stack.kill("web-1")
            _at(load, 12)
            faults.append((time.monotonic() - load.started, "start web-1"))
            stack.start_process("web-1")
            _at(load, 18)
            faults.append((time.monotonic() - load.started, "kill worker-1"))
            stack.kill("worker-1")
            _at(load, 24)
            faults.append((time.monotonic() - load.started, f"kill {first_leader}"))
            stack.kill(first_leader)
            _at(load, 31)
            faults.append((time.monotonic() - load.started, "kill redis"))
            stack.kill("redis")
            _at(load, 35)
            faults.append((time.monotonic() - load.started, "start redis"))
            stack.start_process("redis")
            _at(load, 41)
            faults.append((time.monotonic() - load.started, "terminate PostgreSQL connections"))
            with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [chaos_database],
                )
            _at(load, LOAD_SECONDS)

        records = load.records
        timeline = Counter((int(r[0]) // 5 * 5, r[1], r[2], r[3]) for r in records)
        context = (
            f"faults: {faults}\nrestarted by the supervisor: {stack.restarts}\n"
            f"timeline: {sorted(timeline.items())}"
        )

        # Requests: never a 500; the few that failed were in flight at a fault.
        assert not [r for r in records if r[2] == 500], context
        gets = [r for r in records if r[1] == "GET"]
        posts = [r for r in records if r[1] == "POST"]
        assert len(gets) > 100 and len(posts) > 50, context
        failed_gets = [r for r in gets if r[2] != 200]
        failed_posts = [r for r in posts if r[2] != 201]
        assert len(failed_gets) <= 0.03 * len(gets), context
        assert len(failed_posts) <= 0.05 * len(posts), context
        # web-1 came back into the rotation after it was started again.
        assert {r[3] for r in records if r[0] > 20} >= {"web-1", "web-2"}, context

        # Every email is sent once its parts are back: the outbox drains.
        with psycopg.connect(database_url, autocommit=True) as db:
            deadline = time.monotonic() + CONVERGE_SECONDS
            while True:
                waiting = db.execute(
                    "SELECT count(*) FROM cop_emaildelivery WHERE status IN ('queued', 'sending')"
                ).fetchone()[0]
                if not waiting or time.monotonic() > deadline:
                    break
                time.sleep(1)
            replies = {
                row[0]
                for row in db.execute(
                    "SELECT id FROM knowledge_reply WHERE problem_id = %s", [seeded["problem"]]
                )
            }
            deliveries = db.execute(
                "SELECT d.status, d.message_id FROM cop_emaildelivery d "
                "JOIN cop_notification n ON n.id = d.notification_id WHERE n.kind = 'reply'"
            ).fetchall()

        confirmed = {r[4] for r in posts if r[2] == 201}
        assert confirmed <= replies, "a reply confirmed with 201 is missing"
        statuses = Counter(status for status, _ in deliveries)
        assert statuses == {"sent": len(replies)}, (
            f"{statuses} for {len(replies)} replies\n{context}"
        )
        sent_ids = {message_id for _, message_id in deliveries}
        received = Counter(str(m["Message-ID"]).strip() for m in inbox.messages)
        assert set(received) == sent_ids, "the SMTP server got other messages than were sent"
        # A second copy only where a worker died after the server accepted the message
        # (the same Message-ID); worker-1 was killed once.
        assert sum(received.values()) - len(received) <= 1, received.most_common(3)

        # The standby beat took the lead and ticks.
        assert _beat_leader(stack) not in (None, first_leader)
        status, _, body = http_get(f"{stack.web_url('web-2')}/metrics", timeout=10)
        assert status == 200
        text = body.decode()
        assert 'copse_email_outbox_rows{status="queued"} 0.0' in text
        assert "copse_beat_heartbeat_age_seconds" in text
        assert (
            'copse_celery_tasks_total{outcome="success",task="cop.send_notification_email"}' in text
        )

        stack.stop()
        assert stack.pids() == [], "processes outlived the stack"
    except BaseException:
        for name in stack.processes:
            print(f"--- {name}\n{stack.log_tail(name, 15)}")
        print("faults:", faults, "restarts:", stack.restarts)
        raise
    finally:
        stack.stop()
