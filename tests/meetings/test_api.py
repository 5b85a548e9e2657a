"""The meetings part of the REST API, over the meetings services and rules."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Visibility
from knowledge.services.problems import ask_problem
from meetings import services
from meetings.enums import MeetingStatus, RSVPAnswer
from meetings.models import RSVP, Meeting
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def private(host):
    return CommunityFactory(
        coordinator=host,
        slug="hidden",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
    )


def _create_body(**overrides):
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "community": "sre",
        "title": "Pager stories",
        "kind": "storytelling",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin",
        "capacity": 2,
        "location": "Room 4",
    }
    body.update(overrides)
    return body


def test_list_filters_by_community_and_date_range(api, community, meeting, host):
    other = CommunityFactory(slug="other")
    MeetingFactory(community=other, title="Elsewhere")
    later = MeetingFactory(
        community=community,
        title="Much later",
        starts_at=timezone.now() + timedelta(days=40),
        ends_at=timezone.now() + timedelta(days=40, hours=1),
    )
    response = api.get("/api/v1/meetings/", {"community": "sre"})
    assert response.status_code == 200
    assert [m["title"] for m in response.json()["results"]] == ["Incident review", "Much later"]
    window = {
        "community": "sre",
        "starts_after": (timezone.now() + timedelta(days=30)).isoformat(),
        "starts_before": (timezone.now() + timedelta(days=50)).isoformat(),
    }
    results = api.get("/api/v1/meetings/", window).json()["results"]
    assert [m["id"] for m in results] == [later.pk]


def test_list_bad_date_is_400_with_reason(api, meeting):
    response = api.get("/api/v1/meetings/", {"starts_after": "next tuesday"})
    assert response.status_code == 400
    assert "starts_after" in response.json()
    response = api.get("/api/v1/meetings/", {"starts_before": "0001-01-01T00:00:00+20:00"})
    assert response.status_code == 400
    assert "starts_before" in response.json()


def test_list_date_in_an_unusual_offset_is_normalised(api, meeting):
    response = api.get("/api/v1/meetings/", {"starts_after": "1170-01-27T12:28:23+20:18"})
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["results"]] == [meeting.pk]


def test_meeting_shape_has_urls_html_and_hosts(api, meeting, host):
    meeting.description = "**Bring** <script>alert(1)</script>"
    meeting.save(update_fields=["description"])
    item = api.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert item["id"] == meeting.pk
    assert item["url"] == f"http://testserver/c/sre/meetings/{meeting.pk}/"
    assert item["ics_url"] == f"http://testserver/c/sre/meetings/{meeting.pk}/meeting.ics"
    assert "<strong>Bring</strong>" in item["description_html"]
    assert "<script>" not in item["description_html"]
    assert item["hosts"] == [{"id": host.pk, "name": host.name}]
    assert item["community"] == "sre"
    assert item["going_count"] == 0
    assert item["my_answer"] is None


def test_private_meetings_hidden_from_non_members(api, private):
    hidden = MeetingFactory(community=private)
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/meetings/").json()["results"] == []
    response = api.get(f"/api/v1/meetings/{hidden.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"]
    response = api.post(f"/api/v1/meetings/{hidden.pk}/rsvp/", {"answer": "going"}, format="json")
    assert response.status_code == 404
    api.force_authenticate(make_member(private))
    assert [m["id"] for m in api.get("/api/v1/meetings/").json()["results"]] == [hidden.pk]


def test_mine_lists_only_my_communities(api, community, meeting, member):
    MeetingFactory(community=CommunityFactory(), title="Public but not mine")
    api.force_authenticate(member)
    everything = api.get("/api/v1/meetings/").json()["results"]
    mine = api.get("/api/v1/meetings/", {"mine": "true"}).json()["results"]
    assert len(everything) == 2
    assert [m["id"] for m in mine] == [meeting.pk]


def test_coordinator_creates_meeting_from_contract_fields(api, community, host):
    api.force_authenticate(host)
    response = api.post("/api/v1/meetings/", _create_body(), format="json")
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get(pk=response.json()["id"])
    assert meeting.kind == "storytelling"
    assert meeting.capacity == 2
    assert meeting.timezone == "Europe/Berlin"
    assert list(meeting.hosts.all()) == [host]
    assert response.json()["url"].endswith(f"/c/sre/meetings/{meeting.pk}/")


def test_create_needs_coordinator(api, community, member):
    api.force_authenticate(member)
    response = api.post("/api/v1/meetings/", _create_body(), format="json")
    assert response.status_code == 403
    assert "coordinators" in response.json()["detail"]
    assert not Meeting.objects.exists()


def test_create_bad_input_is_400_with_reasons(api, community, host):
    api.force_authenticate(host)
    start = timezone.now() + timedelta(days=2)
    response = api.post(
        "/api/v1/meetings/",
        _create_body(ends_at=(start - timedelta(hours=1)).isoformat(), starts_at=start.isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    response = api.post("/api/v1/meetings/", _create_body(timezone="Mars/Olympus"), format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()
    response = api.post("/api/v1/meetings/", _create_body(kind="party"), format="json")
    assert response.status_code == 400
    assert "kind" in response.json()
    response = api.post("/api/v1/meetings/", _create_body(community="nope"), format="json")
    assert response.status_code == 404


def test_host_updates_meeting_and_answerers_are_told(api, meeting, host, member):
    api.force_authenticate(member)
    api.post(f"/api/v1/meetings/{meeting.pk}/rsvp/", {"answer": "going"}, format="json")
    api.force_authenticate(host)
    new_start = meeting.starts_at + timedelta(hours=1)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.starts_at == new_start
    assert meeting.sequence == 1
    assert member.notifications.filter(title__contains="moved").exists()


def test_member_cannot_update(api, meeting, member):
    api.force_authenticate(member)
    response = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"title": "Mine now"}, format="json")
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.title == "Incident review"


def test_cancel_by_host_and_not_by_member(api, meeting, host, member):
    api.force_authenticate(member)
    assert api.post(f"/api/v1/meetings/{meeting.pk}/cancel/").status_code == 403
    api.force_authenticate(host)
    response = api.post(f"/api/v1/meetings/{meeting.pk}/cancel/", {"reason": "Snow"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_rsvp_answers_and_waitlist_with_position(api, community, meeting):
    meeting.capacity = 1
    meeting.save(update_fields=["capacity"])
    first, second, third = (make_member(community) for _ in range(3))
    url = f"/api/v1/meetings/{meeting.pk}/rsvp/"
    api.force_authenticate(first)
    response = api.post(url, {"answer": "going"}, format="json")
    assert response.json() == {
        "meeting": meeting.pk,
        "answer": "going",
        "status": "going",
        "position": None,
    }
    api.force_authenticate(second)
    assert api.post(url, {"answer": "going"}, format="json").json()["position"] == 1
    api.force_authenticate(third)
    third_answer = api.post(url, {"answer": "going"}, format="json").json()
    assert third_answer["status"] == "waitlisted"
    assert third_answer["position"] == 2
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").json()["my_answer"] == "waitlisted"
    api.force_authenticate(first)
    assert api.post(url, {"answer": "not_going"}, format="json").json()["status"] == "not_going"
    assert RSVP.objects.get(meeting=meeting, user=second).waitlisted is False
    api.force_authenticate(third)
    assert api.post(url, {"answer": "maybe"}, format="json").json()["status"] == "maybe"


def test_rsvp_refusals_carry_reasons(api, community, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/rsvp/"
    assert api.post(url, {"answer": "going"}, format="json").status_code == 401
    api.force_authenticate(UserFactory())
    response = api.post(url, {"answer": "going"}, format="json")
    assert response.status_code == 403
    assert "Join it first" in response.json()["detail"]
    api.force_authenticate(make_member(community))
    response = api.post(url, {"answer": "perhaps"}, format="json")
    assert response.status_code == 400
    assert "answer" in response.json()
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    response = api.post(url, {"answer": RSVPAnswer.GOING}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_rsvp_after_start_is_400(api, community):
    started = MeetingFactory(
        community=community,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=55),
    )
    api.force_authenticate(make_member(community))
    response = api.post(f"/api/v1/meetings/{started.pk}/rsvp/", {"answer": "going"}, format="json")
    assert response.status_code == 400
    assert "started" in str(response.json())


def test_series_list_and_detail(api, community, host):

    series = services.create_series(
        community=community,
        by=host,
        title="Weekly sync",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_on=timezone.localdate() + timedelta(days=1),
        start_time=timezone.now().time().replace(hour=17, minute=0, second=0, microsecond=0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
    )
    results = api.get("/api/v1/series/", {"community": "sre"}).json()["results"]
    assert [s["title"] for s in results] == ["Weekly sync"]
    detail = api.get(f"/api/v1/series/{series.pk}/").json()
    assert detail["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    assert detail["url"].endswith(f"/c/sre/meetings/series/{series.pk}/")


@pytest.mark.parametrize("count", [1, 12])
def test_meeting_list_query_count_is_constant(
    api, community, member, count, django_assert_num_queries
):
    host = UserFactory()
    for _ in range(count):
        created = MeetingFactory(community=community, hosts=[host])
        RSVP.objects.create(meeting=created, user=member, answer=RSVPAnswer.GOING)
    api.force_authenticate(member)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/meetings/")
    assert len(response.json()["results"]) == count


SERIES_BODY = {
    "community": "sre",
    "title": "Thursday review",
    "rrule": "FREQ=WEEKLY;BYDAY=TH",
    "starts_on": "2027-03-04",
    "start_time": "17:00",
    "duration_minutes": 60,
    "timezone": "Europe/Berlin",
}


def test_coordinator_starts_series_with_occurrences_at_local_time(api, community, host):

    api.force_authenticate(host)
    with time_machine.travel("2027-03-01 09:00:00+00:00"):
        response = api.post("/api/v1/series/", SERIES_BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rrule"].endswith("FREQ=WEEKLY;BYDAY=TH") and body["url"]
    starts = list(
        Meeting.objects.filter(series_id=body["id"])
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    # 17:00 in Berlin: 16:00 UTC before the change on 28 March, 15:00 UTC after it.
    assert starts[0].hour == 16 and starts[-1].hour == 15


def test_series_bad_rule_is_400_with_reason(api, community, host):
    api.force_authenticate(host)
    response = api.post("/api/v1/series/", {**SERIES_BODY, "rrule": "NONSENSE"}, format="json")
    assert response.status_code == 400
    assert response.json()


def test_member_cannot_start_confirm_or_end_series(api, community, host, member):
    soon = {**SERIES_BODY, "starts_on": (timezone.localdate() + timedelta(days=3)).isoformat()}
    api.force_authenticate(host)
    created = api.post("/api/v1/series/", soon, format="json")
    assert created.status_code == 201, created.json()
    series_id = created.json()["id"]
    api.force_authenticate(member)
    assert api.post("/api/v1/series/", soon, format="json").status_code == 403
    assert api.post(f"/api/v1/series/{series_id}/end/").status_code == 403
    api.force_authenticate(host)
    assert api.post(f"/api/v1/series/{series_id}/confirm/").status_code == 200
    ended = api.post(f"/api/v1/series/{series_id}/end/")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


def test_agenda_through_the_api(api, community, meeting, host, member):

    problem = ask_problem(community=community, author=member, title="DNS flaps", context="?")
    api.force_authenticate(member)
    topic = api.post(
        f"/api/v1/meetings/{meeting.pk}/agenda/", {"title": "Chaos day"}, format="json"
    )
    assert topic.status_code == 201 and topic.json()["title"] == "Chaos day"
    from_problem = api.post(
        f"/api/v1/meetings/{meeting.pk}/agenda/", {"problem": problem.pk}, format="json"
    )
    assert from_problem.json()["title"] == "DNS flaps"
    voted = api.post(
        f"/api/v1/meetings/{meeting.pk}/agenda-vote/", {"item": topic.json()["id"]}, format="json"
    )
    assert voted.json()["votes"] == 1
    refused = api.post(
        f"/api/v1/meetings/{meeting.pk}/agenda-status/",
        {"item": topic.json()["id"], "status": "accepted"},
        format="json",
    )
    assert refused.status_code == 403
    api.force_authenticate(host)
    accepted = api.post(
        f"/api/v1/meetings/{meeting.pk}/agenda-status/",
        {"item": topic.json()["id"], "status": "accepted"},
        format="json",
    )
    assert accepted.json()["status"] == "accepted"
    items = api.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()
    assert {i["title"] for i in items} == {"Chaos day", "DNS flaps"}


def test_notes_through_the_api_hosts_only(api, meeting, host, member):
    api.force_authenticate(member)
    assert (
        api.post(f"/api/v1/meetings/{meeting.pk}/notes/", {"notes": "x"}, format="json").status_code
        == 403
    )
    api.force_authenticate(host)
    response = api.post(
        f"/api/v1/meetings/{meeting.pk}/notes/", {"notes": "**Decided** things"}, format="json"
    )
    assert response.status_code == 200
    assert "<strong>Decided</strong>" in response.json()["notes_html"]
