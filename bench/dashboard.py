"""Benchmark: the health dashboard of a community with 10,000 members and a year of
activity. Run with `make bench` (SQLite in a temporary file) or with DATABASE_URL set to
a PostgreSQL database you can drop (it is flushed first).

Prints the time to precompute the snapshot (the nightly task's work) and the time to
open the page, which reads the snapshot.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
EVENTS_PER_MEMBER = float(os.environ.get("BENCH_EVENTS_PER_MEMBER", "15"))

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
os.environ.setdefault("ACCOUNT_RATE_LIMITS_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cop.dashboard import period_for, store_snapshot  # noqa: E402
from cop.enums import PARTICIPATION_WEIGHTS, Level, Role  # noqa: E402
from cop.models import Community, Membership, ParticipationEvent, User  # noqa: E402


def build() -> tuple[Community, User]:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(42)
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.org", display_name=f"Bench {i}") for i in range(MEMBERS)],
        batch_size=2000,
    )
    community = Community.objects.create(name="Bench", slug="bench", domain="Benchmarks.")
    levels = [Level.CORE] * 1 + [Level.ACTIVE] * 2 + [Level.PERIPHERAL] * 6 + [Level.NEWCOMER]
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                community=community,
                user=user,
                role=Role.COORDINATOR if i == 0 else Role.MEMBER,
                level=rng.choice(levels),
                joined_at=now - timedelta(days=rng.randint(1, 700)),
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    kinds = list(PARTICIPATION_WEIGHTS)
    events = []
    for membership in memberships:
        # A skewed distribution: a few members do most of the work, as in real communities.
        for _ in range(int(rng.paretovariate(1.2) * EVENTS_PER_MEMBER / 5)):
            kind = rng.choice(kinds)
            events.append(
                ParticipationEvent(
                    membership=membership,
                    kind=kind,
                    weight=PARTICIPATION_WEIGHTS[kind],
                    occurred_at=now - timedelta(minutes=rng.randint(0, 365 * 24 * 60)),
                )
            )
    ParticipationEvent.objects.bulk_create(events, batch_size=5000)
    users[0].set_password("bench-password")
    users[0].save(update_fields=["password"])
    return community, users[0]


def main() -> None:
    started = time.perf_counter()
    community, coordinator = build()
    events = ParticipationEvent.objects.count()
    print(
        f"database: {django.db.connection.vendor}; built {MEMBERS} members and "
        f"{events} events in {time.perf_counter() - started:.1f} s"
    )

    t = time.perf_counter()
    store_snapshot(community, period_for("12m"))
    print(f"precompute (nightly task), 12 months: {time.perf_counter() - t:.2f} s")

    client = Client()
    client.force_login(coordinator)
    url = f"/c/{community.slug}/health/?period=12m"
    client.get(url)
    timings = []
    for _ in range(20):
        t = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
    print(
        f"dashboard page, 12 months: median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms over {len(timings)} requests"
    )


if __name__ == "__main__":
    main()
