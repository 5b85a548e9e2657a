"""The polls API: coordinators propose, members vote, the coordinator schedules; slots
come with the caller's own local time."""

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from cop.enums import Visibility
from meetings.models import RSVP, Meeting
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _march():
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        yield


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


BODY = {
    "community": "sre",
    "title": "Chaos day",
    "timezone": "Europe/Berlin",
    "duration_minutes": 60,
    "new_slots": ["2026-03-27T17:00:00+01:00", "2026-03-30T17:00:00+02:00"],
}


def test_propose_vote_and_schedule(host, community):
    response = _api(host).post("/api/v1/polls/", BODY, format="json")
    assert response.status_code == 201, response.json()
    poll = response.json()
    first, second = sorted(poll["slots"], key=lambda s: s["starts_at"])
    member = make_member(community, timezone="America/New_York")
    voter = _api(member)
    answers = {str(first["id"]): "if_need_be", str(second["id"]): "yes"}
    response = voter.post(f"/api/v1/polls/{poll['id']}/vote/", {"answers": answers}, "json")
    assert response.status_code == 200, response.json()
    slots = {s["id"]: s for s in response.json()["slots"]}
    assert slots[second["id"]]["local_start"] == "2026-03-30T11:00:00-04:00"
    assert slots[first["id"]]["local_start"] == "2026-03-27T12:00:00-04:00"
    assert slots[second["id"]]["mine"] == "yes"
    assert (
        voter.post(
            f"/api/v1/polls/{poll['id']}/schedule/", {"slot": second["id"]}, "json"
        ).status_code
        == 403
    )
    response = _api(host).post(
        f"/api/v1/polls/{poll['id']}/schedule/", {"slot": second["id"]}, "json"
    )
    assert response.status_code == 200, response.json()
    meeting = Meeting.objects.get(pk=response.json()["meeting"])
    assert RSVP.objects.get(meeting=meeting, user=member).is_going


def test_members_cannot_propose_and_outsiders_do_not_see(host, community):
    member = make_member(community)
    assert _api(member).post("/api/v1/polls/", BODY, format="json").status_code == 403
    private = CommunityFactory(coordinator=host, slug="hush", visibility=Visibility.PRIVATE)
    poll = _api(host).post("/api/v1/polls/", {**BODY, "community": private.slug}, "json").json()
    stranger = _api(UserFactory())
    assert stranger.get(f"/api/v1/polls/{poll['id']}/").status_code == 404
    assert poll["id"] not in [p["id"] for p in stranger.get("/api/v1/polls/").json()["results"]]
    assert _api(host).get(f"/api/v1/polls/{poll['id']}/").status_code == 200


def test_bad_bodies_are_400(host, community):
    api = _api(host)
    assert api.post("/api/v1/polls/", {**BODY, "new_slots": []}, "json").status_code == 400
    past = {**BODY, "new_slots": ["2020-01-01T10:00:00Z"]}
    assert "slots" in api.post("/api/v1/polls/", past, "json").json()
    assert api.post("/api/v1/polls/", {**BODY, "community": None}, "json").status_code == 400


def test_close_a_poll_through_the_api(host, community):
    poll = _api(host).post("/api/v1/polls/", BODY, format="json").json()
    member = make_member(community)
    assert _api(member).post(f"/api/v1/polls/{poll['id']}/close/").status_code == 403
    response = _api(host).post(f"/api/v1/polls/{poll['id']}/close/")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    again = _api(host).post(f"/api/v1/polls/{poll['id']}/close/")
    assert again.status_code == 400 and "already decided or closed" in str(again.json())
