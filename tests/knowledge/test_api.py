"""The knowledge part of the REST API, over the knowledge services, selectors and rules."""

import pytest
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Role, Visibility
from knowledge.enums import EntryStatus, ProblemStatus, TermStatus
from knowledge.models import (
    Endorsement,
    GlossaryTerm,
    PracticeEntry,
    Problem,
    Reply,
    Revision,
    Story,
)
from knowledge.services import entries, glossary, problems, stories
from knowledge.services import entries as entry_services
from knowledge.services import problems as problem_services
from knowledge.services.common import soft_delete
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
    make_member,
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
def private(coordinator):
    return CommunityFactory(
        slug="hidden",
        coordinator=coordinator,
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
    )


@pytest.fixture
def member(community):
    return make_member(community, display_name="Mo")


@pytest.fixture
def deploys(community):
    return TagFactory(community=community, name="Deploys", slug="deploys")


# --- problems ------------------------------------------------------------------------------


def test_member_posts_problem_from_contract_fields(api, community, member, deploys):
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/problems/",
        {
            "community": "sre",
            "title": "Rollbacks take an hour",
            "context": "We **rebuild** images <script>x()</script>",
            "tags": ["deploys"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    problem = Problem.objects.get(pk=body["id"])
    assert problem.author == member
    assert [t.name for t in problem.tags.all()] == ["Deploys"]
    assert body["tags"] == ["Deploys"]
    assert body["url"] == f"http://testserver/c/sre/knowledge/problems/{problem.pk}/"
    assert "<strong>rebuild</strong>" in body["context_html"]
    assert "<script>" not in body["context_html"]
    assert body["status"] == "open"
    assert body["reply_count"] == 0


def test_post_problem_refusals(api, community, member, private):
    api.force_authenticate(UserFactory())
    body = {"community": "sre", "title": "T", "context": "C"}
    response = api.post("/api/v1/problems/", body, format="json")
    assert response.status_code == 403
    assert "members" in response.json()["detail"]
    response = api.post("/api/v1/problems/", {**body, "community": "hidden"}, format="json")
    assert response.status_code == 404
    api.force_authenticate(member)
    response = api.post("/api/v1/problems/", {**body, "tags": ["nonsense"]}, format="json")
    assert response.status_code == 400
    assert "nonsense" in str(response.json()["tags"])
    response = api.post("/api/v1/problems/", {**body, "context": ""}, format="json")
    assert response.status_code == 400
    assert not Problem.objects.exists()


def test_problem_list_filters_and_hides_private_and_deleted(api, community, private, member):
    open_one = ProblemFactory(community=community, title="Open one")
    ProblemFactory(community=community, title="Solved one", status=ProblemStatus.SOLVED)
    ProblemFactory(community=private, title="Secret")
    gone = ProblemFactory(community=community, title="Gone")
    problem_services_soft_delete(gone, member)
    titles = [p["title"] for p in api.get("/api/v1/problems/").json()["results"]]
    assert sorted(titles) == ["Open one", "Solved one"]
    results = api.get("/api/v1/problems/", {"status": "open"}).json()["results"]
    assert [p["id"] for p in results] == [open_one.pk]
    secret = Problem.objects.get(title="Secret")
    response = api.get(f"/api/v1/problems/{secret.pk}/")
    assert response.status_code == 404
    assert api.get(f"/api/v1/problems/{gone.pk}/").status_code == 404


def problem_services_soft_delete(problem, by):

    problem.author = by
    problem.save(update_fields=["author"])
    soft_delete(item=problem, by=by)


def test_replies_listed_and_posted(api, community, member):
    problem = ProblemFactory(community=community, author=member)
    ReplyFactory(problem=problem, body="Use *blue/green*")
    response = api.get(f"/api/v1/problems/{problem.pk}/replies/")
    assert response.status_code == 200
    assert response.json()[0]["body_html"] == "<p>Use <em>blue/green</em></p>\n"
    replier = make_member(community)
    api.force_authenticate(replier)
    response = api.post(
        f"/api/v1/problems/{problem.pk}/replies/", {"body": "Pin the image"}, format="json"
    )
    assert response.status_code == 201, response.content
    reply = Reply.objects.get(pk=response.json()["id"])
    assert reply.author == replier
    assert response.json()["url"].endswith(f"/knowledge/problems/{problem.pk}/#reply-{reply.pk}")
    assert member.notifications.filter(kind="reply").exists()
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/v1/problems/{problem.pk}/replies/", {"body": "Hi"}, format="json")
    assert response.status_code == 403


def test_accept_by_asker_or_coordinator_only(api, community, member, coordinator):
    problem = ProblemFactory(community=community, author=member)
    replier = make_member(community)
    reply = problem_services.post_reply(problem=problem, author=replier, body="Try this")
    url = f"/api/v1/problems/{problem.pk}/accept/"
    api.force_authenticate(replier)
    response = api.post(url, {"reply": reply.pk}, format="json")
    assert response.status_code == 403
    assert "asked" in response.json()["detail"]
    api.force_authenticate(member)
    response = api.post(url, {"reply": reply.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["is_solution"] is True
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SOLVED
    other = ReplyFactory(problem=ProblemFactory(community=community))
    response = api.post(url, {"reply": other.pk}, format="json")
    assert response.status_code == 400
    assert api.post(url, {"reply": 999999}, format="json").status_code == 404


# --- stories -------------------------------------------------------------------------------


def test_story_told_and_listed(api, community, member, deploys):
    problem = ProblemFactory(community=community)
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/stories/",
        {
            "community": "sre",
            "title": "The 3am page",
            "situation": "Disk full",
            "action": "Rotated logs",
            "outcome": "Back up",
            "lesson": "Alert on **growth**",
            "tags": ["Deploys"],
            "problem": problem.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    story = Story.objects.get(pk=response.json()["id"])
    assert story.problem == problem
    assert response.json()["lesson_html"] == "<p>Alert on <strong>growth</strong></p>\n"
    listed = api.get("/api/v1/stories/", {"community": "sre"}).json()["results"]
    assert [s["id"] for s in listed] == [story.pk]
    foreign = ProblemFactory()
    response = api.post(
        "/api/v1/stories/",
        {"community": "sre", "title": "T", "situation": "S", "action": "A", "outcome": "O",
         "problem": foreign.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "problem" in response.json()


# --- practices -----------------------------------------------------------------------------


def test_practice_written_endorsed_and_validated_by_expert(api, community, member, coordinator):
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/practices/",
        {"community": "sre", "title": "Roll back", "body": "1. Find tag", "publish": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = PracticeEntry.objects.get(pk=response.json()["id"])
    assert entry.status == EntryStatus.NOT_VALIDATED
    url = f"/api/v1/practices/{entry.pk}/validate/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 403, "the author cannot endorse their own practice"
    peer = make_member(community)
    api.force_authenticate(peer)
    response = api.post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["endorsement_count"] == 1
    assert Endorsement.objects.filter(entry=entry, user=peer).exists()
    response = api.post(url, {"expert": True}, format="json")
    assert response.status_code == 403
    api.force_authenticate(coordinator)
    response = api.post(url, {"expert": True, "comment": "Works"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "validated"


def test_practice_revisions_newest_first_with_diff(api, community, member):
    entry = entry_services.write_entry(
        community=community, author=member, title="Roll back", body="one\ntwo", publish=True
    )
    entry_services.edit_entry(entry=entry, by=member, title="Roll back", body="one\nthree")
    response = api.get(f"/api/v1/practices/{entry.pk}/revisions/")
    assert response.status_code == 200
    revisions = response.json()
    assert [r["number"] for r in revisions] == [2, 1]
    assert "-two" in revisions[0]["diff"]
    assert "+three" in revisions[0]["diff"]
    assert revisions[0]["author"] == {"id": member.pk, "name": member.name}


def test_private_practice_is_404_to_outsiders(api, private):
    entry = PracticeEntryFactory(community=private)
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/practices/{entry.pk}/").status_code == 404
    assert api.get(f"/api/v1/practices/{entry.pk}/revisions/").status_code == 404
    assert api.post(f"/api/v1/practices/{entry.pk}/validate/", {}).status_code == 404
    assert api.get("/api/v1/practices/").json()["results"] == []


# --- glossary and search -------------------------------------------------------------------


def test_glossary_proposed_by_member_accepted_for_coordinator(api, community, member, coordinator):
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/glossary/",
        {"community": "sre", "term": "Toil", "definition": "Manual, *repetitive* work"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "proposed"
    assert response.json()["definition_html"] == "<p>Manual, <em>repetitive</em> work</p>\n"
    response = api.post(
        "/api/v1/glossary/",
        {"community": "sre", "term": "toil", "definition": "Again"},
        format="json",
    )
    assert response.status_code == 400
    assert "term" in response.json()
    api.force_authenticate(coordinator)
    response = api.post(
        "/api/v1/glossary/",
        {"community": "sre", "term": "SLO", "definition": "A target"},
        format="json",
    )
    assert response.json()["status"] == "accepted"
    terms = api.get("/api/v1/glossary/", {"community": "sre"}).json()["results"]
    assert [t["term"] for t in terms] == ["SLO", "Toil"]
    assert GlossaryTerm.objects.count() == 2


def test_search_finds_visible_items_only(api, community, private, member, coordinator):
    problem_services.ask_problem(
        community=community, author=member, title="Kubernetes upgrades", context="Nodes drain"
    )
    hidden_member = make_member(private, role=Role.MEMBER)
    problem_services.ask_problem(
        community=private, author=hidden_member, title="Kubernetes secrets", context="Vault"
    )
    response = api.get("/api/v1/search/", {"q": "kubernetes"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["title"] for r in results] == ["Kubernetes upgrades"]
    assert results[0]["kind"] == "problem"
    assert results[0]["community"] == "sre"
    assert results[0]["url"].startswith("http://testserver/c/sre/knowledge/problems/")
    api.force_authenticate(hidden_member)
    titles = {r["title"] for r in api.get("/api/v1/search/", {"q": "kubernetes"}).json()["results"]}
    assert titles == {"Kubernetes upgrades", "Kubernetes secrets"}
    assert api.get("/api/v1/search/", {"q": ""}).json()["results"] == []
    assert api.get("/api/v1/search/", {"q": "x", "kind": "bogus"}).status_code == 400


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 12])
def test_problem_list_query_count_is_constant(
    api, community, deploys, count, django_assert_num_queries
):
    for _ in range(count):
        problem = ProblemFactory(community=community)
        problem.tags.set([deploys])
        ReplyFactory(problem=problem)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/problems/")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 12])
def test_practice_list_query_count_is_constant(
    api, community, deploys, count, django_assert_num_queries
):
    for _ in range(count):
        entry = PracticeEntryFactory(community=community)
        entry.tags.set([deploys])
    with django_assert_num_queries(2):
        response = api.get("/api/v1/practices/")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 12])
def test_story_list_query_count_is_constant(
    api, community, deploys, count, django_assert_num_queries
):
    for _ in range(count):
        StoryFactory(community=community).tags.set([deploys])
    with django_assert_num_queries(2):
        response = api.get("/api/v1/stories/")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/problems/?community=a%00b",
        "/api/v1/practices/?tag=a%00b",
        "/api/v1/search/?q=x&community=a%00b",
        "/api/v1/meetings/?community=a%00b",
        "/api/v1/mentor-offers/?community=a%00b",
    ],
)
def test_bad_slug_parameters_are_400_with_reason(api, path):
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()


def test_delete_is_soft_and_only_for_author_or_coordinator():

    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community)
    story = StoryFactory(community=community, author=author)
    api = APIClient()
    api.force_authenticate(make_member(community))
    refused = api.delete(f"/api/v1/stories/{story.pk}/")
    assert refused.status_code == 403 and refused.json()["detail"]
    api.force_authenticate(author)
    assert api.delete(f"/api/v1/stories/{story.pk}/").status_code == 204
    assert Story.objects.get(pk=story.pk).deleted_at is not None
    assert api.get(f"/api/v1/stories/{story.pk}/").status_code == 404


def test_practice_status_change_and_glossary_accept():

    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community)
    entry = entries.write_entry(community=community, author=author, title="T", body="B")
    api = APIClient()
    api.force_authenticate(author)
    response = api.post(
        f"/api/v1/practices/{entry.pk}/status/", {"status": "not_validated"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == EntryStatus.NOT_VALIDATED
    bad = api.post(f"/api/v1/practices/{entry.pk}/status/", {"status": "validated"}, format="json")
    assert bad.status_code == 400

    term = glossary.propose_term(community=community, by=author, term="SLO", definition="d")
    assert api.post(f"/api/v1/glossary/{term.pk}/accept/").status_code == 403
    api.force_authenticate(coordinator)
    assert api.post(f"/api/v1/glossary/{term.pk}/accept/").json()["status"] == "accepted"
    assert GlossaryTerm.objects.get(pk=term.pk).status == TermStatus.ACCEPTED


def test_author_edits_problem_story_and_practice_by_patch():

    community = CommunityFactory(coordinator=UserFactory())
    author = make_member(community)
    problem = problems.ask_problem(community=community, author=author, title="Q", context="c")
    story = stories.tell_story(
        community=community, author=author, title="S", situation="s", action="", outcome=""
    )
    entry = entries.write_entry(community=community, author=author, title="P", body="v1")
    api = APIClient()
    api.force_authenticate(make_member(community))
    assert (
        api.patch(f"/api/v1/problems/{problem.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )
    api.force_authenticate(author)
    response = api.patch(f"/api/v1/problems/{problem.pk}/", {"title": "Q2"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Q2"
    assert Problem.objects.get(pk=problem.pk).context == "c"
    assert (
        api.patch(f"/api/v1/stories/{story.pk}/", {"lesson": "L"}, format="json").json()["lesson"]
        == "L"
    )
    response = api.patch(f"/api/v1/practices/{entry.pk}/", {"body": "v2"}, format="json")
    assert response.status_code == 200
    assert PracticeEntry.objects.get(pk=entry.pk).body == "v2"
    assert Revision.objects.filter(entry=entry).count() == 2
