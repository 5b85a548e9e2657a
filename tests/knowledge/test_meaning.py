"""The meaning model and its use: the numpy encoder against numbers computed once with
sentence-transformers (torch) on the same weights, title vectors written after commit
and by the sweeper and the backfill, and similar problems found by meaning alone, never
from a community the viewer may not see."""

import io

import numpy as np
import pytest
from django.core.management import call_command

from cop.enums import Visibility
from knowledge import meaning
from knowledge.enums import SearchKind
from knowledge.models import SearchDocument, TitleMeaning
from knowledge.services import problems
from knowledge.services.meanings import embed_titles
from knowledge.similarity import similar
from knowledge.tasks import embed_titles as embed_titles_task
from tests.factories import CommunityFactory, UserFactory, make_member

# Reference: sentence-transformers 6.2.0 on torch 2.13.0 (CPU), the package's model
# directory, `encode(texts, normalize_embeddings=True)`; cosines rounded to 3 decimals.
TEXTS = [
    "Our app runs out of database connections when traffic spikes",
    "Connection pool exhausted under load on Postgres",
    "What should go into a pull request template?",
    "How do I keep tomatoes from splitting?",
    "A man is eating food.",
    "A man is eating a piece of bread.",
]
REFERENCE_COSINES = {(0, 1): 0.424, (0, 2): 0.070, (1, 2): -0.064, (2, 3): 0.009, (4, 5): 0.755}
REFERENCE_FIRST_VALUES = [0.04160, -0.05484, -0.00363, -0.03028, -0.09778]  # of TEXTS[0]

# A duplicate that shares no content word with its original (cosine 0.619), and a title
# about something else.
ORIGINAL = "Laptop battery drains too fast"
DUPLICATE = "Notebook power runs out quickly"
ELSEWHERE = "Quarterly budget spreadsheet template"


# --- the encoder -------------------------------------------------------------------------


def test_embed_matches_sentence_transformers_to_three_decimals():
    vectors = meaning.embed(TEXTS)
    assert vectors.shape == (6, meaning.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = vectors @ vectors.T
    for (a, b), expected in REFERENCE_COSINES.items():
        assert round(float(cosines[a, b]), 3) == expected, (a, b)
    assert np.allclose(vectors[0, :5], REFERENCE_FIRST_VALUES, atol=5e-5)


def test_embed_puts_paraphrases_far_above_unrelated_titles():
    original, duplicate, elsewhere = meaning.embed([ORIGINAL, DUPLICATE, ELSEWHERE])
    assert float(original @ duplicate) > 0.6
    assert float(original @ elsewhere) < 0.1 and float(duplicate @ elsewhere) < 0.1


def test_embed_is_the_same_alone_or_padded_in_a_batch():
    alone = meaning.embed([TEXTS[3]])[0]
    batched = meaning.embed([TEXTS[0], TEXTS[3], ""])
    assert np.allclose(alone, batched[1], atol=1e-5)
    assert meaning.embed([]).shape == (0, meaning.DIMENSIONS)


def test_stored_vector_round_trips_as_float16():
    vector = meaning.embed([TEXTS[0]])[0]
    data = meaning.to_bytes(vector)
    assert len(data) == 2 * meaning.DIMENSIONS
    assert np.allclose(meaning.from_bytes(data), vector, atol=1e-3)


# --- storage -----------------------------------------------------------------------------


def _document(problem) -> SearchDocument:
    return SearchDocument.objects.get(kind=SearchKind.PROBLEM, object_id=problem.pk)


@pytest.mark.django_db
def test_title_vector_written_after_commit_and_replaced_on_edit(
    django_capture_on_commit_callbacks,
):
    community = CommunityFactory()
    author = make_member(community)
    with django_capture_on_commit_callbacks(execute=True):
        problem = problems.ask_problem(
            community=community, author=author, title=ORIGINAL, context="…"
        )
    stored = TitleMeaning.objects.get(document=_document(problem))
    assert stored.title == ORIGINAL and stored.community_id == community.pk
    assert np.allclose(meaning.from_bytes(stored.vector), meaning.embed([ORIGINAL])[0], atol=1e-3)
    with django_capture_on_commit_callbacks(execute=True):
        problems.edit_problem(problem=problem, by=author, title=ELSEWHERE, context="…")
    stored = TitleMeaning.objects.get(document=_document(problem))
    assert stored.title == ELSEWHERE
    assert np.allclose(meaning.from_bytes(stored.vector), meaning.embed([ELSEWHERE])[0], atol=1e-3)
    # Indexing again with the same title (a reply, a status) keeps the vector.
    with django_capture_on_commit_callbacks(execute=True):
        problems.post_reply(problem=problem, author=make_member(community), body="Try X.")
    assert TitleMeaning.objects.get(document=_document(problem)).pk == stored.pk


@pytest.mark.django_db
def test_sweeper_and_backfill_encode_what_the_task_missed():
    community = CommunityFactory()
    author = make_member(community)
    # No commit callbacks run here (a broker that was down): nothing is encoded.
    first = problems.ask_problem(community=community, author=author, title=ORIGINAL, context="…")
    again = problems.ask_problem(community=community, author=author, title=ORIGINAL, context="…")
    other = problems.ask_problem(community=community, author=author, title=ELSEWHERE, context="…")
    assert not TitleMeaning.objects.exists()
    assert embed_titles_task.delay(document_ids=[_document(first).pk]).get() == 1
    # The sweeper (no ids) takes the rest; a title already encoded is copied, not redone.
    assert embed_titles_task.delay().get() == 2
    vectors = {row.document_id: bytes(row.vector) for row in TitleMeaning.objects.all()}
    assert vectors[_document(first).pk] == vectors[_document(again).pk]
    assert vectors[_document(other).pk] != vectors[_document(first).pk]
    assert embed_titles() == 0  # safe to run twice
    # A vector made from an older title counts as missing; the backfill renews it.
    TitleMeaning.objects.filter(document=_document(other)).update(title="An older title")
    out = io.StringIO()
    call_command("embed_titles", stdout=out)
    assert out.getvalue().endswith("1 title vectors written\n")
    assert TitleMeaning.objects.get(document=_document(other)).title == ELSEWHERE


# --- similar by meaning (the suite's database, and again on PostgreSQL) ------------------


def _ask(community, title, *, author=None):
    author = author or make_member(community)
    return problems.ask_problem(community=community, author=author, title=title, context="…")


def check_duplicate_sharing_no_word_found_by_meaning():
    community = CommunityFactory()
    original = _ask(community, ORIGINAL)
    _ask(community, ELSEWHERE)
    # Without vectors the words alone find nothing: not one is shared.
    assert similar(None, title=DUPLICATE, community=community) == []
    embed_titles()
    found = similar(None, title=DUPLICATE, community=community)
    assert [s.object_id for s in found] == [original.pk]
    top = found[0]
    assert top.shared_words == [] and top.closeness == pytest.approx(0.619, abs=0.005)
    assert top.reasons[0] == "Close in meaning to your title"
    # An unrelated title gets nothing, although every title has some cosine to it.
    assert similar(None, title="Planning the summer picnic", community=community) == []


def check_meaning_adds_to_shared_words():
    community = CommunityFactory()
    close = _ask(community, "Kids refuse to sleep at night")
    far = _ask(community, "Kids refuse to eat vegetables")
    embed_titles()
    found = similar(None, title="Children fight sleep every night", community=community)
    assert [s.object_id for s in found][:1] == [close.pk]
    assert "Close in meaning to your title" in found[0].reasons
    assert any("Shares the words" in reason for reason in found[0].reasons)
    scores = {s.object_id: s.score for s in found}
    assert far.pk not in scores or scores[far.pk] < scores[close.pk]


def check_private_titles_never_found_by_meaning_for_outsiders():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    member = make_member(private)
    secret = _ask(private, "Secret merger data room access", author=member)
    public = CommunityFactory()
    _ask(public, "Planning the summer picnic")
    embed_titles()
    query = "Who can open the confidential takeover files?"  # cosine 0.623, no word
    assert similar(None, title=query) == []
    assert similar(UserFactory(), title=query, community=public) == []
    assert [s.object_id for s in similar(member, title=query)] == [secret.pk]


def check_vector_of_an_older_title_is_not_used():
    community = CommunityFactory()
    author = make_member(community)
    problem = _ask(community, ORIGINAL, author=author)
    embed_titles()
    assert [s.object_id for s in similar(None, title=DUPLICATE)] == [problem.pk]
    # Retitled, its new vector not written yet: the old one no longer speaks for it.
    problems.edit_problem(problem=problem, by=author, title=ELSEWHERE, context="…")
    assert similar(None, title=DUPLICATE) == []
    embed_titles()
    found = similar(None, title="Budget template for the quarter")
    assert [s.object_id for s in found] == [problem.pk] and found[0].closeness is not None


def _check(name):
    return globals()[f"check_{name}"]


CHECKS = [
    "duplicate_sharing_no_word_found_by_meaning",
    "meaning_adds_to_shared_words",
    "private_titles_never_found_by_meaning_for_outsiders",
    "vector_of_an_older_title_is_not_used",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CHECKS)
def test_similar_by_meaning_on_current_database(name):
    _check(name)()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("name", CHECKS)
def test_similar_by_meaning_on_postgres(name):
    _check(name)()


@pytest.mark.django_db
def test_api_similar_gives_the_meaning_reason_in_its_fields(client):
    community = CommunityFactory()
    original = _ask(community, ORIGINAL)
    embed_titles()
    response = client.get(
        "/api/v1/problems/similar/", {"title": DUPLICATE, "community": community.slug}
    )
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert set(first) == {
        "kind", "id", "title", "community", "status", "solved", "url", "score",
        "shared_words", "shared_topics", "reasons",
    }  # fmt: skip
    assert first["id"] == original.pk and first["shared_words"] == []
    assert first["reasons"][0] == "Close in meaning to your title"
