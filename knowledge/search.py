"""Search over the shared repertoire, on PostgreSQL or SQLite behind one interface.

Every story, problem, reply, practice entry, glossary term and meeting's notes has a
SearchDocument
row (title, plain-text body, community, status, tags), written by the services
through `index_object` and removed by `unindex_object`. A problem's or practice's new
or changed title is given its vector of meaning after commit (`TitleMeaning`).

- PostgreSQL: `SearchDocument.vector` is a stored tsvector (title weight A, body B,
  `english` configuration) and `title_vector` (the title alone), each with a GIN index,
  refreshed by `index_object`. A query is parsed with `websearch_to_tsquery`; the
  newest title matches and the newest text matches (a bounded set, see
  `_search_postgres`) are ranked by `ts_rank`; snippets come from `ts_headline`.
- SQLite: an external-content FTS5 table with the porter tokenizer, kept in step by
  triggers; each user term is quoted, results are ordered by `bm25()` with title
  weighted above body; snippets come from `snippet()`.

`search(user=..., query=...)` returns `SearchHit`s the user may see: only documents
of communities visible to them (public ones and those they are an active member of).
A search within one community also finds the practices shared into it, by the rule
that shows a share (`sharing.shown_shares`); such a hit links to the read-only copy.
Snippets are HTML-escaped before the highlight marks are put in.
"""

import html
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.html import escape, strip_tags

from cop import cache
from cop.markdown import render_markdown
from cop.queue import enqueue_on_commit
from cop.selectors.communities import visible_communities
from meetings.models import Meeting

from .enums import EntryStatus, SearchKind
from .models import (
    GlossaryTerm,
    PracticeEntry,
    Problem,
    Reply,
    SearchDocument,
    SharedPractice,
    Story,
    TitleMeaning,
)
from .selectors import visible_entries
from .sharing import shown_shares

CANDIDATE_CAP = 1000  # SQLite: at most this many matches
TITLE_CANDIDATES = 200  # PostgreSQL: the newest title matches ranked …
TEXT_CANDIDATES = 300  # … with the newest matches anywhere in the text
# Highlight sentinels: control characters never stored in text, turned into <mark> after
# the snippet has been escaped.
_START, _STOP = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _plain(markdown_text: str) -> str:
    """Markdown as plain text for indexing and snippets: the rendered HTML without its
    tags and with its entities turned back into characters (`&amp;` is "&"), since the
    snippet is escaped once, when it is shown."""
    text = html.unescape(strip_tags(render_markdown(markdown_text)))
    return _CONTROL.sub(" ", text)


def _item_fields(item, kind: str, texts: list[str], status: str) -> dict:
    """The fields of a story, problem or practice: its Markdown `texts` make the body."""
    return {
        "kind": kind,
        "community_id": item.community_id,
        "title": item.title,
        "body": "\n".join(_plain(text) for text in texts if text),
        "status": status,
        "tags": item.tags.all(),
    }


def _document_fields(obj) -> dict:
    """Kind, community, title, body, status and tags of a searchable object."""
    if isinstance(obj, Story):
        texts = [obj.situation, obj.action, obj.outcome, obj.lesson]
        return _item_fields(obj, SearchKind.STORY, texts, "")
    if isinstance(obj, Problem):
        return _item_fields(obj, SearchKind.PROBLEM, [obj.context, obj.tried], obj.status)
    if isinstance(obj, Reply):
        problem = obj.problem
        return {
            "kind": SearchKind.REPLY,
            "community_id": problem.community_id,
            "parent_id": problem.pk,
            "title": problem.title,
            "body": _plain(obj.body),
            "status": "solution" if obj.is_solution else "",
            "tags": problem.tags.all(),
        }
    if isinstance(obj, PracticeEntry):
        return _item_fields(obj, SearchKind.ENTRY, [obj.body], obj.status)
    if isinstance(obj, GlossaryTerm):
        parts = [obj.synonyms, _plain(obj.definition), _plain(obj.examples)]
        return {
            "kind": SearchKind.TERM,
            "community_id": obj.community_id,
            "title": obj.term,
            "body": "\n".join(p for p in parts if p),
            "status": obj.status,
            "tags": [],
        }
    if isinstance(obj, Meeting):
        # A meeting is found by its notes: what was said there joins the repertoire.
        return {
            "kind": SearchKind.NOTES,
            "community_id": obj.community_id,
            "title": obj.title,
            "body": _plain(obj.notes),
            "status": "",
            "tags": [],
        }
    raise TypeError(f"Not searchable: {obj!r}")


def _kind_of(obj) -> str:
    return {
        Story: SearchKind.STORY,
        Problem: SearchKind.PROBLEM,
        Reply: SearchKind.REPLY,
        PracticeEntry: SearchKind.ENTRY,
        GlossaryTerm: SearchKind.TERM,
        Meeting: SearchKind.NOTES,
    }[type(obj)]


def index_object(obj) -> SearchDocument | None:
    """Create or refresh the search document of `obj`; a soft-deleted object is removed."""
    if (
        getattr(obj, "deleted_at", None) is not None
        or getattr(obj, "hidden_at", None)
        or (isinstance(obj, Meeting) and not obj.notes.strip())
    ):
        # Deleted, hidden by moderation, or a meeting without notes: out of search.
        unindex_object(obj)
        return None
    fields = _document_fields(obj)
    tags = fields.pop("tags")
    fields["tag_slugs"] = (" " + " ".join(tag.slug for tag in tags) + " ") if tags else ""
    fields["title"] = _CONTROL.sub(" ", fields["title"])[:200]
    kind = fields.pop("kind")
    document, _created = SearchDocument.objects.update_or_create(
        kind=kind, object_id=obj.pk, defaults=fields
    )
    cache.bump(cache.SEARCH)
    if connection.vendor == "postgresql":
        SearchDocument.objects.filter(pk=document.pk).update(
            vector=SearchVector(Value(document.title), weight="A", config="english")
            + SearchVector(Value(document.body), weight="B", config="english"),
            title_vector=SearchVector(Value(document.title), config="english"),
        )
    if kind in (SearchKind.PROBLEM, SearchKind.ENTRY):
        # The title's vector of meaning, encoded after commit (knowledge.embed_titles)
        # when the title is new or changed; the similarity search ignores an old one.
        meant = TitleMeaning.objects.filter(document=document).values_list("title", flat=True)
        if meant.first() != document.title:
            enqueue_on_commit("knowledge.embed_titles", document_ids=[document.pk])
    return document


def unindex_object(obj) -> None:
    SearchDocument.objects.filter(kind=_kind_of(obj), object_id=obj.pk).delete()
    cache.bump(cache.SEARCH)


@dataclass
class SearchHit:
    document: SearchDocument
    title_html: str
    snippet_html: str
    rank: float
    # A practice found in a community it is shared into: the share, whose read-only
    # page the hit links to, with the source community's name as attribution.
    share: SharedPractice | None = None

    @property
    def url(self) -> str:
        if self.share is not None:
            return self.share.get_absolute_url()
        return self.document.get_absolute_url()

    @property
    def shared_from(self):
        return self.document.community if self.share is not None else None


def _mark(text: str) -> str:
    """Escape a snippet, then turn the sentinels into <mark> elements."""
    return escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")


def visible_documents(
    user, *, kind: str = "", tag: str = "", status: str = "", community: str = ""
) -> QuerySet[SearchDocument]:
    """Documents of the communities the user may see, with the filters applied. A draft
    practice is found only by those who may see it (its author, the coordinators)."""

    # The ids as literals, not a subquery: the planner then estimates how many documents
    # match and walks the `updated_at` index for common words instead of intersecting
    # bitmaps per community.
    communities = list(visible_communities(user).values_list("pk", flat=True))
    documents = SearchDocument.objects.filter(community__in=communities)
    drafts = visible_entries(PracticeEntry.objects.filter(status=EntryStatus.DRAFT), user)
    documents = documents.filter(
        ~Q(kind=SearchKind.ENTRY, status=EntryStatus.DRAFT) | Q(object_id__in=drafts.values("pk"))
    )
    if kind in SearchKind.values:
        documents = documents.filter(kind=kind)
    if tag:
        documents = documents.filter(tag_slugs__contains=f" {tag} ")
    if status:
        documents = documents.filter(status=status)
    if community:
        # A community's search also finds the practices shared into it, under the one
        # rule that shows a share (`sharing.shown_shares`): never more than the source
        # itself would show this user.
        shared = shown_shares(user).filter(community__slug=community).values("entry_id")
        documents = documents.filter(
            Q(community__slug=community) | Q(kind=SearchKind.ENTRY, object_id__in=shared)
        )
    return documents


def search(user, query: str, *, limit: int = 30, **filters) -> list[SearchHit]:
    """The best `limit` matches of `query` the user may see, best first."""
    query = _CONTROL.sub(" ", query or "").strip()[:200]
    if not query:
        return []
    documents = visible_documents(user, **filters)
    if connection.vendor == "postgresql":
        hits = _search_postgres(documents, query, limit)
    else:
        hits = _search_sqlite(documents, query, limit)
    if filters.get("community"):
        _attach_shares(hits, filters["community"])
    return hits


def _attach_shares(hits: list[SearchHit], community: str) -> None:
    """Mark the practices of other communities among `hits` with their share into
    `community` (they are there only because they are shared: `visible_documents`).
    One query, whatever the number of hits, and none when there is no such hit."""
    outside = {
        hit.document.object_id: hit
        for hit in hits
        if hit.document.kind == SearchKind.ENTRY and hit.document.community.slug != community
    }
    if not outside:
        return
    shares = SharedPractice.objects.filter(
        community__slug=community, unshared_at__isnull=True, entry_id__in=outside
    ).select_related("community")
    for share in shares:
        outside[share.entry_id].share = share


def _search_postgres(documents, query: str, limit: int) -> list[SearchHit]:
    """Rank a bounded candidate set: the newest documents whose title matches and the
    newest whose text matches. A word found in most of a million documents then costs
    a short walk down the `updated_at` index instead of reading every match, and older
    documents about the subject (title matches, which rank highest) still compete."""

    search_query = SearchQuery(query, search_type="websearch", config="english")
    newest = ("-updated_at", "-id")
    candidates = set(
        documents.filter(title_vector=search_query)
        .order_by(*newest)
        .values_list("pk", flat=True)[:TITLE_CANDIDATES]
    )
    candidates.update(
        documents.filter(vector=search_query)
        .order_by(*newest)
        .values_list("pk", flat=True)[:TEXT_CANDIDATES]
    )
    if not candidates:
        return []
    options = {
        "start_sel": _START,
        "stop_sel": _STOP,
        "max_words": 30,
        "min_words": 12,
        "max_fragments": 2,
        "fragment_delimiter": " … ",
        "config": "english",
    }
    ranked = (
        SearchDocument.objects.filter(pk__in=candidates)
        .select_related("community")
        .annotate(
            rank=SearchRank(F("vector"), search_query),
            title_headline=SearchHeadline(
                "title", search_query, highlight_all=True, **_without(options, "max_fragments")
            ),
            body_headline=SearchHeadline("body", search_query, **options),
        )
        .order_by("-rank", "-updated_at")[:limit]
    )
    return [
        SearchHit(
            document=doc,
            title_html=_mark(doc.title_headline),
            snippet_html=_mark(doc.body_headline),
            rank=doc.rank,
        )
        for doc in ranked
    ]


def _without(options: dict, *keys: str) -> dict:
    return {k: v for k, v in options.items() if k not in keys and k != "fragment_delimiter"}


_TERM = re.compile(r"[\w'’-]+", re.UNICODE)


def fts5_query(query: str) -> str:
    """User words as an FTS5 query: each word quoted (so no FTS5 syntax gets through),
    all required. Returns "" when nothing searchable is left."""
    words = [w.strip("'’-") for w in _TERM.findall(query)]
    return " ".join('"{}"'.format(w.replace('"', "")) for w in words if w)


def _search_sqlite(documents, query: str, limit: int) -> list[SearchHit]:
    match = fts5_query(query)
    if not match:
        return []
    try:
        allowed_sql, allowed_params = documents.values("pk").query.sql_with_params()
    except EmptyResultSet:  # no community is visible: nothing can match
        return []
    sql = f"""
        SELECT fts.rowid,
               bm25(knowledge_searchdocument_fts, 10.0, 1.0) AS score,
               highlight(knowledge_searchdocument_fts, 0, %s, %s) AS title_hl,
               snippet(knowledge_searchdocument_fts, 1, %s, %s, ' … ', 24) AS body_hl
        FROM knowledge_searchdocument_fts AS fts
        WHERE knowledge_searchdocument_fts MATCH %s AND fts.rowid IN ({allowed_sql})
        ORDER BY score
        LIMIT %s
    """  # noqa: S608 -- the inner SQL is Django's own, its values are parameters
    params = [_START, _STOP, _START, _STOP, match, *allowed_params, min(limit, CANDIDATE_CAP)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_pk = SearchDocument.objects.select_related("community").in_bulk([row[0] for row in rows])
    hits = []
    for pk, score, title_hl, body_hl in rows:
        if pk in by_pk:
            hits.append(
                SearchHit(
                    document=by_pk[pk],
                    title_html=_mark(title_hl or ""),
                    snippet_html=_mark(body_hl or ""),
                    rank=-float(score),
                )
            )
    return hits


def rebuild_index() -> int:
    """Index every live object again (after a restore or a bulk import). Returns the count."""
    count = 0
    for model in (Story, Problem, PracticeEntry):
        for obj in model.objects.filter(deleted_at__isnull=True).prefetch_related("tags"):
            index_object(obj)
            count += 1
    for reply in Reply.objects.filter(deleted_at__isnull=True, problem__deleted_at__isnull=True):
        index_object(reply)
        count += 1
    for term in GlossaryTerm.objects.all():
        index_object(term)
        count += 1
    for meeting in Meeting.objects.exclude(notes=""):
        index_object(meeting)
        count += 1
    return count
