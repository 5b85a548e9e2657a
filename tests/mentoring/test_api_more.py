"""The rest of mentoring through the REST API: pausing an offer, explained matches,
coordinators assigning mentors and their overview, the onboarding checklist, and the
agreement, extension and feedback of a mentorship."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import ParticipationKind, Role
from cop.models import Membership
from cop.services.participation import record_participation
from mentoring import services
from mentoring.enums import MentorshipStatus, RequestStatus
from mentoring.models import MentorOffer, MentorRequest, OnboardingStep
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
def coordinator():
    return UserFactory(display_name="Cora")


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="sre", coordinator=coordinator)


@pytest.fixture
def topic(community):
    return TagFactory(community=community, name="Kubernetes", slug="kubernetes")


# --- offers ----------------------------------------------------------------------------------


def test_mentors_pause_and_resume_their_offer(api, community):
    mentor = make_mentor(community)
    offer = MentorOffer.objects.get(mentor=mentor)
    api.force_authenticate(mentor)
    assert api.post(f"/api/v1/mentor-offers/{offer.pk}/pause/").json()["paused"] is True
    assert api.post(f"/api/v1/mentor-offers/{offer.pk}/resume/").json()["paused"] is False
    api.force_authenticate(make_member(community))
    refused = api.post(f"/api/v1/mentor-offers/{offer.pk}/pause/")
    assert refused.status_code == 403
    assert "Only the mentor" in refused.json()["detail"]
    assert api.post("/api/v1/mentor-offers/999999999/pause/").status_code == 404


def test_matches_are_explained_and_send_nothing(api, community, topic):
    near = make_mentor(community, topics=[topic], timezone="Europe/Berlin", display_name="Near")
    make_mentor(community, timezone="Asia/Tokyo", display_name="Far")
    asker = make_member(community, timezone="Europe/Paris")
    api.force_authenticate(asker)
    response = api.get(
        "/api/v1/mentor-offers/matches/", {"community": "sre", "topics": "kubernetes"}
    )
    assert response.status_code == 200
    first = response.json()[0]
    assert first["mentor"]["id"] == near.pk
    assert first["common_topics"] == ["Kubernetes"]
    assert first["reasons"] and all({"text", "points"} <= set(r) for r in first["reasons"])
    assert not MentorRequest.objects.exists()


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [({}, 400, "community"), ({"community": "sre", "topics": "knitting"}, 400, "topics")],
)
def test_matches_refuse_bad_input(api, community, params, status, field):
    api.force_authenticate(make_member(community))
    response = api.get("/api/v1/mentor-offers/matches/", params)
    assert response.status_code == status
    assert field in response.json()


def test_matches_are_for_members(api, community):
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/mentor-offers/matches/", {"community": "sre"})
    assert response.status_code == 403


# --- coordinators ----------------------------------------------------------------------------


def _open_request(community):
    """A request nobody could take: it waits for the coordinators."""
    asker = make_member(community)
    return services.request_mentor(
        community=community,
        requester=asker,
        goals="Learn on-call",
        topics=[],
        cadence="fortnightly",
        timezone_name="Europe/Berlin",
    )


def test_coordinators_assign_a_mentor_and_see_the_overview(api, community, coordinator):
    waiting = _open_request(community)
    assert waiting.status == RequestStatus.OPEN
    mentor = make_mentor(community)
    api.force_authenticate(coordinator)
    overview = api.get("/api/v1/communities/sre/mentoring/").json()
    assert [r["id"] for r in overview["needs_mentor"]] == [waiting.pk]
    assert overview["completed_count"] == 0
    response = api.post(
        f"/api/v1/mentor-requests/{waiting.pk}/assign/", {"mentor": mentor.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["current_mentor"]["id"] == mentor.pk
    assert response.json()["status"] == RequestStatus.OFFERED


def test_assigning_needs_one_of_the_communitys_mentors(api, community, coordinator):
    waiting = _open_request(community)
    api.force_authenticate(coordinator)
    response = api.post(
        f"/api/v1/mentor-requests/{waiting.pk}/assign/",
        {"mentor": UserFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "mentors" in response.json()["mentor"]


def test_members_neither_assign_nor_see_the_overview(api, community):
    waiting = _open_request(community)
    member = make_member(community)
    api.force_authenticate(member)
    assert api.get("/api/v1/communities/sre/mentoring/").status_code == 403
    # The request is not theirs: they do not even see it.
    assert (
        api.post(f"/api/v1/mentor-requests/{waiting.pk}/assign/", {"mentor": 1}).status_code == 404
    )


# --- onboarding ------------------------------------------------------------------------------


def test_newcomers_see_and_tick_their_checklist(api, community):
    newcomer = make_member(community)
    api.force_authenticate(newcomer)
    steps = api.get("/api/v1/onboarding-steps/", {"community": "sre"}).json()
    assert steps and all(step["done"] is False for step in steps)
    manual = next(step for step in steps if not step["auto_kind"])
    ticked = api.post(f"/api/v1/onboarding-steps/{manual['id']}/tick/", {}, format="json").json()
    assert next(s for s in ticked if s["id"] == manual["id"])["how"] == "manual"
    unticked = api.post(
        f"/api/v1/onboarding-steps/{manual['id']}/tick/", {"done": False}, format="json"
    ).json()
    assert next(s for s in unticked if s["id"] == manual["id"])["done"] is False


def test_automatic_steps_tick_themselves(api, community):
    newcomer = make_member(community)
    api.force_authenticate(newcomer)
    record_participation(
        kind=ParticipationKind.INTRODUCED_SELF,
        user=newcomer,
        community=community,
        subject=Membership.objects.get(user=newcomer),
    )
    steps = api.get("/api/v1/onboarding-steps/", {"community": "sre"}).json()
    auto = [s for s in steps if s["auto_kind"] == ParticipationKind.INTRODUCED_SELF]
    assert auto and auto[0]["done"] and auto[0]["how"] == "auto"


def test_coordinators_edit_the_checklist(api, community, coordinator):
    api.force_authenticate(coordinator)
    created = api.post(
        "/api/v1/onboarding-steps/",
        {"community": "sre", "title": "Read the *runbook*", "auto_kind": ""},
        format="json",
    )
    assert created.status_code == 201, created.json()
    step = created.json()
    assert "<em>runbook</em>" not in step["description_html"]
    url = f"/api/v1/onboarding-steps/{step['id']}/"
    changed = api.patch(url, {"description": "The *runbook*"}, format="json").json()
    assert "<em>runbook</em>" in changed["description_html"]
    moved = api.post(f"{url}move/", {"direction": "up"}, format="json").json()
    titles = [s["title"] for s in moved]
    assert titles.index("Read the *runbook*") == len(titles) - 2
    assert api.delete(url).status_code == 204
    assert OnboardingStep.objects.get(pk=step["id"]).archived
    listed = api.get("/api/v1/onboarding-steps/", {"community": "sre"}).json()
    assert step["id"] not in [s["id"] for s in listed]
    assert api.patch(url, {"title": "Back"}, format="json").status_code == 404


def test_checklist_refusals_say_why(api, community):
    member = make_member(community, role=Role.MEMBER)
    step = services.ensure_onboarding_steps(community=community)[0]
    api.force_authenticate(member)
    refused = api.post(
        "/api/v1/onboarding-steps/", {"community": "sre", "title": "Mine"}, format="json"
    )
    assert refused.status_code == 403
    assert "coordinators" in refused.json()["detail"]
    bad_kind = api.post(
        f"/api/v1/onboarding-steps/{step.pk}/tick/", {"done": "maybe"}, format="json"
    )
    assert bad_kind.status_code == 400
    api.force_authenticate(UserFactory())
    outsider = api.get("/api/v1/onboarding-steps/", {"community": "sre"})
    assert outsider.status_code == 403
    assert "members" in outsider.json()["detail"]
    assert api.get("/api/v1/onboarding-steps/").status_code == 400


def test_checklist_costs_a_fixed_number_of_queries(api, community, django_assert_max_num_queries):
    newcomer = make_member(community)
    api.force_authenticate(newcomer)
    api.get("/api/v1/onboarding-steps/", {"community": "sre"})  # creates the default steps
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/onboarding-steps/", {"community": "sre"}).status_code == 200


# --- a mentorship's agreement, extension and feedback ----------------------------------------


def test_the_pair_changes_the_agreement_and_extends(api, community):
    mentor, mentee = make_member(community), make_member(community)
    mentorship = make_mentorship(community, mentor=mentor, mentee=mentee)
    api.force_authenticate(mentee)
    url = f"/api/v1/mentorships/{mentorship.pk}/"
    agreed = api.post(
        f"{url}agreement/",
        {"goals": "Run an *incident*", "cadence": "weekly", "share_checkins": True},
        format="json",
    )
    assert agreed.status_code == 200, agreed.json()
    assert agreed.json()["cadence"] == "weekly"
    mentorship.refresh_from_db()
    assert mentorship.share_checkins_with_coordinators
    later = (mentorship.end_date + timedelta(days=30)).isoformat()
    assert api.post(f"{url}extend/", {"end_date": later}, format="json").json()["end_date"] == later
    earlier = api.post(
        f"{url}extend/", {"end_date": timezone.localdate().isoformat()}, format="json"
    )
    assert earlier.status_code == 400
    assert "end_date" in earlier.json()


def test_feedback_comes_after_completion(api, community):
    mentor, mentee = make_member(community), make_member(community)
    mentorship = make_mentorship(community, mentor=mentor, mentee=mentee)
    api.force_authenticate(mentor)
    url = f"/api/v1/mentorships/{mentorship.pk}/feedback/"
    early = api.post(url, {"feedback": "Great"}, format="json")
    assert early.status_code == 400
    assert "completed" in str(early.json())
    mentorship.status = MentorshipStatus.COMPLETED
    mentorship.save(update_fields=["status"])
    assert api.post(url, {"feedback": "Great"}, format="json").status_code == 200
    mentorship.refresh_from_db()
    assert mentorship.mentor_feedback == "Great"


def test_only_the_pair_changes_a_mentorship(api, community, coordinator):
    mentor, mentee = make_member(community), make_member(community)
    mentorship = make_mentorship(community, mentor=mentor, mentee=mentee)
    api.force_authenticate(coordinator)
    response = api.post(
        f"/api/v1/mentorships/{mentorship.pk}/extend/", {"end_date": "2099-01-01"}, format="json"
    )
    assert response.status_code in (403, 404)
    assert response.json()["detail"]


def test_a_former_member_cannot_change_their_offer(api, community):
    mentor = make_mentor(community)
    offer = MentorOffer.objects.get(mentor=mentor)
    Membership.objects.filter(user=mentor).update(status="left")
    api.force_authenticate(mentor)
    refused = api.post(f"/api/v1/mentor-offers/{offer.pk}/pause/")
    assert refused.status_code == 403
    assert "active members" in refused.json()["detail"]
