"""Chaos: the production stack loses one part after another under load, and comes through.

HAProxy in front of two gunicorn web processes (2 workers of 4 threads each), two Celery
workers, two beats (leader and standby) and a Redis of its own, on a fresh PostgreSQL
database named after the test database. Twenty members, one request each at a time
(concurrency 20), browse lists and details, reply to a problem through the API (each
reply emails the asker, through the outbox and a real SMTP server), answer a meeting
with fewer places than members, and read their notifications, for CHAOS_SECONDS (90 in
CI; `CHAOS_SECONDS=120` for the issue's two minutes). During the load, one at a time:

    web-1 is killed (SIGKILL, with its workers) and started again 6 s later;
    worker-1 is killed and stays dead;
    the beat leader is killed: the standby takes over;
    Redis is killed (its queue and locks are lost) and started again, empty;
    every PostgreSQL connection of the database is terminated (a failover).

Then: no request was answered with a 500, and every one that failed was in flight at a
fault (a write on the killed web process, or in a transaction whose connection was cut);
the share of the first kind is printed and held to the issue's 0.5 % (writes carry an
Idempotency-Key, so the proxy retries them on a live process as it does reads, and
Copse does each once); every write answered 2xx is
in the database (each confirmed reply, each member's last confirmed answer); within a
minute every email is sent, and the SMTP server received each exactly once (a second copy,
with the same Message-ID, only where a worker died after the server accepted it); the
standby beat leads; web-1 is back in the rotation. The figures are printed. Every
process started is gone at the end, whatever happened.
"""

import http.client
import json
import logging
import os
import random
import statistics
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

LOAD_SECONDS = float(os.environ.get("CHAOS_SECONDS", "75"))
CONCURRENCY = 20
CONVERGE_SECONDS = 60
# Failed requests allowed (in flight on the killed web process) out of all requests.
# Requests whose transaction was in flight when every database connection was
# terminated are counted apart: they may get a clean 503 (rolled back whole), never more.
MAX_ERROR_RATE = 0.005
TERMINATE = "terminate PostgreSQL connections"
# #15's longer faults, for a manual run: Redis down for 20 s, connections terminated
# every second for 20 s (`CHAOS_REDIS_DOWN=20 CHAOS_TERMINATE_FOR=20 CHAOS_SECONDS=150`).
REDIS_DOWN_SECONDS = float(os.environ.get("CHAOS_REDIS_DOWN", "4"))
TERMINATE_FOR = float(os.environ.get("CHAOS_TERMINATE_FOR", "0"))
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
    """CONCURRENCY members against the proxy, each with one request at a time, in a mixed
    round of reads and writes. Each request is recorded as (seconds since the start,
    kind, status, server that answered, seconds taken, member, detail): the reply's id, or
    the answer sent."""

    # Of every ten requests: six reads of pages, one of notifications, three writes.
    ROUND = (
        "list", "problem", "reply", "notifications", "meeting",
        "communities", "rsvp", "problem", "list", "reply",
    )  # fmt: skip

    def __init__(self, base: str, seeded: dict):
        self.base = base
        self.seeded = seeded
        self.records: list[tuple] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self.member, args=(i,), daemon=True) for i in range(CONCURRENCY)
        ]

    def note(self, kind, status, served_by, took, member, detail=None):
        with self.lock:
            self.records.append(
                (time.monotonic() - self.started, kind, status, served_by, took, member, detail)
            )

    def request(self, method, path, token=None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method != "GET":
            # As a careful API client does: the proxy may then send it again to another
            # process if the first dies with it in hand, and Copse does it once.
            headers["Idempotency-Key"] = uuid.uuid4().hex
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("X-Served-By", ""), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("X-Served-By", ""), exc.read()
        except (OSError, http.client.HTTPException):  # a connection cut mid-answer
            return 0, "", b""

    def member(self, i):
        token = self.seeded["tokens"][i]
        problem = self.seeded["problem"]
        meeting = self.seeded["meeting"]
        rng = random.Random(i)
        step = rng.randrange(len(self.ROUND))
        while not self.stop.is_set():
            kind = self.ROUND[step % len(self.ROUND)]
            step += 1
            detail = None
            began = time.monotonic()
            if kind == "reply":
                text = f"Reply {uuid.uuid4().hex} from member {i}"
                status, served, body = self.request(
                    "POST", f"/api/v1/problems/{problem}/replies/", token, {"body": text}
                )
                if status == 201:
                    detail = json.loads(body)["id"]
            elif kind == "rsvp":
                detail = rng.choice(["going", "maybe", "not_going"])
                status, served, _ = self.request(
                    "POST", f"/api/v1/meetings/{meeting}/rsvp/", token, {"answer": detail}
                )
            elif kind == "notifications":
                status, served, _ = self.request("GET", "/api/v1/notifications/", token)
            else:
                path = {
                    "list": "/c/chaos/",
                    "communities": "/communities/",
                    "problem": self.seeded["url"],
                    "meeting": self.seeded["meeting_url"],
                }[kind]
                status, served, _ = self.request("GET", path)
            self.note(kind, status, served, time.monotonic() - began, i, detail)

    def __enter__(self):
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=35)


WRITES = {"reply": 201, "rsvp": 200}


def _ok(record) -> bool:
    return record[2] == WRITES.get(record[1], 200)


def _cut_by_failover(record, faults) -> bool:
    """A write in flight when every database connection was terminated, answered with
    Copse's clean 503 (its transaction rolled back whole)."""
    began, ended = record[0] - record[4], record[0]
    return (
        record[2] == 503
        and record[3] != ""  # answered by Copse, not by the proxy
        and any(what == TERMINATE and began - 1 <= when <= ended + 1 for when, what in faults)
    )


def _in_flight_on_killed_web(record, faults) -> bool:
    """A request that was being served by web-1 when it was SIGKILLed: the proxy answers
    502 or the connection breaks. Reads, and writes with an Idempotency-Key, are retried
    by the proxy when the process died before an answer began, so they are rare here;
    one whose answer was cut mid-way fails (the issue's "in flight")."""
    kill = next(when for when, what in faults if what == "kill -9 web-1")
    began, ended = record[0] - record[4], record[0]
    return record[2] in (0, 502) and began <= kill + 0.5 <= ended + 1


def _figures(records, faults, stack, emails) -> str:
    """The run in numbers, for the log and the issue."""
    span = max((r[0] for r in records), default=1)
    failed = [r for r in records if not _ok(r)]
    took = sorted(r[4] for r in records)
    quantile = statistics.quantiles(took, n=100) if len(took) > 1 else [0] * 99
    by_kind = Counter(r[1] for r in records)
    failed_by = Counter((r[1], r[2]) for r in failed)
    others = [r for r in failed if not _cut_by_failover(r, faults)]
    near = []
    cuts = [when for when, what in faults if what == TERMINATE]
    if len(cuts) > 1:  # every second for a while: one line for them all
        faults = [f for f in faults if f[1] != TERMINATE] + [
            (cuts[0], f"{TERMINATE} every second until {cuts[-1]:.1f} s")
        ]
    for when, what in faults:
        count = sum(
            1
            for r in failed
            if when - 1 <= r[0] - r[4] <= when + 10 or when - 1 <= r[0] <= when + 10
        )
        near.append(f"{what} at {when:.1f} s: {count} failed within 10 s")
    lines = [
        f"load: {span:.0f} s at concurrency {CONCURRENCY}, {len(records)} requests "
        f"({len(records) / span:.1f}/s): " + ", ".join(f"{k} {n}" for k, n in by_kind.items()),
        f"failed: {len(failed)} ({100 * len(failed) / max(len(records), 1):.2f} %): "
        + (", ".join(f"{k} {s}: {n}" for (k, s), n in failed_by.items()) or "none"),
        f"of which in flight at the database failover (clean 503): {len(failed) - len(others)}"
        f"; the others: {len(others)} ({100 * len(others) / max(len(records), 1):.2f} %)",
        f"latency: p50 {quantile[49] * 1000:.0f} ms, p95 {quantile[94] * 1000:.0f} ms, "
        f"p99 {quantile[98] * 1000:.0f} ms, max {took[-1] * 1000 if took else 0:.0f} ms",
        *near,
        f"restarted by the supervisor: {[(name, code) for _, name, code in stack.restarts]}",
        *emails,
    ]
    return "\n".join(lines)


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
            for path in ("/", "/c/chaos/", seeded["url"], seeded["meeting_url"]) * 2:
                assert http_get(stack.web_url(name) + path, timeout=30)[0] == 200

        def fault(what: str) -> None:
            faults.append((time.monotonic() - load.started, what))

        def at(share: float) -> None:
            _at(load, share * LOAD_SECONDS)

        with Load(stack.url, seeded) as load:
            at(0.2)
            fault("kill -9 web-1")
            stack.kill("web-1")
            _at(load, faults[-1][0] + 6)
            fault("start web-1")
            stack.start_process("web-1")
            at(0.4)
            fault("kill -9 worker-1")
            stack.kill("worker-1")
            at(0.5)
            fault(f"kill -9 {first_leader}")
            stack.kill(first_leader)
            at(0.6)
            fault("kill -9 redis")
            stack.kill("redis")
            _at(load, faults[-1][0] + REDIS_DOWN_SECONDS)
            fault("start redis")
            stack.start_process("redis")
            at(0.75)
            with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
                first_cut = time.monotonic()
                while True:  # once, or every second for TERMINATE_FOR seconds
                    fault(TERMINATE)
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        [chaos_database],
                    )
                    if time.monotonic() - first_cut + 1 > TERMINATE_FOR:
                        break
                    time.sleep(1)
            at(1.0)

        records = load.records
        # Every email is sent once its parts are back: the outbox drains.
        drained_at = None
        with psycopg.connect(database_url, autocommit=True) as db:
            deadline = time.monotonic() + CONVERGE_SECONDS
            load_ended = time.monotonic()
            while True:
                waiting = db.execute(
                    "SELECT count(*) FROM cop_emaildelivery WHERE status IN ('queued', 'sending')"
                ).fetchone()[0]
                if not waiting:
                    drained_at = time.monotonic() - load_ended
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(1)
            replies = {
                row[0]
                for row in db.execute(
                    "SELECT id FROM knowledge_reply WHERE problem_id = %s", [seeded["problem"]]
                )
            }
            answers = dict(
                db.execute(
                    "SELECT u.email, r.answer FROM meetings_rsvp r "
                    "JOIN cop_user u ON u.id = r.user_id WHERE r.meeting_id = %s",
                    [seeded["meeting"]],
                ).fetchall()
            )
            deliveries = db.execute("SELECT status, message_id FROM cop_emaildelivery").fetchall()
        received = Counter(str(m["Message-ID"]).strip() for m in inbox.messages)
        statuses = Counter(status for status, _ in deliveries)
        emails = [
            f"emails: {len(deliveries)} queued, {dict(statuses)}; the SMTP server received "
            f"{sum(received.values())} messages, {len(received)} distinct Message-IDs; "
            f"outbox drained {drained_at:.1f} s after the load"
            if drained_at is not None
            else f"emails: {len(deliveries)} queued, {dict(statuses)}; not drained after "
            f"{CONVERGE_SECONDS} s"
        ]
        figures = _figures(records, faults, stack, emails)
        print("\n" + figures)
        timeline = Counter((int(r[0]) // 5 * 5, r[1], r[2], r[3]) for r in records if not _ok(r))
        context = f"{figures}\nfailures by 5 s: {sorted(timeline.items())}"

        # Requests: never a 500; the few that failed were in flight at a fault.
        assert not [r for r in records if r[2] == 500], context
        assert len(records) > 5 * LOAD_SECONDS, context  # the load was real
        failed = [r for r in records if not _ok(r)]
        cut = [r for r in failed if _cut_by_failover(r, faults)]
        killed = [r for r in failed if _in_flight_on_killed_web(r, faults)]
        # Every failure was in flight at a fault: on web-1 when it was killed (at most
        # what one process serves at once), or in a transaction cut by the failover.
        assert len(failed) == len(cut) + len(killed), context
        assert len(killed) <= stack.web_workers * stack.web_threads, context
        # At most every request in flight, at each termination.
        terminations = sum(1 for _, what in faults if what == TERMINATE)
        assert len(cut) <= CONCURRENCY * terminations, context
        # The figure: at most 0.5 % of requests failed. Writes carry an
        # Idempotency-Key, so the proxy sends them again to a live process like reads;
        # what fails is only an answer cut mid-way.
        error_rate = len(killed) / len(records)
        assert error_rate <= MAX_ERROR_RATE, context
        # web-1 came back into the rotation after it was started again.
        back = faults[1][0] + 2
        assert {r[3] for r in records if r[0] > back} >= {"web-1", "web-2"}, context

        # No lost writes: every reply confirmed with a 201 is saved, and each member's
        # answer is the last one confirmed (or a later one whose answer was lost).
        confirmed = {r[6] for r in records if r[1] == "reply" and r[2] == 201}
        assert confirmed <= replies, "a reply confirmed with 201 is missing"
        unknown = (0, 502, 503, 504)  # the answer may or may not have been saved
        for i in range(len(seeded["tokens"])):
            sent = [r for r in records if r[1] == "rsvp" and r[5] == i]
            last_ok = max((n for n, r in enumerate(sent) if _ok(r)), default=None)
            if last_ok is None:
                continue
            later = sent[last_ok + 1 :]
            possible = {sent[last_ok][6]} | {r[6] for r in later if r[2] in unknown}
            assert answers.get(f"replier{i}@example.org") in possible, (i, sent[last_ok:])

        # Every email sent, and received once (a second copy only with the same
        # Message-ID, where a worker died after the server accepted it).
        assert statuses == {"sent": len(deliveries)}, context
        assert len(deliveries) >= len(replies)
        sent_ids = {message_id for _, message_id in deliveries}
        assert set(received) == sent_ids, "the SMTP server got other messages than were sent"
        assert sum(received.values()) - len(received) <= 1, received.most_common(3)

        # The standby beat took the lead and ticks; a worker still beats.
        assert _beat_leader(stack) not in (None, first_leader)
        status, _, body = http_get(f"{stack.web_url('web-2')}/metrics", timeout=10)
        assert status == 200
        text = body.decode()
        assert 'copse_email_outbox_rows{status="queued"} 0.0' in text
        assert "copse_beat_heartbeat_age_seconds" in text
        assert (
            'copse_celery_tasks_total{outcome="success",task="cop.send_notification_email"}' in text
        )
        status, _, body = http_get(f"{stack.web_url('web-2')}/healthz/ready", timeout=10)
        assert status == 200, body

        stack.stop()
        assert stack.pids() == [], "processes outlived the stack"
    except BaseException:
        for name in stack.processes:
            print(f"--- {name}\n{stack.log_tail(name, 15)}")
        print("faults:", faults, "restarts:", stack.restarts)
        raise
    finally:
        stack.stop()
