"""The titles nearest in meaning to a query, among the problems and practices of some
communities: per community, every title vector (`TitleMeaning`) as one float32 matrix
held in this process's memory, multiplied by the query's vector (cosine similarity, the
vectors having length 1). A title borne by several documents has its vector stored
once: the product reads each distinct title once, and it is bound by memory bandwidth
(measured at a load of 7-10 on 2 cores: 40-50 ms for 102,900 rows, 2-10 ms for the
9,370 distinct titles of the same 100k benchmark community). 1.5 KB of memory per
distinct title.

The matrices follow the table by its highest id, read before each search (one index
lookup): new rows (a new or retitled problem) are added at once. Every `RECOUNT_SECONDS`
the rows are also counted; when the count does not add up (rows deleted, or committed
out of id order) everything is read again. A deleted document's row may linger until
then, which is harmless: the caller finds candidates through the visibility filter.
A vector whose document has since been retitled is never used: the caller compares the
title the vector was made from (`Near.title`) with the document's.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Max

from . import meaning
from .models import TitleMeaning

RECOUNT_SECONDS = 60.0


@dataclass(frozen=True)
class Near:
    document_id: int
    title: str  # the title the vector was computed from
    cosine: float


@dataclass
class _Block:
    """One community's titles. Row n is document `ids[n]`'s, made from `titles[n]`; its
    vector is `vectors[owner[n]]`: a title's vector is stored once however many
    documents bear it (the same title always gives the same vector), so the product
    reads each distinct title once. `members` (a CSR: `order[start[u]:start[u + 1]]`)
    gives the rows of distinct vector u; `by_title` the distinct vector of a title."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    titles: list[str] = field(default_factory=list)
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray = field(
        default_factory=lambda: np.zeros((0, meaning.DIMENSIONS), dtype=np.float32)
    )
    keys: dict[bytes, int] = field(default_factory=dict)
    by_title: dict[str, int] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    def with_rows(self, new: list[tuple[int, str, bytes]]) -> "_Block":
        """A copy with `new` (document id, title, vector) put in, replacing a document's
        older row (readers keep using the block they hold)."""
        titles, rows = list(self.titles), dict(self.rows)
        keys, by_title = dict(self.keys), dict(self.by_title)
        owner = self.owner.tolist()
        added_ids, added_vectors = [], []
        for document_id, title, vector in new:
            distinct = keys.get(vector)
            if distinct is None:
                distinct = keys[vector] = len(self.vectors) + len(added_vectors)
                added_vectors.append(meaning.from_bytes(vector))
            by_title[title] = distinct
            row = rows.get(document_id)
            if row is None:
                rows[document_id] = len(titles)
                titles.append(title)
                owner.append(distinct)
                added_ids.append(document_id)
            else:
                titles[row], owner[row] = title, distinct
        ids = np.concatenate([self.ids, np.array(added_ids, dtype=np.int64)])
        vectors = self.vectors
        if added_vectors:
            vectors = np.ascontiguousarray(
                np.vstack([vectors, np.array(added_vectors, dtype=np.float32)])
            )
        owners = np.array(owner, dtype=np.int64)
        order = np.argsort(owners, kind="stable")
        start = np.searchsorted(owners[order], np.arange(len(vectors) + 1))
        return _Block(ids, titles, owners, vectors, keys, by_title, rows, order, start)

    def nearest(self, query: np.ndarray, limit: int) -> list[Near]:
        """The `limit` documents nearest to `query` (fewer when the block has fewer), in
        no particular order: the `limit` nearest distinct vectors bear at least that
        many documents unless some have none left (retitled away), then more are
        taken."""
        cosines = self.vectors @ query
        take = min(limit, len(cosines))
        while True:
            best = np.argpartition(-cosines, take - 1)[:take]
            found = [
                Near(int(self.ids[row]), self.titles[row], float(cosines[distinct]))
                for distinct in best
                for row in self.order[self.start[distinct] : self.start[distinct + 1]]
            ]
            if len(found) >= limit or take == len(cosines):
                return found
            take = min(len(cosines), take * 2)


class _Matrices:
    def __init__(self) -> None:
        self.blocks: dict[int, _Block] = {}
        self.seen = 0  # the highest TitleMeaning id read
        self.count = 0  # rows held (one per document)
        self.counted_at = 0.0
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.blocks, self.seen, self.count, self.counted_at = {}, 0, 0, 0.0

    def _read(self, since: int) -> None:
        new: dict[int, list[tuple[int, str, bytes]]] = {}
        rows = TitleMeaning.objects.filter(id__gt=since).order_by("id")
        for pk, document_id, community_id, title, vector in rows.values_list(
            "id", "document_id", "community_id", "title", "vector"
        ).iterator(chunk_size=5000):
            new.setdefault(community_id, []).append((document_id, title, bytes(vector)))
            self.seen = max(self.seen, pk)
        for community_id, items in new.items():
            block = self.blocks.get(community_id, _Block())
            self.blocks[community_id] = block.with_rows(items)
        self.count = sum(len(block.titles) for block in self.blocks.values())

    def refresh(self) -> None:
        """Bring the matrices up to the table: one index lookup when nothing changed."""
        top = TitleMeaning.objects.aggregate(top=Max("id"))["top"] or 0
        with self.lock:
            if top > self.seen:
                self._read(self.seen)
            if top == self.seen and time.monotonic() - self.counted_at < RECOUNT_SECONDS:
                return
            self.counted_at = time.monotonic()
            if (TitleMeaning.objects.count(), top) != (self.count, self.seen):
                self.blocks, self.seen, self.count = {}, 0, 0
                self._read(0)

    def vector_of(self, community_id: int, document_id: int) -> tuple[str, np.ndarray] | None:
        block = self.blocks.get(community_id)
        row = block.rows.get(document_id) if block else None
        if row is None:
            return None
        return block.titles[row], block.vectors[block.owner[row]]

    def vector_of_title(self, community_id: int, title: str) -> np.ndarray | None:
        block = self.blocks.get(community_id)
        distinct = block.by_title.get(title) if block else None
        return None if distinct is None else block.vectors[distinct]


_matrices = _Matrices()


def reset() -> None:
    """Forget the matrices (tests, whose rolled-back rows may come back with the same
    ids on SQLite)."""
    _matrices.reset()


def refresh() -> None:
    """Bring the matrices up to the table (one index lookup when nothing changed): once
    per search, before `stored_vector` and `nearest`."""
    _matrices.refresh()


def nearest(query: np.ndarray, community_ids: list[int], limit: int) -> list[Near]:
    """The `limit` titles of `community_ids` nearest to the unit vector `query`, nearest
    first (the matrices as last refreshed)."""
    found: list[Near] = []
    for community_id in community_ids:
        block = _matrices.blocks.get(community_id)
        if block is not None and len(block.titles):
            found.extend(block.nearest(query, limit))
    found.sort(key=lambda near: (-near.cosine, -near.document_id))
    return found[:limit]


def cosine(query: np.ndarray, community_id: int, document_id: int, title: str) -> float | None:
    """The cosine between `query` and a document's title vector, if it has one made from
    `title` (the matrices as last refreshed)."""
    held = _matrices.vector_of(community_id, document_id)
    if held is None or held[0] != title:
        return None
    return float(held[1] @ query)


def stored_vector(community_id: int, title: str) -> np.ndarray | None:
    """The vector a document of `community_id` titled `title` has, if one has (the
    matrices as last refreshed): what encoding `title` gives, without encoding it, but
    rounded as stored (float16)."""
    return _matrices.vector_of_title(community_id, title)
