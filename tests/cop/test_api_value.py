"""Value stories, the value matrix and the health dashboard through the REST API: the
same services, form and snapshot as the pages."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, ParticipationKind, Role, Visibility
from cop.models import ValueStory
from cop.services.value import send_due_follow_ups, tell_value_story
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    PracticeEntryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db

STORY = {
    "community": "sre",
    "title": "The runbook that saved a night",
    "immediate": "Ben walked us through his failover runbook.",
    "applied": "I rewrote our alert thresholds.",
    "aspirational_ending": "Pages at night halve this quarter.",
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="sre", coordinator=coordinator)


def test_members_tell_value_stories_linked_to_what_they_came_from(api, community):
    narrator = make_member(community)
    now = timezone.now()
    meeting = MeetingFactory(
        community=community,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
    )
    entry = PracticeEntryFactory(community=community)
    api.force_authenticate(narrator)
    response = api.post(
        "/api/v1/value-stories/",
        {**STORY, "meetings": [meeting.pk], "entries": [entry.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["meetings"], body["entries"]) == ([meeting.pk], [entry.pk])
    assert body["narrator"]["id"] == narrator.pk
    assert body["url"].endswith(f"/c/sre/value/{body['id']}/")
    assert (
        narrator.memberships.get()
        .participation_events.filter(kind=ParticipationKind.TOLD_STORY)
        .exists()
    )


def test_value_story_input_is_checked_like_the_form(api, community):
    api.force_authenticate(make_member(community))
    elsewhere = PracticeEntryFactory()
    response = api.post("/api/v1/value-stories/", {"community": "sre", "title": ""}, format="json")
    assert response.status_code == 400
    assert {"title", "immediate"} <= set(response.json())
    response = api.post(
        "/api/v1/value-stories/", {**STORY, "entries": [elsewhere.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "entries" in response.json()
    assert not ValueStory.objects.exists()


def test_non_members_cannot_tell_value_stories(api, community):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/value-stories/", STORY, format="json")
    assert response.status_code == 403
    assert "Join the community" in response.json()["detail"]


def test_value_stories_of_private_communities_stay_private(api, coordinator):
    private = CommunityFactory(
        slug="hidden",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
        coordinator=coordinator,
    )
    story = tell_value_story(
        community=private, narrator=coordinator, title="Ours", immediate="We met."
    )
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/value-stories/").json()["results"] == []
    assert api.get(f"/api/v1/value-stories/{story.pk}/").status_code == 404
    api.force_authenticate(coordinator)
    listed = api.get("/api/v1/value-stories/", {"community": "hidden"}).json()["results"]
    assert [item["id"] for item in listed] == [story.pk]


def test_value_story_list_costs_a_fixed_number_of_queries(
    api, community, django_assert_max_num_queries
):
    for number in range(5):
        tell_value_story(
            community=community,
            narrator=make_member(community),
            title=f"Story {number}",
            immediate="It helped.",
        )
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/value-stories/").json()["results"]) == 5


def test_the_narrator_answers_a_follow_up(api, community):
    narrator = make_member(community)
    story = tell_value_story(
        community=community, narrator=narrator, title="T", immediate="I", aspirational_ending="E"
    )
    with time_machine.travel(story.created_at + timedelta(days=30, hours=1)):
        send_due_follow_ups()
    question = story.follow_ups.get()
    url = f"/api/v1/value-stories/{story.pk}/follow-ups/{question.pk}/"
    api.force_authenticate(make_member(community))
    refused = api.post(url, {"outcome": "happened"}, format="json")
    assert refused.status_code == 403
    assert "narrator" in refused.json()["detail"]
    api.force_authenticate(narrator)
    bad = api.post(url, {"outcome": "maybe"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()
    response = api.post(url, {"outcome": "partly", "note": "Down a third."}, format="json")
    assert response.status_code == 200
    answered = response.json()["follow_ups"][0]
    assert (answered["outcome"], answered["note"]) == ("partly", "Down a third.")
    assert api.post(f"/api/v1/value-stories/{story.pk}/follow-ups/999999/", {}).status_code == 404


# --- the coordinators' views ----------------------------------------------------------------


def test_value_matrix_for_coordinators(api, community, coordinator):
    tell_value_story(
        community=community,
        narrator=make_member(community),
        title="T",
        immediate="I",
        realized="R",
    )
    api.force_authenticate(coordinator)
    body = api.get("/api/v1/communities/sre/value-matrix/", {"period": "6m"}).json()
    assert body["period"] == "6m" and body["total"] == 1
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["realized"]["stories"] == 1 and rows["potential"]["stories"] == 0
    assert rows["immediate"]["examples"][0]["title"] == "T"
    assert set(body["outcomes"]) == {"happened", "partly", "not_yet", "no"}


def test_health_figures_and_series(api, community, coordinator):
    MembershipFactory.create_batch(3, community=community)
    api.force_authenticate(coordinator)
    health = api.get("/api/v1/communities/sre/health/").json()
    assert health["period"] == "90d"
    assert {"mix", "movements", "contributors", "concentration"} <= set(health["data"])
    assert "mix" in health["series"]
    mix = api.get("/api/v1/communities/sre/health/mix/").json()
    assert mix["columns"] == ["level", "count", "share"]
    assert sum(row[1] for row in mix["rows"]) == 4  # three members and the coordinator
    for name in health["series"]:
        assert api.get(f"/api/v1/communities/sre/health/{name}/").status_code == 200


def test_health_refuses_unknown_series_and_periods(api, community, coordinator):
    api.force_authenticate(coordinator)
    unknown = api.get("/api/v1/communities/sre/health/weather/")
    assert unknown.status_code == 404
    assert "mix" in unknown.json()["detail"]
    bad = api.get("/api/v1/communities/sre/health/", {"period": "forever"})
    assert bad.status_code == 400 and "period" in bad.json()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/communities/sre/health/", "/api/v1/communities/sre/health/mix/",
     "/api/v1/communities/sre/value-matrix/"],
)  # fmt: skip
def test_members_do_not_see_the_coordinators_views(api, community, path):
    api.force_authenticate(make_member(community, role=Role.MEMBER))
    response = api.get(path)
    assert response.status_code == 403
    assert "coordinators" in response.json()["detail"]


def test_health_reads_the_snapshot_in_a_fixed_number_of_queries(
    api, community, coordinator, django_assert_max_num_queries
):
    api.force_authenticate(coordinator)
    api.get("/api/v1/communities/sre/health/")  # stores the snapshot
    MembershipFactory.create_batch(10, community=community)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/communities/sre/health/").status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/communities/sre/health/contributors/").status_code == 200
