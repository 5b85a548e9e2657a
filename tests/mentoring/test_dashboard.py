"""The mentoring section of the health dashboard, on data whose answers are worked out
by hand, and as the coordinators see it."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.dashboard import Period
from mentoring.dashboard import build_section, matching, mentorship_counts, requests_waiting
from mentoring.models import MentorRequest, Mentorship
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

PERIOD = Period("x", "x", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ask(community, created, status="open", requester=None, **fields):
    return MentorRequest.objects.create(
        community=community,
        requester=requester or UserFactory(),
        goals="Learn the ropes",
        timezone="UTC",
        status=status,
        created_at=created,
        **fields,
    )


def mentorship(community, asked, started, status="active", **fields):
    request = ask(community, asked, status="accepted", closed_at=started)
    return Mentorship.objects.create(
        community=community,
        request=request,
        mentor=UserFactory(),
        mentee=request.requester,
        goals="Learn the ropes",
        cadence="monthly",
        end_date=date(2026, 6, 1),
        status=status,
        started_at=started,
        **fields,
    )


@pytest.fixture
def mentoring():
    community = CommunityFactory()
    mentor = UserFactory()
    ask(community, utc(2026, 3, 1))  # open: waiting for a mentor, not stalled
    ask(
        community,
        utc(2026, 2, 1),
        status="offered",
        current_mentor=mentor,
        deadline=utc(2026, 3, 30),
        requester=UserFactory(display_name="Olga Overdue"),
    )  # offered and overdue: stalled
    ask(community, utc(2026, 3, 10), status="offered", current_mentor=mentor,
        deadline=utc(2026, 4, 5))  # offered, still in time  # fmt: skip
    ask(community, utc(2026, 1, 5), status="unmatched",
        requester=UserFactory(display_name="Una Unmatched"))  # stalled  # fmt: skip
    ask(community, utc(2026, 1, 20), status="withdrawn")  # closed
    ask(CommunityFactory(), utc(2026, 1, 5), status="unmatched")  # elsewhere
    mentorship(community, utc(2026, 1, 1), utc(2026, 1, 1, 12))  # matched in 12 h, active
    mentorship(
        community,
        utc(2026, 1, 10),
        utc(2026, 1, 12),
        status="completed",
        completed_at=utc(2026, 3, 1),
    )  # 48 h, completed in the period
    mentorship(community, utc(2026, 2, 1), utc(2026, 2, 4), status="paused")  # 72 h
    mentorship(
        community,
        utc(2025, 11, 1),
        utc(2025, 12, 1),
        status="completed",
        completed_at=utc(2025, 12, 20),
    )  # matched and completed before the period
    return community


def test_open_and_stalled_requests(mentoring):
    result = requests_waiting(mentoring, PERIOD)
    assert (result["open"], result["stalled"]) == (4, 2)
    # Jan 5 00:00 to Mar 31 12:00: 85.5 days; Feb 1 to Mar 31 12:00: 58.5 days
    assert [(row["title"], row["age_hours"]) for row in result["oldest"]] == [
        ("Una Unmatched", 2052.0),
        ("Olga Overdue", 1404.0),
    ]


def test_median_time_to_match(mentoring):
    # started in the period after 12, 48 and 72 hours: median 48
    assert matching(mentoring, PERIOD) == {"matched": 3, "median_hours": 48.0}
    assert matching(CommunityFactory(), PERIOD) == {"matched": 0, "median_hours": None}


def test_active_paused_and_completed_mentorships(mentoring):
    assert mentorship_counts(mentoring, PERIOD) == {"active": 1, "paused": 1, "completed": 1}


def test_section_shape_series_and_json(mentoring):
    section = build_section(community=mentoring, period=PERIOD)
    assert json.loads(json.dumps(section)) == section
    assert section["order"] == 30
    stats = {stat["key"]: (stat["value"], stat["unit"]) for stat in section["stats"]}
    assert stats["median_match_hours"] == (48.0, "hours")
    assert stats["stalled_requests"] == (2, "count")
    # requests made: Jan 4 (unmatched, withdrawn, two matched), Feb 2, Mar 2
    assert [p["value"] for p in section["series"]["requests"]] == [4, 2, 2]
    assert [p["value"] for p in section["series"]["matched"]] == [2, 1, 0]
    assert set(section["labels"]) >= {*stats, *section["series"], "chart", "table"}


# --- The page ---------------------------------------------------------------------------


@pytest.fixture
def coordinator_with_data():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    ask(
        community,
        timezone.now() - timedelta(hours=30),
        status="unmatched",
        requester=UserFactory(display_name="Nina Newcomer"),
    )
    started = timezone.now() - timedelta(days=2)
    mentorship(community, started - timedelta(hours=60), started)  # matched in 60 h
    return community, coordinator


def test_dashboard_shows_the_mentoring_chart_and_tables(client, coordinator_with_data):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)
    content = client.get(reverse("community_dashboard", args=[community.slug])).content.decode()
    section = content[content.index('id="section-mentoring"') :]
    section = section[: section.index("</section>")]
    assert '<svg class="chart' in section and "Mentor requests and matches per month" in section
    assert section.count("<table") == 3
    assert "Oldest stalled requests" in section and "Nina Newcomer" in section
    assert "30 h" in section  # the stalled request's age
    assert "<td>2.5 days</td>" in section  # the median time to match


def test_mentoring_csv_exports(client, coordinator_with_data):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)

    def rows(name):
        response = client.get(reverse("dashboard_csv", args=[community.slug, name]))
        return list(csv.reader(io.StringIO(response.content.decode())))

    assert ["stalled_requests", "1", "count"] in rows("mentoring-figures")
    assert ["median_match_hours", "60.0", "hours"] in rows("mentoring-figures")
    series = rows("mentoring-series")
    assert series[0] == ["series", "month", "value"]
    # the stalled request and the matched one, made within the last five days
    assert sum(int(value) for name, _month, value in series[1:] if name == "requests") == 2
    assert sum(int(value) for name, _month, value in series[1:] if name == "matched") == 1
    waiting = rows("mentoring-waiting")
    assert waiting[0] == ["title", "age_hours", "url"] and waiting[1][0] == "Nina Newcomer"


@pytest.mark.parametrize("requests_made", [1, 10])
def test_section_query_count_is_constant(django_assert_num_queries, requests_made):
    community = CommunityFactory()
    for i in range(requests_made):
        ask(community, utc(2026, 1, 1 + i), status="unmatched")
        mentorship(community, utc(2026, 2, 1 + i), utc(2026, 2, 2 + i))
    with django_assert_num_queries(6):
        build_section(community=community, period=PERIOD)
