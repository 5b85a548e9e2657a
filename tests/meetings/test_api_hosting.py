"""Hosting a meeting through the REST API: agenda order, attendance and the personal
calendar feed, over the same services and rules as the meeting pages."""

import zoneinfo
from datetime import time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import ParticipationKind
from cop.models import ParticipationEvent
from meetings import services
from meetings.enums import AgendaItemStatus, MeetingStatus, RSVPAnswer
from meetings.models import RSVP
from tests.factories import MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def started(community, host):
    now = timezone.now()
    return MeetingFactory(
        community=community,
        hosts=[host],
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=30),
    )


def _accepted(meeting, host, *titles):
    items = []
    for title in titles:
        item = services.propose_agenda_item(meeting=meeting, by=host, title=title)
        services.set_agenda_item_status(item=item, by=host, status=AgendaItemStatus.ACCEPTED)
        items.append(item)
    return items


def test_hosts_move_agenda_items(api, meeting, host):
    _first, second = _accepted(meeting, host, "First", "Second")
    api.force_authenticate(host)
    url = f"/api/v1/meetings/{meeting.pk}/agenda-move/"
    response = api.post(url, {"item": second.pk, "direction": "up"}, format="json")
    assert response.status_code == 200
    assert [item["title"] for item in response.json()] == ["Second", "First"]
    response = api.post(url, {"item": second.pk, "direction": "down"}, format="json")
    assert [item["title"] for item in response.json()] == ["First", "Second"]


def test_moving_refuses_bad_input_and_members(api, meeting, host, member):
    (item,) = _accepted(meeting, host, "Only")
    proposed = services.propose_agenda_item(meeting=meeting, by=member, title="Maybe")
    url = f"/api/v1/meetings/{meeting.pk}/agenda-move/"
    api.force_authenticate(member)
    refused = api.post(url, {"item": item.pk, "direction": "up"}, format="json")
    assert refused.status_code == 403
    assert "hosts" in refused.json()["detail"]
    api.force_authenticate(host)
    bad = api.post(url, {"item": item.pk, "direction": "sideways"}, format="json")
    assert bad.status_code == 400 and "direction" in bad.json()
    not_placed = api.post(url, {"item": proposed.pk, "direction": "up"}, format="json")
    assert not_placed.status_code == 400
    assert "accepted" in str(not_placed.json())
    other = api.post(url, {"item": 10**17, "direction": "up"}, format="json")
    assert other.status_code == 404


def test_marking_attendance_counts_and_replaces(api, started, host, community):
    came = make_member(community)
    walked_in = make_member(community)
    RSVP.objects.create(meeting=started, user=came, answer=RSVPAnswer.GOING)
    api.force_authenticate(host)
    url = f"/api/v1/meetings/{started.pk}/attendance/"
    response = api.post(url, {"attendees": [came.pk], "walk_ins": [walked_in.pk]}, format="json")
    assert response.status_code == 200, response.json()
    marked = {row["id"]: row["walk_in"] for row in response.json()}
    assert marked == {came.pk: False, walked_in.pk: True}
    started.refresh_from_db()
    assert started.status == MeetingStatus.HELD
    assert ParticipationEvent.objects.filter(
        membership__user=came, kind=ParticipationKind.ATTENDED_MEETING
    ).exists()
    # A new list replaces the old one, and the participation is taken back.
    response = api.post(url, {"attendees": [came.pk]}, format="json")
    assert [row["id"] for row in response.json()] == [came.pk]
    assert not ParticipationEvent.objects.filter(
        membership__user=walked_in, kind=ParticipationKind.ATTENDED_MEETING
    ).exists()
    assert [row["id"] for row in api.get(url).json()] == [came.pk]


def test_attendance_refusals_say_why(api, meeting, started, host, member):
    api.force_authenticate(member)
    refused = api.get(f"/api/v1/meetings/{started.pk}/attendance/")
    assert refused.status_code == 403
    assert "hosts" in refused.json()["detail"]
    api.force_authenticate(host)
    early = api.post(
        f"/api/v1/meetings/{meeting.pk}/attendance/", {"attendees": [member.pk]}, format="json"
    )
    assert early.status_code == 400
    assert "started" in str(early.json())
    outsider = api.post(
        f"/api/v1/meetings/{started.pk}/attendance/",
        {"attendees": [UserFactory().pk]},
        format="json",
    )
    assert outsider.status_code == 400
    assert "Only members" in str(outsider.json())
    unknown = api.post(
        f"/api/v1/meetings/{started.pk}/attendance/", {"attendees": [10**17]}, format="json"
    )
    assert unknown.status_code == 400
    bad = api.post(
        f"/api/v1/meetings/{started.pk}/attendance/", {"attendees": "all"}, format="json"
    )
    assert bad.status_code == 400


def test_attendance_list_costs_a_fixed_number_of_queries(
    api, started, host, community, django_assert_max_num_queries
):
    people = [make_member(community) for _ in range(6)]
    services.mark_attendance(meeting=started, by=host, attendees=people)
    api.force_authenticate(host)
    with django_assert_max_num_queries(8):
        assert len(api.get(f"/api/v1/meetings/{started.pk}/attendance/").json()) == 6


def test_personal_feed_address_and_revoking_it(api, member, client):
    api.force_authenticate(member)
    url = api.get("/api/v1/meetings/feed/").json()["url"]
    assert url.startswith("http://testserver/meetings/feed/") and url.endswith(".ics")
    assert api.get("/api/v1/meetings/feed/").json()["url"] == url  # stable until revoked
    new = api.post("/api/v1/meetings/feed/revoke/").json()["url"]
    assert new != url
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    assert client.get(new.removeprefix("http://testserver")).status_code == 200


def test_feed_needs_an_account(api):
    response = api.get("/api/v1/meetings/feed/")
    assert response.status_code == 401
    assert response.json()["detail"]


# --- editing "this and the following meetings" of a series -----------------------------------


@pytest.fixture
def series(community, host):

    return services.create_series(
        community=community,
        by=host,
        title="Weekly review",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_on=timezone.localdate() + timedelta(days=1),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        horizon_days=35,
    )


def test_editing_following_meetings_of_a_series(api, series, host):

    first, second, *later = series.meetings.order_by("starts_at")
    api.force_authenticate(host)
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    local = second.starts_at.astimezone(zone)
    response = api.patch(
        f"/api/v1/meetings/{second.pk}/",
        {
            "scope": "following",
            "title": "Weekly retro",
            "starts_at": local.replace(hour=18).isoformat(),
            "ends_at": local.replace(hour=19, minute=30).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Weekly retro"
    first.refresh_from_db()
    assert first.title == "Weekly review"
    for meeting in [second, *later]:
        meeting.refresh_from_db()
        starts = meeting.starts_at.astimezone(zone)
        assert (meeting.title, starts.hour) == ("Weekly retro", 18)
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"starts_at": "move a day"}, "keeps its days"),
        ({"timezone": "America/Lima"}, "time zone"),
    ],
)
def test_following_edits_keep_the_series_days_and_zone(api, series, host, change, reason):
    meeting = series.meetings.order_by("starts_at")[1]
    if change.get("starts_at") == "move a day":
        change = {
            "starts_at": (meeting.starts_at + timedelta(days=1)).isoformat(),
            "ends_at": (meeting.ends_at + timedelta(days=1)).isoformat(),
        }
    api.force_authenticate(host)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"scope": "following", **change}, format="json"
    )
    assert response.status_code == 400
    assert reason in str(response.json())


def test_following_needs_a_series(api, meeting, host):
    api.force_authenticate(host)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"scope": "following", "title": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "not part of a series" in response.json()["scope"][0]
