"""Each indicator on constructed data whose answer is worked out by hand."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cop.dashboard import (
    Period,
    concentration,
    contributors_by_month,
    dashboard_snapshot,
    level_movements,
    participation_mix,
    period_for,
    section,
    stat,
)
from cop.enums import Level, ParticipationKind
from cop.models import CommunityMetricSnapshot, LevelChange, ParticipationEvent
from cop.selectors.communities import monthly_points
from cop.tasks import refresh_dashboards
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _event(membership, when, kind=ParticipationKind.TOLD_STORY):
    return ParticipationEvent.objects.create(
        membership=membership, kind=kind, weight=3, occurred_at=when
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_participation_mix_counts_shares_and_references():
    community = CommunityFactory()
    for level, n in [
        (Level.CORE, 1),
        (Level.ACTIVE, 2),
        (Level.PERIPHERAL, 5),
        (Level.NEWCOMER, 2),
    ]:
        for _ in range(n):
            MembershipFactory(community=community, level=level)
    mix = participation_mix(community)
    rows = {row["level"]: row for row in mix["rows"]}
    assert mix["total"] == 10
    assert (rows["core"]["count"], rows["core"]["share"]) == (1, 0.1)
    assert rows["active"]["share"] == 0.2 and rows["peripheral"]["share"] == 0.5
    assert rows["core"]["reference"] == (0.10, 0.15)
    assert rows["newcomer"]["reference"] is None


def test_level_movements_in_period():
    community = CommunityFactory()
    member = MembershipFactory(community=community)
    period = Period("x", "x", utc(2026, 1, 1), utc(2026, 4, 1))
    for from_level, to_level, when in [
        ("newcomer", "peripheral", utc(2026, 1, 5)),
        ("peripheral", "active", utc(2026, 2, 5)),
        ("active", "peripheral", utc(2026, 3, 5)),
        ("peripheral", "active", utc(2025, 12, 5)),  # before the period
    ]:
        LevelChange.objects.create(
            membership=member, from_level=from_level, to_level=to_level, score=0, changed_at=when
        )
    moves = {
        (m["from"], m["to"]): (m["count"], m["direction"])
        for m in level_movements(community, period)
    }
    assert moves == {
        ("newcomer", "peripheral"): (1, "up"),
        ("peripheral", "active"): (1, "up"),
        ("active", "peripheral"): (1, "down"),
    }


def test_contributors_new_returning_lapsed_by_month():
    community = CommunityFactory()
    a, b, c = (MembershipFactory(community=community) for _ in range(3))
    # a: Jan and Mar; b: Feb and Mar; c: Jan and Feb (two events in Feb count once)
    for member, when in [
        (a, utc(2026, 1, 10)),
        (a, utc(2026, 3, 10)),
        (b, utc(2026, 2, 10)),
        (b, utc(2026, 3, 11)),
        (c, utc(2026, 1, 12)),
        (c, utc(2026, 2, 12)),
        (c, utc(2026, 2, 20)),
    ]:
        _event(member, when)
    period = Period("x", "x", utc(2026, 1, 1), utc(2026, 3, 31))
    rows = {row["month"]: row for row in contributors_by_month(community, period)}
    assert rows["2026-01"] == {"month": "2026-01", "new": 2, "returning": 0, "lapsed": 0}
    # Feb: b new, c returning, a lapsed (Jan but not Feb)
    assert rows["2026-02"] == {"month": "2026-02", "new": 1, "returning": 1, "lapsed": 1}
    # Mar: a and b returning, c lapsed
    assert rows["2026-03"] == {"month": "2026-03", "new": 0, "returning": 2, "lapsed": 1}


def test_concentration_top_share_and_gini():
    community = CommunityFactory()
    period = Period("x", "x", utc(2026, 1, 1), utc(2026, 2, 1))
    counts = [0, 0, 0, 0, 0, 0, 1, 1, 2, 6]  # ten members, 10 contributions
    for n in counts:
        member = MembershipFactory(community=community)
        for i in range(n):
            _event(member, utc(2026, 1, 2 + i), kind=ParticipationKind.ATTENDED_MEETING)
    result = concentration(community, period)
    assert result["members"] == 10 and result["contributors"] == 4
    assert result["contributions"] == 10
    assert result["top10_share"] == pytest.approx(0.6)
    # sorted 0,0,0,0,0,0,1,1,2,6: sum (2i-n-1)x = 1*(3+5) + 2*7 + 6*9 = 76; G = 2*76/(2*100*1)
    assert result["gini"] == pytest.approx(0.76)
    assert result["lorenz"][0] == (0.0, 0.0) and result["lorenz"][-1] == (1.0, 1.0)


def test_snapshot_is_read_not_recomputed_while_fresh(django_assert_num_queries):
    community = CommunityFactory()
    first = dashboard_snapshot(community, "90d")
    with django_assert_num_queries(1):
        again = dashboard_snapshot(community, "90d")
    assert again.pk == first.pk
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        refreshed = dashboard_snapshot(community, "90d")
    assert refreshed.computed_at > first.computed_at


def test_refresh_task_stores_every_period():
    CommunityFactory()
    CommunityFactory()
    assert refresh_dashboards() == 6
    assert CommunityMetricSnapshot.objects.count() == 6


def test_period_for_unknown_key_falls_back():
    assert period_for("forever").key == "90d"


# --- Pages ----------------------------------------------------------------------------


@pytest.fixture
def community_and_coordinator():
    coordinator = UserFactory()
    return CommunityFactory(coordinator=coordinator), coordinator


def test_dashboard_renders_every_chart_with_its_table(client, community_and_coordinator):
    community, coordinator = community_and_coordinator
    client.force_login(coordinator)
    response = client.get(reverse("community_dashboard", args=[community.slug]))
    content = response.content.decode()
    assert response.status_code == 200
    # three core, one per practice app's section, and one line per groupthink signal (six)
    assert content.count('<svg class="chart') == 12
    assert content.count("<table") >= 3
    assert "Participation mix" in content and "Gini coefficient" in content


def test_dashboard_is_404_for_members_who_are_not_coordinators(client, community_and_coordinator):
    community, _ = community_and_coordinator
    client.force_login(make_member(community))
    assert client.get(reverse("community_dashboard", args=[community.slug])).status_code == 404
    assert client.get(reverse("dashboard_csv", args=[community.slug, "mix"])).status_code == 404


def test_dashboard_csv_export(client, community_and_coordinator):
    community, coordinator = community_and_coordinator
    client.force_login(coordinator)
    response = client.get(reverse("dashboard_csv", args=[community.slug, "mix"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["level", "count", "share"]
    assert ["core", "0", "0.0000"] in rows
    assert client.get(reverse("dashboard_csv", args=[community.slug, "nope"])).status_code == 404


@pytest.mark.parametrize("members", [1, 40])
def test_dashboard_page_query_count_is_constant(
    client, community_and_coordinator, django_assert_num_queries, members
):
    community, coordinator = community_and_coordinator
    for _ in range(members):
        _event(MembershipFactory(community=community), timezone.now() - timedelta(days=3))
    client.force_login(coordinator)
    url = reverse("community_dashboard", args=[community.slug])
    client.get(url)  # computes and stores the snapshot
    with django_assert_num_queries(5):
        client.get(url)


def test_member_sees_own_participation_by_month(client):

    community = CommunityFactory()
    member = MembershipFactory(community=community)
    with time_machine.travel(utc(2026, 11, 20, 12)):
        _event(member, utc(2026, 11, 3))  # 3 points
        _event(member, utc(2026, 11, 4))  # 3 points
        _event(member, utc(2026, 9, 15))  # 3 points
        _event(member, utc(2025, 10, 15))  # outside the twelve months
        rows = monthly_points(member)
        assert len(rows) == 12
        assert rows[0]["month"] == "2025-12" and rows[-1] == {"month": "2026-11", "points": 6}
        assert {row["month"]: row["points"] for row in rows}["2026-09"] == 3
        assert sum(row["points"] for row in rows) == 9
        client.force_login(member.user)
        page = client.get(reverse("member_profile", args=[community.slug, member.user_id]))
    assert b"Your participation over time" in page.content
    assert b'<svg class="chart' in page.content


def test_period_within_keeps_the_start_and_leaves_out_the_end():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    period = Period(key="x", label="x", start=start, end=start + timedelta(days=30))

    assert period.within("created_at") == Q(created_at__gte=start, created_at__lt=period.end)


def test_section_and_stat_make_the_stored_shape():
    made = section(
        order=5,
        title="Things",
        stats=[stat("open", 3), stat("rate", 0.5, "share")],
        series={"things": []},
        labels={"open": "Open"},
    )

    assert made == {
        "order": 5,
        "title": "Things",
        "stats": [
            {"key": "open", "value": 3, "unit": "count"},
            {"key": "rate", "value": 0.5, "unit": "share"},
        ],
        "series": {"things": []},
        "table": [],
        "labels": {"open": "Open"},
    }
