"""Similar problems on the pages and in the API, and the coordinators' merge of a
duplicate problem: what is shown, to whom, and what a merge moves."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cop.enums import AuditAction, ParticipationKind, Role, Visibility
from cop.models import AuditEntry, Notification, ParticipationEvent
from knowledge.enums import ProblemStatus
from knowledge.models import Problem, Reply, SearchDocument
from knowledge.search import search
from knowledge.services import problems
from meetings.models import AgendaItem
from tests.concurrency import all_at_once
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _ask(community, title, *, author=None, solved=False):
    author = author or make_member(community)
    problem = problems.ask_problem(community=community, author=author, title=title, context="…")
    if solved:
        reply = problems.post_reply(problem=problem, author=make_member(community), body="Do X.")
        problems.accept_solution(reply=reply, by=author)
    return problem


def _url(name, community, **kwargs):
    return reverse(f"knowledge:{name}", kwargs={"slug": community.slug, **kwargs})


# --- the form's box ---------------------------------------------------------------------


def test_typing_a_title_shows_similar_problems_with_reasons(client):
    community = CommunityFactory()
    original = _ask(community, "Docker image builds take 20 minutes", solved=True)
    response = client.get(_url("problem_similar", community), {"title": "Slow docker builds"})
    html = response.content.decode()
    assert response.status_code == 200
    assert original.get_absolute_url() in html
    assert "Shares the words “docker”, “builds”" in html
    assert "Solved problem" in html


def test_similar_box_says_so_when_nothing_matches(client):
    community = CommunityFactory()
    _ask(community, "Docker image builds take 20 minutes")
    response = client.get(_url("problem_similar", community), {"title": "Choosing a picnic spot"})
    assert "Nothing similar found yet" in response.content.decode()


def test_similar_box_of_a_private_community_is_404_to_outsiders(client):
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    _ask(private, "Secret vault rotation")
    client.force_login(UserFactory())
    response = client.get(_url("problem_similar", private), {"title": "secret vault rotation"})
    assert response.status_code == 404


def test_similar_box_never_shows_a_private_problem_in_a_public_community(client):
    public, private = CommunityFactory(), CommunityFactory(visibility=Visibility.PRIVATE)
    _ask(private, "Secret vault rotation schedule")
    client.force_login(UserFactory())
    response = client.get(_url("problem_similar", public), {"title": "vault rotation schedule"})
    assert "Secret vault" not in response.content.decode()


def test_a_close_duplicate_is_held_once_then_posted(client):
    community = CommunityFactory()
    original = _ask(community, "Flaky integration tests on CI", solved=True)
    client.force_login(make_member(community))
    data = {"title": "Flaky integration tests on CI", "context": "They fail at random."}
    response = client.post(_url("problem_create", community), {**data, "save": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Before you post" in html and original.get_absolute_url() in html
    assert 'name="seen_similar"' in html
    assert Problem.objects.count() == 1
    response = client.post(
        _url("problem_create", community), {**data, "save": "1", "seen_similar": "1"}
    )
    assert response.status_code == 302
    assert Problem.objects.count() == 2


def test_a_new_title_is_posted_at_once(client):
    community = CommunityFactory()
    _ask(community, "Flaky integration tests on CI")
    client.force_login(make_member(community))
    response = client.post(
        _url("problem_create", community),
        {"title": "Choosing a venue for the summer meetup", "context": "Ideas?", "save": "1"},
    )
    assert response.status_code == 302
    assert Problem.objects.count() == 2


# --- the problem's page -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_problem_page_lists_related_items_in_fixed_queries(
    client, count, django_assert_max_num_queries
):
    community = CommunityFactory()
    problem = _ask(community, "Backups of the wiki fail every night")
    for n in range(count):
        _ask(community, f"Wiki backups failing again {n}")
    client.force_login(make_member(community))
    client.get(problem.get_absolute_url())
    with django_assert_max_num_queries(24):
        response = client.get(problem.get_absolute_url())
    html = response.content.decode()
    assert "Related problems and practices" in html
    assert html.count('class="suggestion"') == min(count, 5)
    related = html.split("Related problems and practices")[1].split("</section>")[0]
    assert problem.title not in related


def test_related_merge_link_only_for_coordinators(client):
    community = CommunityFactory()
    problem = _ask(community, "Backups of the wiki fail every night")
    other = _ask(community, "Wiki backups fail at night")
    merge = _url("problem_merge", community, pk=problem.pk) + f"?into={other.pk}"
    client.force_login(make_member(community))
    assert merge not in client.get(problem.get_absolute_url()).content.decode()
    client.force_login(make_member(community, role=Role.COORDINATOR))
    assert merge in client.get(problem.get_absolute_url()).content.decode()


# --- the API ------------------------------------------------------------------------------


def test_api_similar_ranks_with_reasons(client):
    community = CommunityFactory()
    original = _ask(community, "TLS certificate expired and took the site down", solved=True)
    _ask(community, "Choosing a certificate authority")
    response = client.get(
        "/api/v1/problems/similar/",
        {"title": "Our TLS certificate expired overnight", "community": community.slug},
    )
    assert response.status_code == 200
    body = response.json()
    first = body["results"][0]
    assert first["id"] == original.pk and first["kind"] == "problem" and first["solved"]
    assert first["shared_words"] == ["tls", "certificate", "expired"]
    assert "Solved: it has an accepted solution" in first["reasons"]
    assert first["url"].endswith(original.get_absolute_url())
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_api_similar_refuses_bad_input_with_reasons(client):
    assert client.get("/api/v1/problems/similar/").status_code == 400
    assert client.get("/api/v1/problems/similar/", {"title": "x" * 201}).status_code == 400
    response = client.get("/api/v1/problems/similar/", {"title": "a", "community": "no slug!"})
    assert response.status_code == 400 and "community" in response.json()


def test_api_similar_hides_private_content(client):
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    member = make_member(private)
    _ask(private, "Secret vault rotation schedule", author=member)
    query = {"title": "secret vault rotation"}
    assert client.get("/api/v1/problems/similar/", query).json()["results"] == []
    response = client.get("/api/v1/problems/similar/", {**query, "community": private.slug})
    assert response.status_code == 404
    client.force_login(UserFactory())
    assert client.get("/api/v1/problems/similar/", query).json()["results"] == []
    client.force_login(member)
    assert len(client.get("/api/v1/problems/similar/", query).json()["results"]) == 1


# --- merge ------------------------------------------------------------------------------


def test_merge_moves_replies_links_and_keeps_participation():
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    asker, helper = make_member(community), make_member(community)
    original = _ask(community, "Wiki backups fail at night")
    duplicate = _ask(community, "Backups of the wiki fail every night", author=asker)
    reply = problems.post_reply(problem=duplicate, author=helper, body="Rotate the logs.")
    problems.accept_solution(reply=reply, by=asker)
    story = StoryFactory(community=community, problem=duplicate)
    meeting = MeetingFactory(community=community)
    item = AgendaItem.objects.create(meeting=meeting, title="Backups", problem=duplicate)
    events_before = ParticipationEvent.objects.count()

    into = problems.merge_problem(duplicate=duplicate, into=original, by=coordinator)

    duplicate.refresh_from_db()
    assert into.pk == original.pk
    assert list(Reply.objects.filter(problem=original)) == [reply]
    assert into.reply_count == 1 and into.status == ProblemStatus.SOLVED
    assert duplicate.merged_into_id == original.pk and duplicate.deleted_at is not None
    assert duplicate.reply_count == 0
    story.refresh_from_db()
    item.refresh_from_db()
    assert story.problem_id == original.pk and item.problem_id == original.pk
    assert ParticipationEvent.objects.count() == events_before
    assert ParticipationEvent.objects.filter(
        kind=ParticipationKind.SOLUTION_ACCEPTED, membership__user=helper
    ).exists()
    assert not SearchDocument.objects.filter(kind="problem", object_id=duplicate.pk).exists()
    assert SearchDocument.objects.get(kind="reply", object_id=reply.pk).parent_id == original.pk
    assert [h.document.object_id for h in search(coordinator, "rotate logs")] == [reply.pk]
    assert AuditEntry.objects.filter(action=AuditAction.PROBLEM_MERGED).count() == 1
    assert Notification.objects.filter(recipient=asker, title__contains="was merged").exists()


@pytest.mark.parametrize("case", ["itself", "other community", "already merged"], ids=str)
def test_merge_is_refused(case):
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    a, b = _ask(community, "One"), _ask(community, "Two")
    by, duplicate, into = coordinator, a, b
    if case == "itself":
        into = a
    elif case == "other community":
        elsewhere = CommunityFactory()
        make_member(elsewhere, role=Role.COORDINATOR)
        into = _ask(elsewhere, "Three")
    else:
        problems.merge_problem(duplicate=a, into=b, by=coordinator)
        duplicate, into = b, a
    with pytest.raises(Exception) as refused:
        problems.merge_problem(duplicate=duplicate, into=into, by=by)
    assert refused.type.__name__ == "ValidationError"
    assert Problem.objects.filter(merged_into__isnull=False).count() == (
        1 if case == "already merged" else 0
    )


def test_merge_page_and_redirect(client):
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    original = _ask(community, "Wiki backups fail at night")
    duplicate = _ask(community, "Backups of the wiki fail every night")
    page = _url("problem_merge", community, pk=duplicate.pk)
    client.force_login(make_member(community))
    assert client.get(page).status_code == 403
    refused = client.post(page, {"into": original.pk})
    assert refused.status_code == 403 and "Only a coordinator" in refused.content.decode()
    assert not Problem.objects.filter(merged_into__isnull=False).exists()
    client.force_login(coordinator)
    html = client.get(page).content.decode()
    assert "Likely originals" in html and original.title in html
    response = client.post(page, {"into": original.pk})
    assert response.status_code == 302 and response.url == original.get_absolute_url()
    old = client.get(duplicate.get_absolute_url())
    assert old.status_code == 301 and old.url == original.get_absolute_url()


def test_merge_page_reports_an_unknown_target(client):
    community = CommunityFactory()
    client.force_login(make_member(community, role=Role.COORDINATOR))
    duplicate = _ask(community, "Backups of the wiki fail every night")
    response = client.post(_url("problem_merge", community, pk=duplicate.pk), {"into": "x"})
    assert response.status_code == 200 and "Enter a whole number" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crosswise_merges_at_once_leave_no_cycle():

    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    a, b = _ask(community, "Wiki backups fail at night"), _ask(community, "Wiki backups fail")
    problems.post_reply(problem=a, author=coordinator, body="One.")
    problems.post_reply(problem=b, author=coordinator, body="Two.")

    def merge(duplicate, into):
        def run():
            try:
                return problems.merge_problem(duplicate=duplicate, into=into, by=coordinator).pk
            except ValidationError:
                return None

        return run

    results = all_at_once([merge(a, b), merge(b, a)])
    # One merge wins; the other finds its target already merged and is refused.
    assert results.count(None) == 1 and {a.pk, b.pk} >= set(results) - {None}
    merged = Problem.objects.filter(merged_into__isnull=False)
    assert merged.count() == 1
    survivor = Problem.objects.get(deleted_at__isnull=True, pk__in=[a.pk, b.pk])
    assert survivor.reply_count == 2 and survivor.replies.count() == 2
