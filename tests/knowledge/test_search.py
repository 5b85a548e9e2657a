"""Search behaves the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN). The checks
run on whichever database the suite uses; the `postgres` copies make CI prove them on
PostgreSQL, where the query plan must also use the GIN index."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.utils import timezone

from cop.enums import Role, Visibility
from knowledge.enums import EntryStatus
from knowledge.models import SearchDocument
from knowledge.search import TEXT_CANDIDATES, fts5_query, index_object, search
from knowledge.services import entries, glossary, problems, stories
from knowledge.services.common import soft_delete
from tests.factories import CommunityFactory, ProblemFactory, TagFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _entry(community, title, body, **kwargs):
    author = make_member(community)
    return entries.write_entry(
        community=community, author=author, title=title, body=body, publish=True, **kwargs
    )


def check_title_match_ranks_above_body_match():
    community = CommunityFactory()
    body_hit = _entry(community, "Notes from Tuesday", "We talked about the failover drill.")
    title_hit = _entry(community, "Failover drill", "Run it every quarter.")
    hits = search(UserFactory(), "failover")
    assert [h.document.object_id for h in hits] == [title_hit.pk, body_hit.pk]


def check_stemming_finds_other_forms():
    community = CommunityFactory()
    entry = _entry(community, "Rotating certificates", "When the proxy restarted, it reloaded.")
    for query in ("rotate", "restarting", "reloads", "certificate"):
        assert [h.document.object_id for h in search(None, query)] == [entry.pk], query


def check_snippets_highlight_and_escape():
    community = CommunityFactory()
    _entry(
        community,
        "Vacuum tuning",
        "Long text before. <script>alert(1)</script> Autovacuum throttling fixed replica lag.",
    )
    hit = search(None, "replica lag")[0]
    assert "<mark>replica</mark>" in hit.snippet_html
    assert "<mark>lag</mark>" in hit.snippet_html
    assert "<script" not in hit.snippet_html


def check_snippets_escape_once():
    community = CommunityFactory()
    _entry(community, "Budget notes", 'R&D says x < y when the quarter closes, and "quotes".')
    hit = search(None, "quarter")[0]
    assert "x &lt; y" in hit.snippet_html
    assert "&amp;amp;" not in hit.snippet_html and "&amp;lt;" not in hit.snippet_html
    assert search(None, "R&D")  # the words are indexed as written, not as entities


def check_private_never_returned_to_non_member():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    member = make_member(private)
    problem = problems.ask_problem(
        community=private, author=member, title="Secret incident", context="Secret details"
    )
    problems.post_reply(problem=problem, author=make_member(private), body="Secret fix")
    _entry(private, "Secret practice", "Secret steps")
    assert search(None, "secret") == []
    assert search(UserFactory(), "secret") == []
    assert search(UserFactory(), "secret", community=private.slug) == []
    assert len(search(member, "secret")) == 3


def _check(name):
    return globals()[f"check_{name}"]


CHECKS = [
    "title_match_ranks_above_body_match",
    "stemming_finds_other_forms",
    "snippets_highlight_and_escape",
    "snippets_escape_once",
    "private_never_returned_to_non_member",
]


@pytest.mark.parametrize("name", CHECKS)
def test_search_on_current_database(name):
    _check(name)()


@pytest.mark.postgres
@pytest.mark.parametrize("name", CHECKS)
def test_search_on_postgres(name):
    _check(name)()


@pytest.mark.postgres
def test_postgres_query_plan_uses_gin_index():
    community = CommunityFactory()
    for n in range(30):
        _entry(community, f"Entry {n}", f"Body number {n} about backups")

    query = SearchDocument.objects.filter(
        vector=SearchQuery("backups", search_type="websearch", config="english")
    )
    with connection.cursor() as cursor:
        # On a tiny table the planner rightly prefers a sequential scan; switching that
        # off (for this transaction only) shows whether the GIN index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "knowledge_searchdoc_vector_gin" in plan


def test_filters_by_kind_status_tag_and_community():
    community = CommunityFactory()
    other = CommunityFactory()
    tag = TagFactory(community=community)
    author = make_member(community)
    story = stories.tell_story(
        community=community, author=author, title="Backup story", situation="Backups failed",
        action="", outcome="", tags=[tag],
    )  # fmt: skip
    problem = problems.ask_problem(
        community=community, author=author, title="Backup problem", context="Backups slow"
    )
    _entry(other, "Backup practice", "Backups daily")
    assert [h.document.object_id for h in search(None, "backup", kind="story")] == [story.pk]
    assert [h.document.object_id for h in search(None, "backup", status="open")] == [problem.pk]
    assert [h.document.object_id for h in search(None, "backup", tag=tag.slug)] == [story.pk]
    assert {h.document.kind for h in search(None, "backup", community=community.slug)} == {
        "story",
        "problem",
    }


def test_every_kind_is_found_and_links_to_its_page():
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    problem = problems.ask_problem(
        community=community, author=coordinator, title="Kubernetes eviction", context="Pods"
    )
    reply = problems.post_reply(
        problem=problem, author=make_member(community), body="Set kubernetes limits"
    )
    term = glossary.propose_term(
        community=community, by=coordinator, term="Kubernetes", definition="An orchestrator"
    )
    urls = {h.document.kind: h.url for h in search(None, "kubernetes")}
    assert urls["problem"] == problem.get_absolute_url()
    assert urls["reply"] == reply.get_absolute_url()
    assert urls["term"] == term.get_absolute_url()


def test_deleted_and_edited_content_follows_the_index():
    community = CommunityFactory()
    entry = _entry(community, "Zebra crossing", "Stripes")
    entries.edit_entry(entry=entry, by=entry.author, title="Pelican crossing", body="Lights")
    assert search(None, "zebra") == []
    assert len(search(None, "pelican")) == 1
    soft_delete(item=entry, by=entry.author)
    assert search(None, "pelican") == []


def test_user_syntax_is_quoted_not_interpreted():
    community = CommunityFactory()
    _entry(community, "Quoting works", "NEAR AND OR NOT col:umn")
    assert fts5_query('a "b" c* -d title:e') == '"a" "b" "c" "d" "title" "e"'
    for query in ['"', "*", "NOT", "AND OR", "title:", "(((", "-", "''"]:
        search(None, query)  # no syntax error on either database
    assert len(search(None, "quoting")) == 1


def test_archived_status_is_searchable_by_filter():
    community = CommunityFactory()
    entry = _entry(community, "Old pager setup", "SMS gateway")
    entries.change_status(entry=entry, to=EntryStatus.ARCHIVED, by=entry.author)
    hits = search(None, "pager", status="archived")
    assert [h.document.object_id for h in hits] == [entry.pk]


@pytest.mark.postgres
def test_an_older_title_match_competes_with_many_newer_text_matches():
    """Very common words are ranked over a bounded set; an old document about the
    subject (its title matches) still ranks first among hundreds of newer documents
    that merely mention the word."""

    community = CommunityFactory()
    old = ProblemFactory(community=community, title="Failover drill", context="Quarterly.")
    index_object(old)
    for n in range(TEXT_CANDIDATES + 20):
        index_object(
            ProblemFactory(community=community, title=f"Notes {n}", context="A failover came up.")
        )
    SearchDocument.objects.filter(object_id=old.pk).update(
        updated_at=timezone.now() - timedelta(days=900)
    )
    hits = search(UserFactory(), "failover", limit=5)
    assert hits[0].document.object_id == old.pk
    assert len(hits) == 5


def test_migration_unescapes_stored_bodies():

    community = CommunityFactory()
    entry = _entry(community, "Budget", "Plain words")
    SearchDocument.objects.filter(object_id=entry.pk).update(body="R&amp;D says x &lt; y")
    migration = importlib.import_module("knowledge.migrations.0006_pol_unescape_search_bodies")
    migration.unescape_bodies(apps, connection.schema_editor())
    assert SearchDocument.objects.get(object_id=entry.pk, kind="entry").body == "R&D says x < y"
