"""Similar problems and practices: the scoring on numbers worked out by hand, the same
behaviour on SQLite (FTS5) and PostgreSQL (tsvector + pg_trgm), and visibility: nothing
private, draft, archived or deleted is ever suggested to someone who may not see it."""

import math

import pytest
from django.db import connection

from cop.enums import Role, Visibility
from knowledge.enums import EntryStatus
from knowledge.services import entries, problems
from knowledge.services.common import soft_delete
from knowledge.similarity import (
    bounded_tsquery,
    informativeness,
    similar,
    stem,
    terms,
    trigram_similarity,
)
from tests.factories import CommunityFactory, TagFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


# --- pure parts --------------------------------------------------------------------------


def test_terms_drop_stop_words_and_meet_on_stems():
    assert terms("How do I stop the deploys from failing?") == {
        "stop": "stop",
        "deploy": "deploys",
        "fail": "failing",
    }
    assert {stem(w) for w in ("deploying", "deployed", "deploys", "deployment")} == {"deploy"}


def test_informativeness_is_inverse_document_frequency():
    assert informativeness(0.5) == pytest.approx(math.log(3))
    assert informativeness(0.0) == informativeness(0.001) == pytest.approx(math.log(1001))


def test_bounded_tsquery_keeps_rare_words_and_pairs_common_ones():
    # Unlisted (rare) words always; common ones while the shares add up to the budget.
    assert bounded_tsquery({"quokka": 0.0, "team": 0.2, "deploy": 0.004}, 0.005) == (
        "'quokka' | 'deploy'"
    )
    # Every word common: any two of the three rarest (0.1 x 0.2 + … = 0.02 + 0.03 + 0.06).
    assert bounded_tsquery({"a": 0.15, "b": 0.2, "c": 0.3, "d": 0.4}, 0.14) == (
        "('a' & 'b') | ('a' & 'c') | ('b' & 'c')"
    )


def test_trigram_similarity_is_pg_trgm_similarity():
    # pg_trgm: SELECT similarity('word', 'two words') = 0.36363637 (4 shared of 11).
    assert trigram_similarity("word", "two words") == pytest.approx(4 / 11)
    assert trigram_similarity("", "anything") == 0.0
    assert trigram_similarity("Same Title", "same title") == 1.0


# --- checks run on the suite's database and again on PostgreSQL -------------------------


def _problem(community, title, *, solved=False, tags=None, author=None):
    author = author or make_member(community)
    problem = problems.ask_problem(
        community=community, author=author, title=title, context="Context.", tags=tags
    )
    if solved:
        reply = problems.post_reply(problem=problem, author=make_member(community), body="Fix.")
        problems.accept_solution(reply=reply, by=author)
    return problem


def _entry(community, title, *, publish=True, author=None):
    author = author or make_member(community)
    return entries.write_entry(
        community=community, author=author, title=title, body="Steps.", publish=publish
    )


def check_duplicate_found_first_with_reasons():
    community = CommunityFactory()
    original = _problem(community, "Connection pool exhausted under load", solved=True)
    _problem(community, "Weekly retro format ideas")
    found = similar(UserFactory(), title="Database connection pool exhausted", community=community)
    assert [s.object_id for s in found] == [original.pk]
    top = found[0]
    assert top.shared_words == ["connection", "pool", "exhausted"]
    assert top.is_solved and top.kind == "problem"
    assert top.reasons[0] == "Shares the words “connection”, “pool”, “exhausted”"
    assert "Solved: it has an accepted solution" in top.reasons
    # By hand: of the 2 titles, "connection", "pool" and "exhausted" are in 1 (weight
    # ln(1 + 2) = 1.0986 each), "database" in none (counted as 1 in 1000: ln(1001) =
    # 6.9088). The original holds 3 x 1.0986 / (6.9088 + 3 x 1.0986) = 0.32297 of the
    # query's information, and 3 of its 4 words are shared: sqrt(0.32297 x 0.75) = 0.49217.
    expected = 0.65 * 0.49217 + 0.35 * top.wording + 0.05
    assert top.score == pytest.approx(expected, abs=1e-3)


def check_solved_comes_first_among_equal_matches():
    community = CommunityFactory()
    open_one = _problem(community, "Flaky integration tests on CI")
    solved_one = _problem(community, "Flaky integration tests on CI", solved=True)
    found = similar(UserFactory(), title="Flaky integration tests on CI")
    assert [s.object_id for s in found] == [solved_one.pk, open_one.pk]


def check_unrelated_title_suggests_nothing():
    community = CommunityFactory()
    _problem(community, "Connection pool exhausted under load")
    assert similar(UserFactory(), title="Planning the summer picnic") == []
    assert similar(UserFactory(), title="the and of") == []  # only stop words


def check_topic_and_other_community_are_reasons():
    here, there = CommunityFactory(name="Here"), CommunityFactory(name="Elsewhere")
    tag = TagFactory(community=there, name="Databases", slug="databases")
    _problem(there, "Slow queries after the upgrade", tags=[tag])
    found = similar(
        UserFactory(),
        title="Queries slow since upgrade",
        community=here,
        topics={"databases": "Databases"},
    )
    assert len(found) == 1
    assert "Same topic: Databases" in found[0].reasons
    assert "From the community Elsewhere" in found[0].reasons


def check_practices_are_suggested_but_never_drafts_or_archived():
    community = CommunityFactory()
    author = make_member(community)
    published = _entry(community, "Rotating TLS certificates without downtime")
    _entry(community, "Rotating TLS certificates by hand", publish=False, author=author)
    archived = _entry(community, "Rotating TLS certificates the old way", author=author)
    entries.change_status(entry=archived, by=author, to=EntryStatus.ARCHIVED)
    coordinator = make_member(community, role=Role.COORDINATOR)
    for viewer in (author, coordinator, UserFactory()):
        found = similar(viewer, title="rotating TLS certificates")
        assert [(s.kind, s.object_id) for s in found] == [("practice", published.pk)]


def check_private_never_suggested_to_non_member():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    member = make_member(private)
    secret = _problem(private, "Secret merger data room access", author=member)
    _entry(private, "Secret merger checklist", author=member)
    outsider = UserFactory()
    public = CommunityFactory()
    assert similar(None, title="secret merger data room") == []
    assert similar(outsider, title="secret merger data room", community=public) == []
    assert secret.pk in [s.object_id for s in similar(member, title="secret merger data room")]


def check_deleted_problems_are_not_suggested():
    community = CommunityFactory()
    author = make_member(community)
    problem = _problem(community, "Backups silently failing", author=author)
    soft_delete(item=problem, by=author)
    assert similar(author, title="backups failing silently") == []


def check_answers_bring_in_a_problem_whose_title_shares_no_word():
    community = CommunityFactory()
    author = make_member(community)
    original = _problem(community, "Pressure ulcers on bed-bound patients", author=author)
    reply = problems.post_reply(
        problem=original,
        author=make_member(community),
        body="Preventing bedsores: reposition every two hours and check the heels.",
    )
    problems.accept_solution(reply=reply, by=author)
    _problem(community, "Choosing a union rep")
    found = similar(None, title="Preventing bedsores")
    assert [s.object_id for s in found] == [original.pk]
    assert found[0].shared_words == [] and found[0].answer_words == ["preventing", "bedsores"]
    assert "Its description or answers mention “preventing”, “bedsores”" in found[0].reasons
    # On the problem's own page, its own replies do not suggest it.
    assert similar(None, title="Preventing bedsores", exclude_problem=original.pk) == []


def check_private_answers_never_reach_a_non_member():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    member = make_member(private)
    secret = _problem(private, "Board folder access", author=member)
    problems.post_reply(problem=secret, author=member, body="The quarterly figures leaked.")
    public = CommunityFactory()
    _problem(public, "Planning the summer picnic")
    assert similar(None, title="quarterly figures leaked") == []
    assert similar(UserFactory(), title="quarterly figures leaked", community=public) == []
    assert [s.object_id for s in similar(member, title="quarterly figures leaked")] == [secret.pk]


def _check(name):
    return globals()[f"check_{name}"]


CHECKS = [
    "duplicate_found_first_with_reasons",
    "solved_comes_first_among_equal_matches",
    "unrelated_title_suggests_nothing",
    "topic_and_other_community_are_reasons",
    "practices_are_suggested_but_never_drafts_or_archived",
    "private_never_suggested_to_non_member",
    "deleted_problems_are_not_suggested",
    "answers_bring_in_a_problem_whose_title_shares_no_word",
    "private_answers_never_reach_a_non_member",
]


@pytest.mark.parametrize("name", CHECKS)
def test_similar_on_current_database(name):
    _check(name)()


@pytest.mark.postgres
@pytest.mark.parametrize("name", CHECKS)
def test_similar_on_postgres(name):
    _check(name)()


@pytest.mark.postgres
def test_postgres_finds_a_misspelt_title_by_trigrams():
    community = CommunityFactory()
    original = _problem(community, "Kubernetes ingress certificate renewal")
    # No word in common with the stemmer ("kubernets", "ingres", "certifcate"), but the
    # trigrams are close: pg_trgm brings it in as a candidate, the wording scores it.
    found = similar(None, title="kubernets ingres certifcate renewal")
    assert [s.object_id for s in found] == [original.pk]


@pytest.mark.postgres
def test_postgres_similarity_uses_the_partial_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_searchdocument'"
        )
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
    assert {"knowledge_searchdoc_similar_trgm", "knowledge_searchdoc_similar_title"} <= names
