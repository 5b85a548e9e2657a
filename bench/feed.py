"""Benchmark: a member's home feed over 100,000 items (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copse_feed_bench .venv/bin/python bench/feed.py

Migrates the database named by DATABASE_URL, seeds it once (BENCH_FEED_ITEMS items,
default 100,000: stories, problems, practices and meetings across 50 communities, the
member in 5 of them) and prints the p50/p95 of the feed's first page and of a page deep
in the history (after following "Older" BENCH_FEED_DEPTH times), with each source's
query plan. It flushes nothing: point it at a database of its own.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
ITEMS = int(os.environ.get("BENCH_FEED_ITEMS", "100000"))
DEPTH = int(os.environ.get("BENCH_FEED_DEPTH", "200"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cop.models import Announcement, Comment, Community, Membership, User  # noqa: E402
from cop.selectors.communities import home_feed  # noqa: E402
from knowledge.models import PracticeEntry, Problem, Story  # noqa: E402
from meetings.models import Meeting  # noqa: E402


def seed() -> User:
    member = User.objects.filter(email="feed-bench@example.org").first()
    if member is not None:
        return member
    member = User.objects.create_user(email="feed-bench@example.org")
    author = User.objects.create_user(email="feed-author@example.org")
    communities = Community.objects.bulk_create(
        Community(name=f"Bench {n}", slug=f"bench-{n}", domain="d") for n in range(50)
    )
    Membership.objects.bulk_create(
        Membership(community=community, user=member, joined_at=timezone.now())
        for community in communities[:5]
    )
    now = timezone.now()
    per_kind = ITEMS // 4
    for model, extra in (
        (Story, {"situation": "s"}),
        (Problem, {"context": "c"}),
        (PracticeEntry, {"body": "b", "status": "not_validated"}),
    ):
        rows = []
        for n in range(per_kind):
            at = now - timedelta(minutes=n)
            fields = {"community": communities[n % 50], "author": author, "title": f"Item {n}"}
            if model is PracticeEntry:
                fields["updated_at"] = at
            rows.append(model(created_at=at, **fields, **extra))
        model.objects.bulk_create(rows, batch_size=5000)
        if model is PracticeEntry:  # auto_now: put the times back
            with connection.cursor() as cursor:
                cursor.execute("UPDATE knowledge_practiceentry SET updated_at = created_at")
    # Comments on the stories (a quarter of the items again) and announcements: the core's
    # two feed sources, with the comment source's per-target visibility subquery.
    story_type = ContentType.objects.get_for_model(Story)
    stories = list(Story.objects.order_by("pk").values_list("pk", "community_id"))
    Comment.objects.bulk_create(
        (
            Comment(
                community_id=stories[n % len(stories)][1],
                target_type=story_type,
                target_id=stories[n % len(stories)][0],
                author=author,
                body=f"Comment {n}",
                created_at=now - timedelta(minutes=n, seconds=30),
            )
            for n in range(per_kind)
        ),
        batch_size=5000,
    )
    Announcement.objects.bulk_create(
        (
            Announcement(
                community=communities[n % 50],
                author=author,
                title=f"News {n}",
                body="b",
                status="sent",
                created_at=now - timedelta(hours=n),
            )
            for n in range(2000)
        ),
        batch_size=2000,
    )
    Meeting.objects.bulk_create(
        (
            Meeting(
                community=communities[n % 50],
                title=f"Meeting {n}",
                starts_at=now + timedelta(days=1, minutes=n),
                ends_at=now + timedelta(days=1, minutes=n + 60),
                timezone="UTC",
                created_at=now - timedelta(minutes=n),
            )
            for n in range(per_kind)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return member


def timed(member, older: str) -> tuple[float, float, int]:
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        home_feed(member, older=older)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        home_feed(member, older=older)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    member = seed()
    cursor = ""
    for _ in range(DEPTH):
        cursor = home_feed(member, older=cursor).older
    for label, older in (("first page", ""), (f"page {DEPTH + 1}", cursor)):
        p50, p95, queries = timed(member, older)
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {queries} queries")
    with CaptureQueriesContext(connection) as captured:
        home_feed(member, older=cursor)
    with connection.cursor() as db:
        for query in captured.captured_queries[1:]:
            db.execute("EXPLAIN ANALYZE " + query["sql"])
            plan = [row[0] for row in db.fetchall()]
            print(query["sql"][:90], "...")
            print("   ", " | ".join(line.strip() for line in plan[:4]), plan[-1].strip())


if __name__ == "__main__":
    main()
