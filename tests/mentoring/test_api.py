"""The mentoring part of the REST API, over the mentoring services and rules."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Visibility
from mentoring import services
from mentoring.enums import RequestStatus
from mentoring.models import CheckIn, MentorOffer, MentorRequest, Mentorship
from tests.factories import (
    CommunityFactory,
    TagFactory,
    UserFactory,
    make_member,
    make_mentor,
    make_mentorship,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def community():
    return CommunityFactory(slug="sre", coordinator=UserFactory())


@pytest.fixture
def topic(community):
    return TagFactory(community=community, name="Kubernetes", slug="kubernetes")


def test_member_offers_mentoring_and_appears_in_directory(api, community, topic):
    member = make_member(community)
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/mentor-offers/",
        {"community": "sre", "topics": ["kubernetes"], "capacity": 3, "timezone": "Europe/Paris"},
        format="json",
    )
    assert response.status_code == 201, response.content
    offer = MentorOffer.objects.get(mentor=member)
    assert offer.capacity == 3
    assert [t.name for t in offer.topics.all()] == ["Kubernetes"]
    listed = api.get("/api/v1/mentor-offers/", {"community": "sre"}).json()["results"]
    assert [o["mentor"]["id"] for o in listed] == [member.pk]
    assert listed[0]["topics"] == ["Kubernetes"]
    response = api.get("/api/v1/mentor-offers/")
    assert response.status_code == 400
    assert "community" in response.json()


def test_offer_refused_to_non_members_and_private_is_404(api, community):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/mentor-offers/", {"community": "sre"}, format="json")
    assert response.status_code == 403
    CommunityFactory(
        slug="hidden", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.INVITATION
    )
    assert api.get("/api/v1/mentor-offers/", {"community": "hidden"}).status_code == 404


def test_request_goes_to_mentor_who_accepts_and_logs_check_in(api, community, topic):
    mentor = make_mentor(community, topics=[topic])
    mentee = make_member(community)
    api.force_authenticate(mentee)
    response = api.post(
        "/api/v1/mentor-requests/",
        {"community": "sre", "goals": "Learn **k8s**", "topics": ["Kubernetes"],
         "cadence": "weekly", "timezone": "Europe/Berlin"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == RequestStatus.OFFERED
    assert body["current_mentor"]["id"] == mentor.pk
    assert body["goals_html"] == "<p>Learn <strong>k8s</strong></p>\n"
    pk = body["id"]
    assert api.post(f"/api/v1/mentor-requests/{pk}/accept/").status_code == 403
    api.force_authenticate(mentor)
    assert [r["id"] for r in api.get("/api/v1/mentor-requests/").json()["results"]] == [pk]
    response = api.post(f"/api/v1/mentor-requests/{pk}/accept/")
    assert response.status_code == 201, response.content
    mentorship = Mentorship.objects.get(pk=response.json()["id"])
    assert mentorship.mentee == mentee
    url = f"/api/v1/mentorships/{mentorship.pk}/check-ins/"
    response = api.post(
        url, {"date": timezone.localdate().isoformat(), "notes": "Talked *pods*"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert CheckIn.objects.filter(mentorship=mentorship, author=mentor).exists()
    api.force_authenticate(mentee)
    checkins = api.get(url).json()
    assert checkins[0]["notes_html"] == "<p>Talked <em>pods</em></p>\n"
    assert [m["id"] for m in api.get("/api/v1/mentorships/").json()["results"]] == [mentorship.pk]


def test_decline_passes_request_on(api, community, topic):
    first = make_mentor(community, topics=[topic])
    make_mentor(community, topics=[topic])
    mentee = make_member(community)

    request = services.request_mentor(
        community=community, requester=mentee, goals="Grow", topics=[topic],
        cadence="monthly", timezone_name="Europe/Berlin", mentor=first,
    )  # fmt: skip
    api.force_authenticate(first)
    response = api.post(
        f"/api/v1/mentor-requests/{request.pk}/decline/", {"message": "Busy"}, format="json"
    )
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert request.current_mentor_id not in (None, first.pk)


def test_outsiders_get_404_for_requests_and_mentorships(api, community):
    mentor, mentee = make_member(community), make_member(community)
    mentorship = make_mentorship(community, mentor=mentor, mentee=mentee)
    request = MentorRequest.objects.get(mentorship=mentorship)
    api.force_authenticate(make_member(community))
    assert api.get(f"/api/v1/mentorships/{mentorship.pk}/").status_code == 404
    assert api.get(f"/api/v1/mentorships/{mentorship.pk}/check-ins/").status_code == 404
    assert api.get(f"/api/v1/mentor-requests/{request.pk}/").status_code == 404
    assert api.get("/api/v1/mentorships/").json()["results"] == []


def test_check_in_in_the_future_is_400(api, community):
    mentor, mentee = make_member(community), make_member(community)
    mentorship = make_mentorship(community, mentor=mentor, mentee=mentee)
    api.force_authenticate(mentee)
    response = api.post(
        f"/api/v1/mentorships/{mentorship.pk}/check-ins/",
        {"date": (timezone.localdate() + timedelta(days=5)).isoformat(), "notes": "Soon"},
        format="json",
    )
    assert response.status_code == 400
    assert "date" in response.json()


def test_requester_withdraws_and_pair_pauses_resumes_completes(api, community, topic):

    mentor = make_mentor(community, topics=[topic])
    mentee = make_member(community)
    request = services.request_mentor(
        community=community, requester=mentee, goals="Grow", topics=[topic],
        cadence="monthly", timezone_name="Europe/Berlin", mentor=mentor,
    )  # fmt: skip
    api.force_authenticate(mentor)
    assert api.post(f"/api/v1/mentor-requests/{request.pk}/withdraw/").status_code == 403
    api.force_authenticate(mentee)
    withdrawn = api.post(f"/api/v1/mentor-requests/{request.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"

    mentorship = make_mentorship(community, mentor=mentor, mentee=make_member(community))
    api.force_authenticate(make_member(community))
    assert api.post(f"/api/v1/mentorships/{mentorship.pk}/pause/").status_code == 404
    api.force_authenticate(mentor)
    assert api.post(f"/api/v1/mentorships/{mentorship.pk}/pause/").json()["status"] == "paused"
    assert api.post(f"/api/v1/mentorships/{mentorship.pk}/resume/").json()["status"] == "active"
    done = api.post(
        f"/api/v1/mentorships/{mentorship.pk}/complete/",
        {"reflection": "We met our goals."},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert Mentorship.objects.get(pk=mentorship.pk).reflection == "We met our goals."
