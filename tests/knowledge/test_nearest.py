"""The in-process title matrices (knowledge/nearest.py) and the query's vector: a title
borne by several documents is held once and still found for each of them, a vector
retitled away leaves the others found, the problem page's related items use the stored
vector of the problem's title instead of encoding it, and recent query titles keep
their vector only when asked to."""

import numpy as np
import pytest

from knowledge import meaning, nearest, similarity
from knowledge.nearest import _Block
from knowledge.services import problems
from knowledge.services.meanings import embed_titles
from tests.factories import CommunityFactory, make_member


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(meaning.DIMENSIONS, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


NORTH, EAST, BETWEEN = _unit(1.0), _unit(0.0, 1.0), _unit(1.0, 1.0)


def _rows(*items: tuple[int, str, np.ndarray]) -> list[tuple[int, str, bytes]]:
    return [(document_id, title, meaning.to_bytes(vector)) for document_id, title, vector in items]


def test_documents_sharing_a_title_share_one_vector_and_are_all_found():
    block = _Block().with_rows(
        _rows((1, "north", NORTH), (2, "north", NORTH), (3, "east", EAST), (4, "north", NORTH))
    )
    assert block.vectors.shape == (2, meaning.DIMENSIONS)
    assert block.vectors.flags["C_CONTIGUOUS"] and block.vectors.dtype == np.float32
    found = block.nearest(NORTH, 2)
    # The nearest distinct vectors, expanded to every document bearing them.
    assert sorted(n.document_id for n in found) == [1, 2, 3, 4]
    assert {n.document_id: round(n.cosine, 3) for n in found} == {1: 1.0, 2: 1.0, 4: 1.0, 3: 0.0}
    assert block.by_title == {"north": 0, "east": 1}


def test_a_vector_retitled_away_still_leaves_enough_documents():
    earlier = _Block().with_rows(
        _rows((1, "north", NORTH), (2, "east", EAST), (3, "between", BETWEEN))
    )
    # Document 1 retitled: its old vector stays held with no document (until a full read).
    block = earlier.with_rows(_rows((1, "east again", EAST)))
    assert block.vectors.shape[0] == 3
    found = block.nearest(NORTH, 2)
    assert sorted(n.document_id for n in found) == [1, 2, 3]
    assert {n.document_id: n.title for n in found}[1] == "east again"
    # The earlier block, still held by a reader, is unchanged.
    assert earlier.titles == ["north", "east", "between"] and earlier.owner.tolist() == [0, 1, 2]
    assert [n.document_id for n in earlier.nearest(NORTH, 1)] == [1]


def test_nearest_ranks_across_blocks_nearest_first_then_newest():
    nearest._matrices.blocks = {
        1: _Block().with_rows(_rows((10, "north", NORTH), (11, "east", EAST))),
        2: _Block().with_rows(_rows((12, "north", NORTH), (13, "between", BETWEEN))),
    }
    found = nearest.nearest(NORTH, [1, 2], 3)
    assert [n.document_id for n in found] == [12, 10, 13]
    assert nearest.nearest(NORTH, [1], 5) == [
        nearest.Near(10, "north", pytest.approx(1.0, abs=1e-3)),
        nearest.Near(11, "east", pytest.approx(0.0, abs=1e-3)),
    ]
    assert nearest.stored_vector(2, "between") == pytest.approx(BETWEEN, abs=1e-3)
    assert nearest.stored_vector(1, "between") is None


def test_query_vectors_are_remembered_only_when_asked():
    meaning.forget_queries()
    title = "Connection pool exhausted under load on Postgres"
    vector = meaning.embed_query(title)
    assert np.array_equal(vector, meaning.embed([title])[0]) and not vector.flags.writeable
    assert meaning.embed_query(title) is not vector  # keep=0: encoded again
    kept = meaning.embed_query(title, keep=2)
    assert meaning.embed_query(title, keep=2) is kept
    meaning.embed_query("Another title", keep=2)
    meaning.embed_query("A third title", keep=2)
    assert meaning.embed_query(title, keep=2) is not kept  # pushed out by two newer
    meaning.forget_queries()


@pytest.mark.django_db
def test_related_items_use_the_problems_stored_vector(monkeypatch):
    community = CommunityFactory()
    author = make_member(community)
    problem = problems.ask_problem(
        community=community, author=author, title="Laptop battery drains too fast", context="…"
    )
    duplicate = problems.ask_problem(
        community=community, author=author, title="Notebook power runs out quickly", context="…"
    )
    embed_titles()

    def no_encoding(texts):
        raise AssertionError(f"encoded {texts}")

    monkeypatch.setattr(meaning, "embed", no_encoding)
    found = similarity.related(None, problem=problem, community=community, topics={})
    assert [s.object_id for s in found] == [duplicate.pk]
    assert found[0].closeness == pytest.approx(0.619, abs=0.005)
    # A typed title is encoded (nothing stored is taken for it).
    with pytest.raises(AssertionError, match="encoded"):
        similarity.similar(None, title="Laptop battery drains too fast", community=community)
