"""The knowledge section of the health dashboard, on data whose answers are worked out
by hand, and as the coordinators see it."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.dashboard import Period
from knowledge.dashboard import build_section, problem_times, unanswered_problems, validation
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERIOD = Period("x", "x", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours_after(moment: datetime, hours: float) -> datetime:
    return moment + timedelta(hours=hours)


@pytest.fixture
def problems():
    community = CommunityFactory()
    asker, helper = UserFactory(), UserFactory()

    def problem(created, **fields):
        fields.setdefault("author", asker)
        return ProblemFactory(community=community, created_at=created, **fields)

    def reply(p, hours, author=helper, **fields):
        return ReplyFactory(
            problem=p, author=author, created_at=hours_after(p.created_at, hours), **fields
        )

    # p1: the asker's own reply (1 h) does not count; first reply by another at 3 h,
    # solution accepted at 24 h.
    p1 = problem(utc(2026, 1, 10), status="solved", solved_at=utc(2026, 1, 11))
    reply(p1, 1, author=asker)
    reply(p1, 3)
    reply(p1, 10)
    # p2: a deleted reply (1 h) does not count; first reply at 5 h, solved at 48 h.
    p2 = problem(utc(2026, 2, 1), status="solved", solved_at=utc(2026, 2, 3))
    reply(p2, 1, deleted_at=utc(2026, 2, 1, 2))
    reply(p2, 5)
    # p3: replied at 8 h, still open.
    reply(problem(utc(2026, 3, 1)), 8)
    # p4: open, nobody replied. p5: asked before the period, only the asker replied.
    problem(utc(2026, 3, 5), title="Nobody answers me")
    reply(problem(utc(2025, 12, 20), title="Old and alone"), 2, author=asker)
    # The asker's account is gone; someone replied: answered.
    reply(problem(utc(2026, 3, 20), author=None), 4, author=UserFactory())
    # Not counted: a deleted problem, and one of another community.
    reply(problem(utc(2026, 1, 20), deleted_at=utc(2026, 1, 21)), 100)
    ProblemFactory(created_at=utc(2026, 1, 20))
    return community


def test_problem_medians_count_replies_by_others_only(problems):
    times = problem_times(problems, PERIOD)
    # first replies 3, 4, 5 and 8 hours: median 4.5; solutions at 24 and 48 hours: median 36
    assert times == {
        "asked": 5,
        "median_first_reply_hours": 4.5,
        "median_solution_hours": 36.0,
    }


def test_unanswered_problems_are_open_with_no_reply_by_others_oldest_first(problems):
    waiting = unanswered_problems(problems, PERIOD)
    assert waiting["count"] == 2
    # Dec 20 00:00 to Mar 31 12:00 is 101.5 days; Mar 5 to Mar 31 12:00 is 26.5 days
    assert [(row["title"], row["age_hours"]) for row in waiting["oldest"]] == [
        ("Old and alone", 2436.0),
        ("Nobody answers me", 636.0),
    ]
    assert waiting["oldest"][0]["url"].startswith(f"/c/{problems.slug}/")


def test_medians_are_none_without_data():
    community = CommunityFactory()
    assert problem_times(community, PERIOD)["median_first_reply_hours"] is None
    assert validation(community, PERIOD)["median_validation_hours"] is None


def test_validation_counts_median_and_past_review():
    community = CommunityFactory()

    def entry(status, created=None, validated=None, review=None, **fields):
        return PracticeEntryFactory(
            community=community,
            status=status,
            created_at=created or utc(2026, 1, 1),
            validated_at=validated,
            review_date=review,
            **fields,
        )

    entry("validated", utc(2026, 1, 1), utc(2026, 1, 3))  # 48 h
    entry("validated", utc(2026, 1, 10), utc(2026, 2, 10), review=date(2026, 1, 15))  # 744 h
    entry("validated", utc(2026, 2, 1), utc(2026, 2, 2), review=date(2026, 4, 10))  # 24 h
    entry("validated", utc(2025, 11, 1), utc(2025, 12, 1))  # validated before the period
    entry("validated", utc(2026, 1, 1), utc(2026, 1, 2), deleted_at=utc(2026, 1, 5))
    entry("not_validated", review=date(2026, 3, 1))  # past review
    entry("archived", review=date(2026, 1, 1))  # archived: no review expected
    entry("draft", review=date(2026, 1, 1))  # draft: not published yet
    result = validation(community, PERIOD)
    # validated in the period after 48, 744 and 24 hours: median 48
    assert result == {"validated": 3, "median_validation_hours": 48.0, "past_review": 2}


def test_section_shape_series_and_json(problems):
    PracticeEntryFactory(community=problems, status="validated", validated_at=utc(2026, 2, 10))
    section = build_section(community=problems, period=PERIOD)
    assert json.loads(json.dumps(section)) == section
    assert section["order"] == 20
    stats = {stat["key"]: (stat["value"], stat["unit"]) for stat in section["stats"]}
    assert stats["median_first_reply_hours"] == (4.5, "hours")
    assert stats["unanswered"] == (2, "count")
    assert section["series"]["asked"] == [
        {"month": "2026-01", "value": 1},
        {"month": "2026-02", "value": 1},
        {"month": "2026-03", "value": 3},
    ]
    assert [p["value"] for p in section["series"]["validated"]] == [0, 1, 0]
    assert set(section["labels"]) >= {*stats, *section["series"], "chart", "table"}


# --- The page ---------------------------------------------------------------------------


@pytest.fixture
def coordinator_with_data():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    asked = timezone.now() - timedelta(days=3)
    ProblemFactory(community=community, title="Why is the build red?", created_at=asked)
    return community, coordinator


def test_dashboard_shows_the_knowledge_chart_table_and_oldest_unanswered(
    client, coordinator_with_data
):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)
    content = client.get(reverse("community_dashboard", args=[community.slug])).content.decode()
    section = content[content.index('id="section-knowledge"') :]
    section = section[: section.index("</section>")]
    assert "Problems and knowledge" in section
    assert '<svg class="chart' in section and "Problems asked and practices validated" in section
    assert section.count("<table") == 3
    assert "Unanswered problems" in section and "Why is the build red?" in section
    assert "3 days" in section


def test_knowledge_csv_exports(client, coordinator_with_data):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)

    def rows(name):
        response = client.get(reverse("dashboard_csv", args=[community.slug, name]))
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.content.decode())))

    series = rows("knowledge-series")
    assert series[0] == ["series", "month", "value"]
    assert ["asked", (timezone.now() - timedelta(days=3)).strftime("%Y-%m"), "1"] in series
    figures = rows("knowledge-figures")
    assert ["unanswered", "1", "count"] in figures
    assert ["median_first_reply_hours", "", "hours"] in figures
    waiting = rows("knowledge-waiting")
    assert waiting[1][0] == "Why is the build red?"


@pytest.mark.parametrize("problems_asked", [1, 12])
def test_section_query_count_is_constant(django_assert_num_queries, problems_asked):
    community = CommunityFactory()
    for i in range(problems_asked):
        problem = ProblemFactory(community=community, created_at=utc(2026, 2, 1 + i))
        ReplyFactory(problem=problem, created_at=utc(2026, 2, 1 + i, 5))
        ProblemFactory(community=community, created_at=utc(2026, 3, 1 + i))
        PracticeEntryFactory(community=community, status="validated", validated_at=utc(2026, 3, 1))
    with django_assert_num_queries(7):
        build_section(community=community, period=PERIOD)
