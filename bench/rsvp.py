"""Benchmark: 1,000 simultaneous RSVPs to one popular meeting (500 members answering
"going" twice each, as double clicks and retries do) at capacity 50, through the
service, from a pool of 32 threads, each with its own database connection
(BENCH_PROCESSES spreads them over several processes, as behind a web server).

PostgreSQL only (row locks are the point): run by hand with DATABASE_URL set to a
database you may write to, e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copse_bench .venv/bin/python bench/rsvp.py

It migrates the database, adds a community, its members and a meeting of its own
(nothing is flushed), then prints the time taken and the going and waitlisted counts,
and exits non-zero if a guarantee does not hold (exactly CAPACITY going, the rest
waitlisted, one answer per member). BENCH_MEMBERS, BENCH_CAPACITY, BENCH_THREADS and
BENCH_PROCESSES change the size.
"""

import multiprocessing
import os
import random
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "500"))
CAPACITY = int(os.environ.get("BENCH_CAPACITY", "50"))
THREADS = int(os.environ.get("BENCH_THREADS", "32"))
# Like web server processes: the threads are spread over this many processes.
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))

if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL database: this benchmark measures row locks.")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cop.enums import ParticipationKind, Role  # noqa: E402
from cop.models import Community, Membership, ParticipationEvent, User  # noqa: E402
from meetings import services  # noqa: E402
from meetings.enums import RSVPAnswer  # noqa: E402
from meetings.models import RSVP, Meeting  # noqa: E402


def build() -> tuple[Meeting, list[User]]:
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [
            User(email=f"rsvp-{run}-{i}@example.org", display_name=f"Bench {run} {i}")
            for i in range(MEMBERS + 1)
        ]
    )
    host, members = users[0], users[1:]
    community = Community.objects.create(
        name=f"RSVP bench {run}", slug=f"rsvp-bench-{run}", domain="Benchmarks."
    )
    Membership.objects.bulk_create(
        [
            Membership(
                community=community, user=user, role=Role.COORDINATOR if i == 0 else Role.MEMBER
            )
            for i, user in enumerate(users)
        ]
    )
    starts_at = timezone.now() + timedelta(days=7)
    meeting = Meeting.objects.create(
        community=community,
        title="A popular meeting",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        timezone="UTC",
        capacity=CAPACITY,
    )
    meeting.hosts.set([host])
    return meeting, members


def _answer(meeting: Meeting, people: list[User], errors: list) -> None:
    try:
        for person in people:
            services.rsvp(meeting=meeting, user=person, answer=RSVPAnswer.GOING)
    except BaseException as exc:  # reported by main
        errors.append(repr(exc))
    finally:
        connection.close()


def _process(meeting, chunks, start, errors) -> None:
    """One web process: its share of the threads, released together with the others."""
    local: list[str] = []
    threads = [threading.Thread(target=_answer, args=(meeting, chunk, local)) for chunk in chunks]
    start.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors.extend(local)


def main() -> int:
    meeting, members = build()
    answers = members * 2
    random.Random(42).shuffle(answers)
    chunks = [answers[i::THREADS] for i in range(THREADS)]
    connection.close()  # nothing shared across the fork
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES + 1)
    errors = context.Manager().list()
    processes = [
        context.Process(target=_process, args=(meeting, chunks[i::PROCESSES], start, errors))
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    errors = list(errors)

    rows = RSVP.objects.filter(meeting=meeting)
    going = rows.filter(answer=RSVPAnswer.GOING, waitlisted=False).count()
    waitlisted = rows.filter(waitlisted=True).count()
    distinct = rows.values("user_id").distinct().count()
    participation = ParticipationEvent.objects.filter(
        kind=ParticipationKind.RSVPED, membership__community=meeting.community
    ).count()
    print(
        f"{len(answers)} RSVPs ({len(members)} members x 2) at capacity {CAPACITY}, "
        f"{THREADS} threads in {PROCESSES} processes: {elapsed:.1f} s "
        f"({len(answers) / elapsed:.0f} answers/s)"
    )
    print(
        f"going {going}, waitlisted {waitlisted}, rows {rows.count()} "
        f"({distinct} members), participation events {participation}, errors {len(errors)}"
    )
    for exc in errors[:5]:
        print(f"  error: {exc}")
    expected = (min(CAPACITY, len(members)), max(len(members) - CAPACITY, 0), len(members))
    ok = (going, waitlisted, distinct) == expected and rows.count() == len(members)
    ok = ok and participation == len(members) and not errors
    print("guarantees hold" if ok else f"GUARANTEES BROKEN: expected {expected}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
