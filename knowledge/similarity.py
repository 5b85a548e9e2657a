"""Similar problems and practices: "has this been asked before?" while a member types a
title, and "related" on a problem's page.

Two steps, each explainable:

1. Candidates from the database, bounded (`CANDIDATES`): problems and published
   practices of the communities the viewer may see whose title shares a word with the
   query. On PostgreSQL the title's tsvector is matched against the query's words joined
   with OR (`english` stemming), or the title is `pg_trgm`-similar to the query (catches
   "deploy"/"deployment" and typos); both behind GIN indexes restricted to problems and
   practices (migration `0009_similarity_trigram`). On SQLite the FTS5 table (porter
   stemming) is searched on the title column with the words joined with OR.
   Besides, the titles nearest to the query in meaning (knowledge/meaning.py encodes
   the query; knowledge/nearest.py holds every title's vector in memory, per
   community), among the same visible communities: a duplicate that shares no word
   with its original is found too. They are fetched through the same filter.
2. The same scoring on both databases, in Python, so every number can be explained:
   the share of content words the two titles have in common (cosine over word stems,
   stop words left out), the titles' trigram similarity (as `pg_trgm` computes it), a
   bonus for a shared topic and a smaller one for a solved problem or a validated
   practice (solved ones come first among comparable matches), and the titles' cosine
   by meaning above `MEANING_FLOOR` ("Close in meaning to your title"). Below
   `MIN_SCORE` (plus `MEANING_MARGIN` for a title scored by meaning too) nothing is
   suggested. Each suggestion carries the reasons it was made.

Nothing here writes; drafts and archived practices are never suggested; deleted items
have no search document. The weights and the threshold were chosen on the tuning half
of `eval/similar_pairs.csv` only (see `eval/similar.py`).
"""

import functools
import logging
import math
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import combinations

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cop import cache
from cop.models import Community
from cop.selectors.communities import visible_community_ids

from . import meaning, nearest
from .enums import EntryStatus, ProblemStatus, SearchKind
from .models import SearchDocument

logger = logging.getLogger(__name__)

CANDIDATES = 30
TRIGRAM_TIMEOUT_MS = 25
MAX_TITLE = 200
MAX_TERMS = 12  # words of a query that reach the database
WORDS_WEIGHT = 0.65
TRIGRAM_WEIGHT = 0.35
ANSWER_WEIGHT = 0.2  # query words found only in a problem's description and replies
ANSWER_CANDIDATES = 40  # replies, descriptions and practice texts matched, at most
ANSWER_SCAN = 400  # … taken from this many matches, ranked (bounded at any size)
ANSWER_CHARS = 2000  # of each text, read for the scoring
TOPIC_BONUS = 0.1
SOLVED_BONUS = 0.05
MIN_SCORE = 0.2
STRONG_SCORE = 0.45  # a new problem this close to one is held once: "asked before?"
RARE_SHARE = 0.001  # a word no title has yet counts as this rare
SHOWN_TRIGRAM = 0.5  # "similar wording" is given as a reason from this similarity up
# Meaning (knowledge/meaning.py): the titles nearest to the query's vector join the
# candidates; a title's cosine to the query counts above MEANING_FLOOR, scaled to 0-1 and
# weighed. Chosen on the tuning part alone: the floor near the best cosine an unrelated
# query has to any title (0.39 for 9 in 10 of them), the weight so that the duplicates'
# lower cosines (0.56 for 9 in 10) clear the threshold by meaning alone, the margin the
# highest that keeps every tuning duplicate in the first three.
MEANING_CANDIDATES = 20
MEANING_FLOOR = 0.4
MEANING_WEIGHT = 1.5
SHOWN_MEANING = 0.5  # "close in meaning" is given as a reason from this cosine up
# Meaning adds to the score of every title that has a vector, so such a candidate must
# clear the threshold by this much more (0.35 rather than 0.2 by default).
MEANING_MARGIN = 0.15

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_STOP_TEXT = """
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing done down during each
few for from further get gets getting got had has have having he her here hers him
his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our ours out over own same she should so some such than that the
their them then there these they this those through to too under until up us very
was we were what when where which while who whom why will with would you your yours
anyone someone anybody somebody something anything way ways still keep keeps need
needs want wants trying try tried help please best ok one two also
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@functools.lru_cache(maxsize=65_536)  # descriptions and replies repeat their words
def stem(word: str) -> str:
    """A light English stemmer: enough for "deploying"/"deployed"/"deploys" to meet. It
    strips one common suffix and is applied to both sides alike, so its imperfections
    cancel out."""
    w = word.lower()
    if len(w) <= 3:
        return w
    # Two rounds, so that a word with two suffixes meets its shorter forms
    # ("volunteering" → "volunteer" → "volunte", as "volunteers" → "volunte").
    for _round in range(2):
        for suffix, keep in (
            ("sses", "ss"), ("ss", "ss"),
            ("ational", "ate"), ("ization", "ize"), ("ations", "ate"), ("ation", "ate"),
            ("ments", ""), ("ment", ""), ("ness", ""), ("ingly", ""), ("edly", ""),
            ("ies", "y"), ("ied", "y"), ("ing", ""), ("ers", ""), ("er", ""), ("ed", ""),
            ("ly", ""), ("es", ""), ("s", ""),
        ):  # fmt: skip
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)] + keep
                break
        else:
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # "stopp" → "stop"
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]  # "cache"/"caching" → "cach", "glue"/"glued" → "glu"
    return w


# Words members use for the same thing, across the domains communities talk about:
# common abbreviations, British and American spellings, and plain synonyms. Each group
# meets under its first word's stem, on both sides alike; the candidate query asks for
# every spelling of a group. Generic on purpose: a pair of the evaluation set is never a
# reason to add a word here.
_SYNONYM_TEXT = """
database db databases
postgres postgresql psql
kubernetes k8s
javascript js
repository repo repos
configuration config configs
documentation docs
application app apps
authentication auth
performance perf
environment env
dependency dependencies deps
load traffic
slow sluggish laggy
grading marking assessing
feedback comments
student pupil pupils learners
teacher teachers educator
assignment homework
exam exams examination
volunteer volunteers
meeting meetup meetups
doctor gp physician
medication medicine meds medications
fertilizer fertiliser
color colour
organize organise organizing organising
behavior behaviour
glue adhesive glued
wood timber lumber
child children kids kid
email mail emails
phone smartphone mobile
computer laptop pc
photo picture photos pictures
repair fix fixing
money cash funds
"""


def _synonym_groups() -> tuple[dict[str, str], dict[str, list[str]]]:
    canonical: dict[str, str] = {}
    spellings: dict[str, list[str]] = {}
    for line in _SYNONYM_TEXT.strip().splitlines():
        words = line.split()
        head = stem(words[0])
        spellings[head] = words
        for word in words:
            canonical[stem(word)] = head
    return canonical, spellings


SYNONYMS, SPELLINGS = _synonym_groups()


def terms(text: str) -> dict[str, str]:
    """The content words of `text` by stem, synonyms meeting under one stem (the first
    spelling seen is kept for reasons)."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        stem_ = stem(word)
        found.setdefault(SYNONYMS.get(stem_, stem_), word)
    return found


def retrieval_words(query_words: dict[str, str]) -> dict[str, str]:
    """The words the candidate query asks for: the query's own, and every spelling of
    the synonym groups they belong to (keyed `stem|spelling`)."""
    found = dict(query_words)
    for stem_, word in query_words.items():
        for spelling in SPELLINGS.get(stem_, []):
            if spelling != word and _WORD.fullmatch(spelling):
                found[f"{stem_}|{spelling}"] = spelling
    return found


def _trigrams(text: str) -> set[str]:
    """Trigrams as `pg_trgm` makes them: each lower-cased word padded with two spaces in
    front and one behind."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str | set[str], b: str) -> float:
    """Shared trigrams over all trigrams of the two texts (`pg_trgm`'s `similarity`);
    `a` may be given as its trigrams already."""
    ga = a if isinstance(a, set) else _trigrams(a)
    gb = _trigrams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


@dataclass
class Suggestion:
    """A problem or practice suggested as similar, with why."""

    document: SearchDocument
    score: float
    shared_words: list[str]
    shared_topics: list[str]
    wording: float
    answer_words: list[str] = field(default_factory=list)
    closeness: float | None = None  # the titles' cosine by meaning, when both have a vector
    reasons: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "problem" if self.document.kind == SearchKind.PROBLEM else "practice"

    @property
    def object_id(self) -> int:
        return self.document.object_id

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def community(self) -> Community:
        return self.document.community

    @property
    def status(self) -> str:
        return self.document.status

    @property
    def is_solved(self) -> bool:
        return self.document.status in (ProblemStatus.SOLVED, EntryStatus.VALIDATED)

    @property
    def url(self) -> str:
        return self.document.get_absolute_url()


def clean_title(title: str) -> str:
    """The query bounded: one line, at most a title's length."""
    return _CONTROL.sub(" ", title or "").strip()[:MAX_TITLE]


def _candidates(
    title: str, words: dict[str, str], documents
) -> tuple[list[SearchDocument], dict[str, float], str]:
    """The candidate documents, for each query word (by stem) the share of titles that
    contain it, and the (bounded) full-text query asked of the texts."""
    if connection.vendor == "postgresql":
        return _candidates_postgres(title, words, documents)
    return _candidates_sqlite(words, documents), _frequencies_sqlite(words), ""


SMALL_TABLE = 20_000  # below this many search documents, word frequencies are counted


def _frequencies_sqlite(words: dict[str, str]) -> dict[str, float]:
    """Counted with the FTS5 table, one query: small databases only (the fallback)."""
    total = "(SELECT count(*) FROM knowledge_searchdocument WHERE kind IN ('problem', 'entry'))"
    count = (
        "(SELECT count(*) FROM knowledge_searchdocument_fts f JOIN knowledge_searchdocument d"
        " ON d.id = f.rowid WHERE knowledge_searchdocument_fts MATCH %s"
        " AND d.kind IN ('problem', 'entry'))"
    )
    parts = [total] + [count] * len(words)
    params = ['title : "{}"'.format(word.replace('"', "")) for word in words.values()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        total, *counts = cursor.fetchone()
    return {stem_: count / max(total, 1) for stem_, count in zip(words, counts, strict=True)}


def _counted_frequencies_postgres(words: dict[str, str]) -> dict[str, float]:
    """Counted over the problems' and practices' titles, one scan: small databases."""
    filters = ", ".join(
        "count(*) FILTER (WHERE title_vector @@ plainto_tsquery('english', %s))" for _w in words
    )
    sql = (
        f"SELECT count(*), {filters} FROM knowledge_searchdocument"  # noqa: S608 -- ours
        " WHERE kind IN ('problem', 'entry')"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(words.values()))
        total, *counts = cursor.fetchone()
    return {stem_: count / max(total, 1) for stem_, count in zip(words, counts, strict=True)}


# PostgreSQL: the words of a query whose title matches are ranked must together match at
# most this share of the documents (by the planner's own statistics of `title_vector`), so
# the query stays bounded at any size: the rarest words are kept, words found in most
# titles ("best", "way") only count in the scoring. When even the rarest word is that
# common, two of the three rarest must appear together.
FTS_SHARE_BUDGET = 0.005
FTS_ROWS_BUDGET = 500  # … or this many documents, whichever is more (small databases)
_LEXEME_FREQUENCIES = """
    WITH q AS (
        SELECT word, (ts_lexize('english_stem', word))[1] AS lexeme FROM unnest(%s::text[]) word
    ),
    s AS (
        SELECT unnest(most_common_elems::text::text[]) AS lexeme,
               unnest(most_common_elem_freqs[1:array_length(most_common_elems::text::text[], 1)])
                   AS freq
        FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'knowledge_searchdocument'
          AND attname = 'title_vector'
    )
    SELECT q.word, q.lexeme, coalesce(s.freq, 0) FROM q LEFT JOIN s USING (lexeme)
    WHERE q.lexeme IS NOT NULL
"""


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "") + "'"


def bounded_tsquery(frequencies: dict[str, float], budget: float = FTS_SHARE_BUDGET) -> str:
    """A tsquery (already-stemmed lexemes) that matches a bounded share of the titles.

    Lexemes the statistics do not list as common are always asked for; then the rarer
    common ones, joined with OR, while their frequencies add up to at most `budget`.
    When none of the common ones fits alone, any `k` of the `k + 1` rarest together are
    asked for, for the smallest `k` whose estimate (frequencies multiplied, as if
    independent) fits; at worst all of them together."""

    uncommon = sorted(lexeme for lexeme, frequency in frequencies.items() if not frequency)
    common = sorted(
        ((lexeme, f) for lexeme, f in frequencies.items() if f), key=lambda item: (item[1], item[0])
    )
    parts = [_quoted(lexeme) for lexeme in uncommon]
    total = 0.0
    for lexeme, frequency in common:
        if total + frequency > budget:
            break
        parts.append(_quoted(lexeme))
        total += frequency
    if total == 0.0 and len(common) >= 2:
        for k in range(2, len(common) + 1):
            groups = list(combinations(common[: k + 1], k))
            estimate = sum(math.prod(f for _lexeme, f in group) for group in groups)
            if estimate <= budget or k == len(common):
                parts.extend(
                    "(" + " & ".join(_quoted(lexeme) for lexeme, _f in group) + ")"
                    for group in groups
                )
                break
    return " | ".join(parts)


def _prefix_tsquery(words: list[str]) -> str:
    """Each word's first five letters as a prefix (`kuber:*`): a word still being typed,
    or misspelt near its end, finds its titles."""
    prefixes = {re.sub(r"[^\w]", "", word)[:5] for word in words if len(word) >= 4}
    return " | ".join(f"{_quoted(p)}:*" for p in sorted(prefixes) if p)


def _candidates_postgres(
    title: str, words: dict[str, str], documents
) -> tuple[list[SearchDocument], dict[str, float], str]:
    """Title matches of the query's rarer words, ranked by `ts_rank`; when none matches,
    titles with words beginning alike (a word half typed); when still none (a misspelt
    title), the `pg_trgm` index finds titles spelt alike."""

    content = " ".join(words.values())
    with connection.cursor() as cursor:
        cursor.execute(_LEXEME_FREQUENCIES, [list(words.values())])
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'knowledge_searchdocument'::regclass"
        )
        size = cursor.fetchone()[0]
    if size < SMALL_TABLE:  # statistics are missing or rough on a small table: count
        by_stem = _counted_frequencies_postgres(words)
        by_word = {words[stem_]: f for stem_, f in by_stem.items()}
        rows = [(word, lexeme, by_word.get(word, 0.0)) for word, lexeme, _f in rows]
    else:
        by_word = {word: frequency for word, _lexeme, frequency in rows}
        by_stem = {stem_: by_word.get(word, 0.0) for stem_, word in words.items()}
    frequencies = {lexeme: frequency for _word, lexeme, frequency in rows}
    raw = bounded_tsquery(frequencies, max(FTS_SHARE_BUDGET, FTS_ROWS_BUDGET / max(size, 1)))
    found = []
    if raw:
        query = SearchQuery(raw, search_type="raw", config="simple")
        found = list(
            documents.filter(title_vector=query)
            .annotate(candidate_rank=SearchRank(F("title_vector"), query))
            .order_by("-candidate_rank", "-id")[:CANDIDATES]
        )
    # Only words the statistics do not know: a known word's prefix adds little and costs.
    unknown = [word for word, _lexeme, frequency in rows if not frequency]
    prefix = _prefix_tsquery(unknown)
    if not found and prefix:
        query = SearchQuery(prefix, search_type="raw", config="simple")
        found = list(
            documents.filter(title_vector=query)
            .annotate(candidate_rank=SearchRank(F("title_vector"), query))
            .order_by("-candidate_rank", "-id")[:CANDIDATES]
        )
    if not found:
        found = _spelt_alike(content, documents)
    return found, by_stem, raw


def _spelt_alike(content: str, documents) -> list[SearchDocument]:
    """Titles `pg_trgm`-similar to the query, for a title none of whose words matched (a
    misspelling). The trigram index answers in a few milliseconds for a community's
    thousands of problems but can take 100 ms and more at a hundred thousand, so it gets
    `TRIGRAM_TIMEOUT_MS`: past that there is simply no suggestion (logged).

    The block is rolled back whether the scan finishes or not: that takes the `SET LOCAL`
    back (also inside an outer transaction) without a statement of its own, so the
    request costs the same number of queries at any size."""

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(TRIGRAM_TIMEOUT_MS)}")
            found = list(
                documents.filter(title__trigram_similar=content)
                .annotate(candidate_rank=TrigramSimilarity("title", content))
                .order_by("-candidate_rank", "-id")[:CANDIDATES]
            )
            transaction.set_rollback(True)  # read only: nothing to keep but the timeout
            return found
    except OperationalError:  # QueryCanceled: the savepoint is rolled back
        _CUT_SHORT.set(True)
        logger.debug("similar: trigram fallback over %s ms for %r", TRIGRAM_TIMEOUT_MS, content)
        return []


def _candidates_sqlite(words: dict[str, str], documents) -> list[SearchDocument]:

    if not words:
        return []
    match = "title : (" + " OR ".join(f'"{w}"' for w in words.values()) + ")"
    try:
        allowed_sql, allowed_params = documents.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = f"""
        SELECT fts.rowid FROM knowledge_searchdocument_fts AS fts
        WHERE knowledge_searchdocument_fts MATCH %s AND fts.rowid IN ({allowed_sql})
        ORDER BY bm25(knowledge_searchdocument_fts, 10.0, 1.0)
        LIMIT %s
    """  # noqa: S608 -- the inner SQL is Django's own, its values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *allowed_params, CANDIDATES])
        ids = [row[0] for row in cursor.fetchall()]
    return list(documents.filter(pk__in=ids))


def answer_documents(user, exclude_problem: int | None = None):
    """The texts that speak for a problem or practice: problems' descriptions, replies
    (for their problem) and published practices' texts, in the communities `user` may
    see."""
    texts = SearchDocument.objects.filter(
        community__in=visible_community_ids(user),
        kind__in=[SearchKind.PROBLEM, SearchKind.REPLY, SearchKind.ENTRY],
    ).exclude(kind=SearchKind.ENTRY, status__in=[EntryStatus.DRAFT, EntryStatus.ARCHIVED])
    if exclude_problem is not None:
        texts = texts.exclude(kind=SearchKind.PROBLEM, object_id=exclude_problem).exclude(
            kind=SearchKind.REPLY, parent_id=exclude_problem
        )
    return texts


def answer_scan(texts, raw: str) -> tuple[str, list]:
    """PostgreSQL: the SQL and parameters of the first `ANSWER_SCAN` texts whose `vector`
    (GIN-indexed) matches the tsquery `raw`, the best `ANSWER_CANDIDATES` of them by
    `ts_rank`, as rows of kind, object id, parent id and the text's beginning. The scan
    ranks the rows it reads and carries what is kept, so none is fetched again by id."""
    query = SearchQuery(raw, search_type="raw", config="simple")
    scanned = (
        texts.filter(vector=query)
        .annotate(
            candidate_rank=SearchRank(F("vector"), query),
            beginning=Substr("body", 1, ANSWER_CHARS),
        )
        .values_list("kind", "object_id", "parent_id", "beginning", "candidate_rank", "id")[
            :ANSWER_SCAN
        ]
    )
    sql, params = scanned.query.sql_with_params()
    outer = (
        "SELECT kind, object_id, parent_id, beginning"  # noqa: S608 -- Django's SQL inside
        f" FROM ({sql}) AS scanned ORDER BY candidate_rank DESC, id DESC LIMIT %s"
    )
    return outer, [*params, ANSWER_CANDIDATES]


def _answer_matches(words: dict[str, str], raw: str, texts) -> dict[tuple[str, int], str]:
    """The descriptions, replies and practice texts that contain the query's words, by
    the problem or practice they speak for: at most `ANSWER_CANDIDATES`, the best
    ranked of the first `ANSWER_SCAN` matches (a GIN or FTS5 index finds them)."""
    if not words:
        return {}
    if connection.vendor == "postgresql":
        if not raw:
            return {}
        try:
            sql, params = answer_scan(texts, raw)
        except EmptyResultSet:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        quoted = " OR ".join('"{}"'.format(w.replace('"', "")) for w in words.values())
        match = f"body : ({quoted})"
        try:
            allowed_sql, allowed_params = texts.values("pk").query.sql_with_params()
        except EmptyResultSet:
            return {}
        sql = f"""
            SELECT d.kind, d.object_id, d.parent_id, substr(d.body, 1, %s)
            FROM knowledge_searchdocument_fts AS fts
            JOIN knowledge_searchdocument AS d ON d.id = fts.rowid
            WHERE knowledge_searchdocument_fts MATCH %s AND fts.rowid IN ({allowed_sql})
            ORDER BY bm25(knowledge_searchdocument_fts, 0.0, 1.0)
            LIMIT %s
        """  # noqa: S608 -- the inner SQL is Django's own, its values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [ANSWER_CHARS, match, *allowed_params, ANSWER_CANDIDATES])
            rows = cursor.fetchall()
    found: dict[tuple[str, int], str] = {}
    for kind, object_id, parent_id, body in rows:
        key = (SearchKind.PROBLEM, parent_id) if kind == SearchKind.REPLY else (kind, object_id)
        found[key] = f"{found.get(key, '')}\n{body}"
    return found


def _reasons(suggestion: Suggestion, community: Community | None) -> list[str]:
    reasons = []
    if suggestion.closeness is not None and suggestion.closeness >= SHOWN_MEANING:
        reasons.append(_("Close in meaning to your title"))
    if suggestion.shared_words:
        reasons.append(
            _("Shares the words %(words)s")
            % {"words": ", ".join(f"“{w}”" for w in suggestion.shared_words)}
        )
    if suggestion.answer_words:
        words = ", ".join(f"“{w}”" for w in suggestion.answer_words)
        if suggestion.kind == "problem":
            reasons.append(_("Its description or answers mention %(words)s") % {"words": words})
        else:
            reasons.append(_("Its text mentions %(words)s") % {"words": words})
    if suggestion.wording >= SHOWN_TRIGRAM:
        reasons.append(_("Worded much the same way"))
    if suggestion.shared_topics:
        topics = ", ".join(suggestion.shared_topics)
        reasons.append(_("Same topic: %(topics)s") % {"topics": topics})
    if suggestion.document.status == ProblemStatus.SOLVED:
        reasons.append(_("Solved: it has an accepted solution"))
    elif suggestion.document.status == EntryStatus.VALIDATED:
        reasons.append(_("A validated practice"))
    if community is not None and suggestion.document.community_id != community.pk:
        reasons.append(_("From the community %(name)s") % {"name": suggestion.community.name})
    return reasons


def informativeness(share: float) -> float:
    """How much a word says, from the share of titles that contain it (inverse document
    frequency): a word in one title in a thousand weighs about four times one in every
    other title."""
    return math.log(1 + 1 / max(share, RARE_SHARE))


def score(
    query_words: dict[str, str],
    title: str | set[str],
    document: SearchDocument,
    topics: dict[str, str],
    weights: dict[str, float] | None = None,
    answer_text: str = "",
    closeness: float | None = None,
) -> Suggestion:
    """How similar `document` is to a query title (or the title's trigrams), with the
    parts that make the score. The words part is the geometric mean of how much of the
    query's information the document's title holds (shared words weighed by
    `informativeness`, `weights` by stem) and how much of the document's title is shared.
    Query words the title lacks but its description, replies or text (`answer_text`) hold
    add their share of the query's information, weighed by `ANSWER_WEIGHT`. The titles'
    cosine by meaning (`closeness`, None when a title has no vector yet) adds its part
    above `MEANING_FLOOR`, weighed by `MEANING_WEIGHT`."""
    words = terms(document.title)
    shared_stems = [s for s in words if s in query_words]
    shared = [words[s] for s in shared_stems]
    weights = weights or {}
    query_weight = sum(weights.get(s, 1.0) for s in query_words)
    covered = sum(weights.get(s, 1.0) for s in shared_stems) / query_weight if query_weight else 0
    coverage = len(shared) / len(words) if words else 0
    words_part = math.sqrt(covered * coverage)
    in_answers = terms(answer_text) if answer_text else {}
    answer_stems = [s for s in query_words if s not in words and s in in_answers]
    answers_part = (
        sum(weights.get(s, 1.0) for s in answer_stems) / query_weight if query_weight else 0
    )
    wording = trigram_similarity(title, document.title)
    slugs = set(document.tag_slugs.split())
    shared_topics = [name for slug, name in topics.items() if slug in slugs]
    total = WORDS_WEIGHT * words_part + TRIGRAM_WEIGHT * wording + ANSWER_WEIGHT * answers_part
    if closeness is not None:
        total += MEANING_WEIGHT * max(0.0, closeness - MEANING_FLOOR) / (1 - MEANING_FLOOR)
    if shared_topics:
        total += TOPIC_BONUS
    if document.status in (ProblemStatus.SOLVED, EntryStatus.VALIDATED):
        total += SOLVED_BONUS
    return Suggestion(
        document=document,
        score=round(total, 4),
        shared_words=shared,
        shared_topics=shared_topics,
        wording=round(wording, 3),
        answer_words=[query_words[s] for s in answer_stems],
        closeness=None if closeness is None else round(closeness, 3),
    )


# The columns scoring and display read: the body and both vectors stay in the database.
_COLUMNS = (
    "id", "kind", "object_id", "parent_id", "community_id", "title", "status", "tag_slugs",
    "community__id", "community__name", "community__slug",
)  # fmt: skip


def suggestable_documents(user, communities: list[int] | None = None):
    """Search documents of problems and published, current practices in the communities
    `user` may see (`communities`, their ids, when already read). Drafts (private to
    their author) and archived practices are left out for everyone."""
    if communities is None:
        communities = visible_community_ids(user)
    return (
        SearchDocument.objects.filter(
            community__in=communities, kind__in=[SearchKind.PROBLEM, SearchKind.ENTRY]
        )
        .exclude(kind=SearchKind.ENTRY, status__in=[EntryStatus.DRAFT, EntryStatus.ARCHIVED])
        .select_related("community")
        .only(*_COLUMNS)
    )


def similar(
    user,
    *,
    title: str,
    community: Community | None = None,
    topics: dict[str, str] | None = None,
    exclude_problem: int | None = None,
    limit: int = 5,
    min_score: float = MIN_SCORE,
    stored_meaning: bool = False,
) -> list[Suggestion]:
    """Up to `limit` problems and practices `user` may see that look like `title`, best
    first, each with its reasons. `community` is where the member is posting (suggestions
    from elsewhere say so); `topics` ({slug: name}) are the topics chosen, a shared one
    counts; `exclude_problem` leaves a problem out (its own page). With `stored_meaning`
    (a document's own title, in `community`) the title's stored vector is used when
    there is one instead of encoding the title again."""
    title = clean_title(title)
    query_words = dict(list(terms(title).items())[:MAX_TERMS])
    if not query_words:
        return []
    communities = visible_community_ids(user)
    documents = suggestable_documents(user, communities)
    if exclude_problem is not None:
        documents = documents.exclude(kind=SearchKind.PROBLEM, object_id=exclude_problem)
    grams = _trigrams(title)
    asked = retrieval_words(query_words)
    candidates, shares, raw = _candidates(title, asked, documents)
    answers = _answer_matches(asked, raw, answer_documents(user, exclude_problem))
    nearest.refresh()
    query_vector = None
    if stored_meaning and community is not None:
        query_vector = nearest.stored_vector(community.pk, title)
    if query_vector is None:
        query_vector = meaning.embed_query(title, settings.MEANING_QUERY_CACHE)
    near = nearest.nearest(query_vector, communities, MEANING_CANDIDATES)
    known = {(d.kind, d.object_id) for d in candidates}
    missing = [key for key in answers if key not in known]
    held = {d.pk for d in candidates}
    near_missing = [n.document_id for n in near if n.document_id not in held]
    if missing or near_missing:
        # Through `documents`: the visibility filter holds for what meaning found too.
        wanted = Q(pk__in=near_missing)
        for kind, object_id in missing:
            wanted |= Q(kind=kind, object_id=object_id)
        candidates += list(documents.filter(wanted))
    weights = {stem_: informativeness(share) for stem_, share in shares.items() if "|" not in stem_}
    scored = [
        score(
            query_words,
            grams,
            document,
            topics or {},
            weights,
            answers.get((document.kind, document.object_id), ""),
            nearest.cosine(query_vector, document.community_id, document.pk, document.title),
        )
        for document in candidates
    ]
    shown = sorted(
        (
            s
            for s in scored
            if s.score >= min_score + (MEANING_MARGIN if s.closeness is not None else 0.0)
        ),
        key=lambda s: (-s.score, -s.document.object_id),
    )[: max(1, min(limit, 20))]
    for suggestion in shown:
        suggestion.reasons = _reasons(suggestion, community)
    return shown


# Set when a step was cut short by its time limit: such suggestions are not kept.
_CUT_SHORT = ContextVar("similar_cut_short", default=False)


def related(user, *, problem, community: Community, topics: dict[str, str]) -> list[Suggestion]:
    """The related problems and practices on `problem`'s page: `similar` to its title and
    topics, kept (`cop.cache`) until a search document changes anywhere; the viewer's
    visible communities are part of the key, so no one is shown what they may not see.
    Suggestions cut short by a time limit are not kept."""
    visible = tuple(visible_community_ids(user))
    token = _CUT_SHORT.set(False)

    def compute() -> list[Suggestion]:
        return similar(
            user,
            title=problem.title,
            community=community,
            topics=topics,
            exclude_problem=problem.pk,
            stored_meaning=True,
        )

    try:
        return cache.remember(
            "knowledge:related",
            (cache.SEARCH,),
            (problem.pk, problem.title, sorted(topics.items()), community.pk, visible,
             get_language()),
            compute,
            keep=lambda _value: not _CUT_SHORT.get(),
        )  # fmt: skip
    finally:
        _CUT_SHORT.reset(token)
