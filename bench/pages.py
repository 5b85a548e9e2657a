"""Benchmark: every page a member reaches, at two sizes of the repertoire (PostgreSQL).

    make bench                      # 10k problems/100k replies, then 100k/1M
    BENCH_SCALE=small make bench    # 2k/20k, then 10k/100k: a quick look

For each scale it creates a fresh database (`<BENCH_DATABASE>_<scale>`, default
`copse_bench_10k` and `copse_bench_100k`, on the server of BENCH_POSTGRES_URL, default
the local one; with BENCH_REUSE=1 an existing one is only migrated and measured again),
migrates, seeds it with `manage.py seed_scale`, then opens each page in-process
through Django's test client, signed in as a member (the dashboard as a coordinator):
the query count of one request and the p50/p95 of BENCH_REPEAT timed requests after a
warm-up. It prints a table with both scales side by side and writes everything to
bench/results.json.

Run with `--measure` (and DATABASE_URL set) it only measures the current database and
prints JSON: that is what the driver runs for each scale. BENCH_ONLY=similar measures
only the pages whose name contains "similar".
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALES = {
    "full": [
        {"name": "10k", "problems": 10_000, "members": 10_000},
        {"name": "100k", "problems": 100_000, "members": 10_000},
    ],
    "small": [
        {"name": "2k", "problems": 2_000, "members": 2_000},
        {"name": "10k", "problems": 10_000, "members": 10_000},
    ],
}
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
SLOW_MS = float(os.environ.get("BENCH_SLOW_MS", "0"))  # print queries slower than this


# --- the driver ------------------------------------------------------------------------


def _run(args: list[str], env: dict) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return result.stdout


def drive() -> None:
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    database = os.environ.get("BENCH_DATABASE", "copse_bench")
    scales = SCALES[os.environ.get("BENCH_SCALE", "full")]
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}/{database}",
        "DJANGO_SETTINGS_MODULE": "cop.settings",
        "ACCOUNT_RATE_LIMITS_ENABLED": "false",
        # Production settings, as a deployment runs them (no debug cursor, cached
        # templates), served over plain HTTP to the in-process client.
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
    }
    env.pop("REDIS_URL", None)  # measure the pages, not a cache
    results = {}
    reuse = os.environ.get("BENCH_REUSE") == "1"
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    for scale in scales:
        print(f"== {scale['name']}: {scale['problems']:,} problems", flush=True)
        name = f"{database}_{scale['name']}"
        env["DATABASE_URL"] = f"{server}/{name}"
        exists = _run(
            [
                "psql",
                server + "/postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",  # noqa: S608 -- ours
            ],
            env,
        ).strip()
        if reuse and exists:
            _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
            measured = json.loads(_run([sys.executable, __file__, "--measure"], env))
            results[scale["name"]] = measured
            continue
        _run(["psql", server + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], env)
        _run(["psql", server + "/postgres", "-qc", f"CREATE DATABASE {name}"], env)
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        started = time.monotonic()
        seeded = _run(
            [
                sys.executable, "manage.py", "seed_scale",
                "--problems", str(scale["problems"]),
                "--replies-per-problem", "10",
                "--members", str(scale["members"]),
            ],
            env,
        )  # fmt: skip
        print(seeded, end="", flush=True)
        measured = json.loads(_run([sys.executable, __file__, "--measure"], env))
        measured["seed_seconds"] = round(time.monotonic() - started, 1)
        results[scale["name"]] = measured
    _report(results)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print("written: bench/results.json")


def _report(results: dict) -> None:
    names = list(results)
    first, last = names[0], names[-1]
    header = f"{'page':<34}" + "".join(
        f"{'q ' + n:>8}{'p50 ' + n:>11}{'p95 ' + n:>11}" for n in names
    )
    print(header + f"{'p95 ratio':>11}")
    for page in results[last]["pages"]:
        row = f"{page:<34}"
        for name in names:
            m = results[name]["pages"].get(page)
            row += f"{m['queries']:>8}{m['p50_ms']:>11.1f}{m['p95_ms']:>11.1f}" if m else " " * 30
        a, b = results[first]["pages"].get(page), results[last]["pages"][page]
        ratio = b["p95_ms"] / a["p95_ms"] if a and a["p95_ms"] else 0
        print(row + f"{ratio:>11.2f}")


# --- measuring one database ------------------------------------------------------------


def measure() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
    import django

    django.setup()

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cop.dashboard import period_for, store_snapshot
    from cop.models import Community, User
    from cop.pagination import encode_cursor
    from knowledge.models import PracticeEntry, Problem, Story
    from meetings.models import Meeting

    community = Community.objects.get(slug="scale-1")
    slug = community.slug
    member = User.objects.get(email="scale-member@example.org")
    coordinator = User.objects.get(email="scale-coordinator@example.org")
    started = time.monotonic()
    store_snapshot(community, period_for("90d"))
    snapshot_seconds = time.monotonic() - started

    live = {"community": community, "deleted_at__isnull": True}
    problems = Problem.objects.filter(**live).order_by("-created_at", "-id")
    total = problems.count()
    deep = problems.values("created_at", "id")[int(total * 0.9)]
    problem = problems.filter(reply_count__gt=5).values("id").first()["id"]
    stories = Story.objects.filter(**live).order_by("-created_at", "-id")
    deep_story = stories.values("created_at", "id")[int(stories.count() * 0.9)]
    story = stories.values("id").first()["id"]
    entry = (
        PracticeEntry.objects.filter(**live, status="validated")
        .order_by("-updated_at")
        .values("id")
        .first()["id"]
    )
    meeting = Meeting.objects.filter(community=community, starts_at__gt=timezone.now())
    meeting = meeting.order_by("starts_at").values("id").first()["id"]
    month = timezone.now().strftime("%Y-%m")
    c = f"/c/{slug}"
    pages = {
        "community home": f"{c}/",
        "knowledge home": f"{c}/knowledge/",
        "problem list": f"{c}/knowledge/problems/",
        "problem list unanswered": f"{c}/knowledge/problems/?status=unanswered",
        "problem list solved": f"{c}/knowledge/problems/?status=solved",
        "problem list by topic": f"{c}/knowledge/problems/?tag=databases",
        "problem list deep page": f"{c}/knowledge/problems/?older="
        + encode_cursor(deep["created_at"], deep["id"]),
        "problem detail": f"{c}/knowledge/problems/{problem}/",
        "story list": f"{c}/knowledge/stories/",
        "story list by topic": f"{c}/knowledge/stories/?tag=security",
        "story list deep page": f"{c}/knowledge/stories/?older="
        + encode_cursor(deep_story["created_at"], deep_story["id"]),
        "story detail": f"{c}/knowledge/stories/{story}/",
        "practice list": f"{c}/knowledge/practices/",
        "practice list validated": f"{c}/knowledge/practices/?status=validated",
        "practice detail": f"{c}/knowledge/practices/{entry}/",
        "meetings": f"{c}/meetings/",
        "meetings month": f"{c}/meetings/?month={month}",
        "meeting detail": f"{c}/meetings/{meeting}/",
        "member directory": f"{c}/members/",
        "member directory core": f"{c}/members/?level=core",
        "search rare": "/knowledge/search/?q=quokka",
        "search common": "/knowledge/search/?q=onboarding",
        "search very common": "/knowledge/search/?q=team",
        "search two words": "/knowledge/search/?q=release+pipeline",
        "search three common words": "/knowledge/search/?q=team+deploy+review",
        "notifications": "/notifications/",
        "api problems": f"/api/v1/problems/?community={slug}",
        "api problem": f"/api/v1/problems/{problem}/",
        "api problem replies": f"/api/v1/problems/{problem}/replies/",
        "api stories": f"/api/v1/stories/?community={slug}",
        "api practices": f"/api/v1/practices/?community={slug}",
        "api meetings": f"/api/v1/meetings/?community={slug}",
        "api members": f"/api/v1/communities/{slug}/members/",
        "api search very common": "/api/v1/search/?q=team",
        "dashboard (coordinator)": f"{c}/health/",
        # "Similar before you post": titles as members type them, from rare words to
        # words in most titles, and one with no known word (the pg_trgm fallback).
        "api similar rare words": "/api/v1/problems/similar/?title=quokka+failover+runbook"
        f"&community={slug}",
        "api similar seeded title": "/api/v1/problems/similar/?title=How+do+we+audit+the"
        f"+migration+after+a+risk&community={slug}",
        "api similar common words": "/api/v1/problems/similar/?title=Best+way+to+network"
        f"+incident+for+a+new+container&community={slug}",
        "api similar unknown words": "/api/v1/problems/similar/?title=zebrafish+aquarium"
        f"+lighting&community={slug}",
        "problem form suggestions": f"{c}/knowledge/problems/similar/?title=onboarding"
        "+mentor+pipeline",
    }
    only = os.environ.get("BENCH_ONLY", "")
    if only:
        pages = {name: url for name, url in pages.items() if only in name}
    as_member, as_coordinator = Client(), Client()
    as_member.force_login(member)
    as_coordinator.force_login(coordinator)
    measured = {}
    for name, url in pages.items():
        client = as_coordinator if "coordinator" in name else as_member
        for _ in range(3):
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        queries = []

        def count(execute, sql, params, many, context, queries=queries, name=name):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - t0) * 1000)
                if SLOW_MS and queries[-1] > SLOW_MS:
                    sys.stderr.write(f"{name}: {queries[-1]:.1f} ms: {sql % tuple(params or ())}\n")

        with connection.execute_wrapper(count):
            client.get(url)
        times, cpu = [], []
        for _ in range(REPEAT):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        measured[name] = {
            "url": url,
            "queries": len(queries),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)], 2),
            "cpu_p50_ms": round(statistics.median(cpu), 2),  # this process only: no load
        }
    print(
        json.dumps(
            {
                "problems": total,
                "replies": Problem.objects.filter(community=community).aggregate(
                    n=django.db.models.Sum("reply_count")
                )["n"],
                "dashboard_snapshot_seconds": round(snapshot_seconds, 2),
                "pages": measured,
            }
        )
    )


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        drive()
