"""The lists' query plans on PostgreSQL: each list is read from an index that matches its
filter and order (no sort of the whole list, no aggregate over replies), so a page
costs the same at 100 problems and at 100,000."""

import json

import pytest
from django.db import connection

from cop.models import Tag
from cop.pagination import decode_cursor, encode_cursor, older_than
from knowledge import selectors
from knowledge.models import Problem, Story
from knowledge.similarity import ANSWER_SCAN, answer_documents, answer_scan
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    TagFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _plan(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Small test tables would always be read whole and sorted; with those plans
        # priced out, a Sort left in the plan means no index serves the filter and order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _describe(plan: dict) -> str:
    return json.dumps(plan, indent=1)


@pytest.fixture
def community():
    community = CommunityFactory()
    tag = TagFactory(community=community, slug="databases")
    for i in range(60):
        problem = ProblemFactory(community=community, status="solved" if i % 3 else "open")
        problem.tags.set([tag])
        for _ in range(i % 4):
            ReplyFactory(problem=problem)
        story = StoryFactory(community=community)
        story.tags.set([tag])
    for _ in range(20):
        PracticeEntryFactory(community=community)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return community


def _first_page(queryset):
    return queryset[:21]


@pytest.mark.parametrize("status", ["", "open", "solved", "unanswered"])
def test_problem_list_reads_its_index_in_order_without_counting_replies(community, status):
    plan = _plan(_first_page(selectors.problem_list(community, status=status)))
    nodes = list(_nodes(plan))
    # One of the partial "live" indexes gives the rows in order (which one is the
    # planner's choice on small tables).
    live = [n for n in nodes if str(n.get("Index Name")).startswith("problem_live")]
    assert live, _describe(plan)
    assert not any(node["Node Type"] in ("Sort", "Aggregate") for node in nodes), _describe(plan)
    assert "knowledge_reply" not in json.dumps(plan)


def test_a_deep_problem_page_starts_at_its_cursor(community):
    oldest = Problem.objects.filter(community=community).order_by("created_at").first()
    moment, pk = decode_cursor(encode_cursor(oldest.created_at, oldest.pk))
    queryset = older_than(selectors.problem_list(community), "created_at", moment, pk)
    plan = _plan(_first_page(queryset))
    scans = [n for n in _nodes(plan) if str(n.get("Index Name")).startswith("problem_live")]
    assert scans, _describe(plan)
    # The cursor bounds the index range: the scan starts at it, not at the newest row.
    assert "created_at <=" in scans[0].get("Index Cond", ""), _describe(plan)


def test_story_and_practice_lists_read_their_indexes_in_order(community):
    for queryset, prefix in (
        (selectors.story_list(community), "story_live"),
        (selectors.entry_list(community), "entry_live"),
        (selectors.entry_list(community, status="validated"), "entry_live"),
    ):
        plan = _plan(_first_page(queryset))
        nodes = list(_nodes(plan))
        assert any(str(n.get("Index Name")).startswith(prefix) for n in nodes), _describe(plan)
        assert not any(node["Node Type"] == "Sort" for node in nodes), _describe(plan)


def test_knowledge_home_topics_read_stored_counts(community):
    plan = _plan(Tag.objects.filter(community=community).order_by("name"))
    text = json.dumps(plan)
    for table in ("knowledge_problem", "knowledge_story", "knowledge_practiceentry"):
        assert table not in text
    assert Story.objects.filter(community=community).count() == 60


def test_similar_reads_replies_through_an_index_and_ranks_a_bounded_few(community):
    """The replies and descriptions behind "similar problems" are read through an index
    (the search vector's GIN index, or the community's when that is narrower) and at most
    `ANSWER_SCAN` of them are ranked, whatever the size: no scan of the whole table, and
    the rows scanned are not fetched again by id to be ranked."""
    sql, params = answer_scan(answer_documents(None), "'bedsor' | 'ulcer'")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
    nodes = list(_nodes(plan))
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], _describe(plan)
    assert not [n for n in nodes if n.get("Index Name") == "knowledge_searchdocument_pkey"]
    limits = [n for n in nodes if n["Node Type"] == "Limit" and n["Plan Rows"] <= ANSWER_SCAN]
    assert len(limits) == 2, _describe(plan)  # the scan's, and the candidates'
    assert f"LIMIT {ANSWER_SCAN}" in sql
