"""The meetings section of the health dashboard, on data whose answers are worked out
by hand, and as the coordinators see it."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.dashboard import Period
from meetings.dashboard import attendance_by_month, build_section, no_shows, waitlists
from meetings.models import RSVP, Attendance
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

PERIOD = Period("x", "x", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def meeting_with(community, starts_at, *, status="held", going=(), waiting=(), maybe=(), came=()):
    meeting = MeetingFactory(community=community, starts_at=starts_at, status=status)
    for user in going:
        RSVP.objects.create(meeting=meeting, user=user, answer="going", going_since=starts_at)
    for user in waiting:
        RSVP.objects.create(
            meeting=meeting, user=user, answer="going", waitlisted=True, going_since=starts_at
        )
    for user in maybe:
        RSVP.objects.create(meeting=meeting, user=user, answer="maybe")
    for user in came:
        Attendance.objects.create(meeting=meeting, user=user, walk_in=user not in going)
    return meeting


@pytest.fixture
def meetings():
    community = CommunityFactory()
    u1, u2, u3, u4, u5 = (UserFactory() for _ in range(5))
    # Jan: u2 said going but did not come; u4 walked in; u3 waited in vain.
    meeting_with(community, utc(2026, 1, 10, 17), going=[u1, u2], waiting=[u3], came=[u1, u4])
    # Feb: everyone going came; two waited.
    meeting_with(
        community, utc(2026, 2, 10, 17), going=[u1, u2, u3], waiting=[u4, u5], came=[u1, u2, u3]
    )
    # Mar: a "maybe" who stayed away is not a no-show.
    meeting_with(community, utc(2026, 3, 10, 17), going=[u1], maybe=[u2], came=[u1])
    # Not held (attendance never marked): no no-shows counted, but it was a meeting.
    meeting_with(community, utc(2026, 3, 20, 17), status="scheduled", going=[u1])
    # Cancelled, before the period, and in another community: not counted at all.
    meeting_with(community, utc(2026, 3, 25, 17), status="cancelled", going=[u1], waiting=[u2])
    meeting_with(community, utc(2025, 12, 10, 17), going=[u1, u2], came=[u1])
    meeting_with(CommunityFactory(), utc(2026, 1, 10, 17), going=[u1, u2], came=[u1])
    return community


def test_no_show_rate_is_going_but_absent_at_held_meetings(meetings):
    # going (not waitlisted) at held meetings: 2 + 3 + 1 = 6; absent: u2 in January
    assert no_shows(meetings, PERIOD) == {"going": 6, "absent": 1, "rate": pytest.approx(1 / 6)}


def test_waitlist_pressure(meetings):
    result = waitlists(meetings, PERIOD)
    # four meetings not cancelled, two had waitlists of 1 and 2
    assert result == {
        "meetings": 4,
        "held": 3,
        "attended": 6,
        "with_waitlist": 2,
        "share": 0.5,
        "average": 1.5,
    }


def test_attendance_per_month(meetings):
    assert attendance_by_month(meetings, PERIOD) == [
        {"month": "2026-01", "value": 2},
        {"month": "2026-02", "value": 3},
        {"month": "2026-03", "value": 1},
    ]


def test_rates_are_none_without_meetings():
    community = CommunityFactory()
    assert no_shows(community, PERIOD)["rate"] is None
    result = waitlists(community, PERIOD)
    assert (result["share"], result["average"]) == (None, None)


def test_section_shape_and_json(meetings):
    section = build_section(community=meetings, period=PERIOD)
    assert json.loads(json.dumps(section)) == section
    assert section["order"] == 10 and section["table"] == []
    stats = {stat["key"]: (stat["value"], stat["unit"]) for stat in section["stats"]}
    assert stats["no_show_rate"] == (pytest.approx(1 / 6), "share")
    assert stats["waitlist_share"] == (0.5, "share")
    assert stats["waitlist_average"] == (1.5, "count")
    assert set(section["labels"]) >= {*stats, *section["series"], "chart"}


# --- The page ---------------------------------------------------------------------------


@pytest.fixture
def coordinator_with_data():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    held = timezone.now() - timedelta(days=10)
    meeting_with(community, held, going=[coordinator, UserFactory()], came=[coordinator])
    return community, coordinator


def test_dashboard_shows_the_meetings_chart_and_tables(client, coordinator_with_data):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)
    content = client.get(reverse("community_dashboard", args=[community.slug])).content.decode()
    section = content[content.index('id="section-meetings"') :]
    section = section[: section.index("</section>")]
    assert '<svg class="chart' in section and "Attendance per month" in section
    assert section.count("<table") == 2
    assert "No-show rate (going but absent)" in section
    assert "<td>50 %</td>" in section  # one of the two who said "going" came
    # The practice apps' sections come in their order, after the core ones.
    assert content.index("section-meetings") < content.index("section-knowledge")
    assert content.index("section-knowledge") < content.index("section-mentoring")


def test_meetings_csv_exports(client, coordinator_with_data):
    community, coordinator = coordinator_with_data
    client.force_login(coordinator)
    response = client.get(reverse("dashboard_csv", args=[community.slug, "meetings-series"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    month = (timezone.now() - timedelta(days=10)).strftime("%Y-%m")
    assert rows[0] == ["series", "month", "value"] and ["attendance", month, "1"] in rows
    response = client.get(reverse("dashboard_csv", args=[community.slug, "meetings-figures"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["no_show_rate", "0.5", "share"] in rows


def test_section_csv_is_for_coordinators_only(client, coordinator_with_data):

    community, _ = coordinator_with_data
    client.force_login(make_member(community))
    url = reverse("dashboard_csv", args=[community.slug, "meetings-series"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("meetings_held", [1, 8])
def test_section_query_count_is_constant(django_assert_num_queries, meetings_held):
    community = CommunityFactory()
    people = [UserFactory() for _ in range(3)]
    for i in range(meetings_held):
        meeting_with(
            community,
            utc(2026, 1 + i % 3, 10 + i, 17),
            going=people[:2],
            waiting=people[2:],
            came=people[:1],
        )
    with django_assert_num_queries(3):
        build_section(community=community, period=PERIOD)
