"""Looking after knowledge through the REST API: taking back a solution, replies,
endorsements, notes beside a practice, reverting, promoting a problem into a practice,
and deleting and restoring; the same services and rules as the pages."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Role, Visibility
from knowledge.enums import EntryStatus, ProblemStatus
from knowledge.models import Endorsement, PracticeEntry, Reply
from knowledge.services import entries as entry_services
from knowledge.services import problems as problem_services
from knowledge.services.common import soft_delete
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="sre", coordinator=coordinator)


@pytest.fixture
def asker(community):
    return make_member(community)


@pytest.fixture
def helper(community):
    return make_member(community)


@pytest.fixture
def solved(community, asker, helper):
    problem = ProblemFactory(community=community, author=asker)
    reply = ReplyFactory(problem=problem, author=helper, body="Pin the base image.")
    problem_services.accept_solution(reply=reply, by=asker)
    return problem, reply


# --- solutions ------------------------------------------------------------------------------


def test_taking_back_a_solution_reopens_the_problem(api, solved, asker):
    problem, reply = solved
    api.force_authenticate(asker)
    response = api.post(
        f"/api/v1/problems/{problem.pk}/unaccept/", {"reply": reply.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_solution"] is False
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_only_the_asker_or_a_coordinator_takes_a_solution_back(api, solved, helper):
    problem, reply = solved
    api.force_authenticate(helper)
    response = api.post(
        f"/api/v1/problems/{problem.pk}/unaccept/", {"reply": reply.pk}, format="json"
    )
    assert response.status_code == 403
    assert "person who asked" in response.json()["detail"]


def test_unaccept_refuses_a_reply_of_another_problem(api, solved, asker, community):
    problem, _reply = solved
    other = ReplyFactory(problem=ProblemFactory(community=community))
    api.force_authenticate(asker)
    response = api.post(
        f"/api/v1/problems/{problem.pk}/unaccept/", {"reply": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "another problem" in str(response.json())


# --- replies ---------------------------------------------------------------------------------


def test_a_reply_is_read_edited_by_its_author_and_deleted(api, solved, helper, asker):
    _problem, reply = solved
    url = f"/api/v1/replies/{reply.pk}/"
    assert api.get(url).json()["body"] == "Pin the base image."
    api.force_authenticate(asker)
    refused = api.patch(url, {"body": "Mine now"}, format="json")
    assert refused.status_code == 403
    assert "author" in refused.json()["detail"]
    api.force_authenticate(helper)
    response = api.patch(url, {"body": "Pin the *base* image."}, format="json")
    assert response.status_code == 200
    assert "<em>base</em>" in response.json()["body_html"]
    blank = api.patch(url, {"body": "  "}, format="json")
    assert blank.status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert Reply.objects.get(pk=reply.pk).body == "Pin the *base* image."  # nothing lost


def test_endorsing_a_solution_and_taking_it_back(api, solved, community, helper):
    _problem, reply = solved
    url = f"/api/v1/replies/{reply.pk}/endorse/"
    other = make_member(community)
    api.force_authenticate(other)
    assert api.post(url).json()["endorsement_count"] == 1
    assert api.post(url).json()["endorsement_count"] == 1  # once per person
    assert api.delete(url).json()["endorsement_count"] == 0
    api.force_authenticate(helper)
    refused = api.post(url)
    assert refused.status_code == 403
    assert "other than the author" in refused.json()["detail"]


def test_an_unaccepted_reply_cannot_be_endorsed(api, community, helper):
    reply = ReplyFactory(problem=ProblemFactory(community=community), author=helper)
    api.force_authenticate(make_member(community))
    response = api.post(f"/api/v1/replies/{reply.pk}/endorse/")
    assert response.status_code == 400
    assert "accepted solution" in str(response.json())


def test_replies_of_a_private_community_are_404_to_outsiders(api, coordinator):

    private = CommunityFactory(
        visibility=Visibility.PRIVATE, join_policy=JoinPolicy.INVITATION, coordinator=coordinator
    )
    reply = ReplyFactory(problem=ProblemFactory(community=private))
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/replies/{reply.pk}/").status_code == 404
    assert api.get("/api/v1/replies/999999999999/").status_code == 404


# --- practices: withdrawing "this worked for me", notes, revert -----------------------------


def test_withdrawing_this_worked_for_me(api, community, helper):
    entry = PracticeEntryFactory(community=community)
    api.force_authenticate(helper)
    url = f"/api/v1/practices/{entry.pk}/validate/"
    assert api.post(url, {}, format="json").json()["endorsement_count"] == 1
    assert api.delete(url).json()["endorsement_count"] == 0
    assert not Endorsement.objects.filter(user=helper).exists()


def test_notes_beside_a_practice(api, community, helper):
    entry = PracticeEntryFactory(community=community)
    url = f"/api/v1/practices/{entry.pk}/notes/"
    api.force_authenticate(helper)
    response = api.post(
        url, {"kind": "dissent", "body": "We **stopped** doing this."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "dissent"
    assert "<strong>stopped</strong>" in response.json()["body_html"]
    api.force_authenticate(None)
    notes = api.get(url).json()
    assert [note["author"]["id"] for note in notes] == [helper.pk]


@pytest.mark.parametrize(
    ("body", "field"), [({"kind": "rant", "body": "x"}, "kind"), ({"body": ""}, "body")]
)
def test_bad_notes_are_400(api, community, helper, body, field):
    entry = PracticeEntryFactory(community=community)
    api.force_authenticate(helper)
    response = api.post(f"/api/v1/practices/{entry.pk}/notes/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_outsiders_cannot_add_notes(api, community):
    entry = PracticeEntryFactory(community=community)
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/v1/practices/{entry.pk}/notes/", {"body": "Hi"}, format="json")
    assert response.status_code == 403
    assert "members" in response.json()["detail"]
    api.force_authenticate(None)
    assert api.post(f"/api/v1/practices/{entry.pk}/notes/", {"body": "Hi"}).status_code == 401


def test_reverting_a_practice_keeps_every_version(api, community, helper):
    entry = entry_services.write_entry(
        community=community, author=helper, title="Roll back", body="Version one.", publish=True
    )
    entry_services.edit_entry(entry=entry, by=helper, title="Roll back", body="Version two.")
    api.force_authenticate(helper)
    url = f"/api/v1/practices/{entry.pk}/revert/"
    response = api.post(url, {"revision": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["number"] == 3
    entry.refresh_from_db()
    assert entry.body == "Version one."
    same = api.post(url, {"revision": 1}, format="json")
    assert same.status_code == 400
    assert "already reads like" in str(same.json())
    missing = api.post(url, {"revision": 99}, format="json")
    assert missing.status_code == 400
    api.force_authenticate(make_member(community))
    refused = api.post(url, {"revision": 2}, format="json")
    assert refused.status_code == 403


# --- promoting a solved problem -------------------------------------------------------------


def test_promoting_a_solved_problem_into_a_draft_practice(api, solved, asker):
    problem, _reply = solved
    api.force_authenticate(asker)
    url = f"/api/v1/problems/{problem.pk}/promote/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == problem.title
    assert body["status"] == EntryStatus.DRAFT
    assert "Pin the base image." in body["body"]
    assert PracticeEntry.objects.get(pk=body["id"]).source_problem == problem
    again = api.post(url, {}, format="json")
    assert again.status_code == 400
    assert "already become a practice" in str(again.json())


def test_an_open_problem_cannot_be_promoted(api, community, asker):
    problem = ProblemFactory(community=community, author=asker)
    api.force_authenticate(asker)
    response = api.post(f"/api/v1/problems/{problem.pk}/promote/", {"title": "X"}, format="json")
    assert response.status_code == 400
    assert "solved" in str(response.json())


def test_only_the_asker_or_a_coordinator_promotes(api, solved, helper):
    problem, _reply = solved
    api.force_authenticate(helper)
    response = api.post(f"/api/v1/problems/{problem.pk}/promote/", {}, format="json")
    assert response.status_code == 403


# --- deleted items ---------------------------------------------------------------------------


def test_coordinators_see_and_restore_deleted_items(api, community, coordinator, helper):
    story = StoryFactory(community=community, author=helper)
    reply = ReplyFactory(problem=ProblemFactory(community=community), author=helper)
    soft_delete(item=story, by=helper)
    soft_delete(item=reply, by=helper)
    api.force_authenticate(coordinator)
    listed = api.get(f"/api/v1/communities/{community.slug}/deleted/").json()
    assert [item["id"] for item in listed["stories"]] == [story.pk]
    assert [item["id"] for item in listed["replies"]] == [reply.pk]
    assert listed["practices"] == [] and listed["problems"] == []
    assert api.get(f"/api/v1/stories/{story.pk}/").status_code == 404
    restored = api.post(f"/api/v1/stories/{story.pk}/restore/")
    assert restored.status_code == 200
    assert restored.json()["id"] == story.pk
    assert api.get(f"/api/v1/stories/{story.pk}/").status_code == 200
    assert api.post(f"/api/v1/replies/{reply.pk}/restore/").status_code == 200


def test_members_cannot_restore_or_list_deleted_items(api, community, helper):
    story = StoryFactory(community=community, author=helper)
    soft_delete(item=story, by=helper)
    member = make_member(community, role=Role.MEMBER)
    api.force_authenticate(member)
    listed = api.get(f"/api/v1/communities/{community.slug}/deleted/")
    assert listed.status_code == 403
    refused = api.post(f"/api/v1/stories/{story.pk}/restore/")
    assert refused.status_code == 403
    assert "coordinator" in refused.json()["detail"]


def test_deleted_list_costs_a_fixed_number_of_queries(
    api, community, coordinator, helper, django_assert_max_num_queries
):
    for _ in range(4):
        soft_delete(item=StoryFactory(community=community, author=helper), by=helper)
        soft_delete(item=ReplyFactory(problem=ProblemFactory(community=community)), by=coordinator)
    api.force_authenticate(coordinator)
    with django_assert_max_num_queries(8):
        assert api.get(f"/api/v1/communities/{community.slug}/deleted/").status_code == 200


# --- stories told at a meeting ---------------------------------------------------------------


def test_a_story_links_the_meeting_it_was_told_at(api, community, helper):

    now = timezone.now()
    held = MeetingFactory(
        community=community,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-1),
    )
    coming = MeetingFactory(community=community)
    api.force_authenticate(helper)
    story = {
        "community": community.slug,
        "title": "Told at the review",
        "situation": "A disk filled up.",
        "action": "We rotated logs.",
        "outcome": "Back in ten minutes.",
    }
    response = api.post("/api/v1/stories/", {**story, "meeting": held.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["meeting"] == held.pk
    refused = api.post("/api/v1/stories/", {**story, "meeting": coming.pk}, format="json")
    assert refused.status_code == 400
    assert "meeting" in refused.json()


# --- the repertoire export ------------------------------------------------------------------


def test_coordinators_export_the_repertoire_as_a_zip(api, community, coordinator, helper):

    StoryFactory(community=community, author=helper, title="The night the pager rang")
    api.force_authenticate(coordinator)
    response = api.get(f"/api/v1/communities/{community.slug}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "LICENSE" in names and any(name.startswith("stories/") for name in names)
    api.force_authenticate(helper)
    refused = api.get(f"/api/v1/communities/{community.slug}/export/")
    assert refused.status_code == 403
    assert "coordinators" in refused.json()["detail"]
