"""Title vectors of the meaning model for problems and practices (`TitleMeaning`)."""

from django.db import transaction
from django.db.models import F, Q

from knowledge import meaning
from knowledge.enums import SearchKind
from knowledge.models import SearchDocument, TitleMeaning

MEANING_KINDS = (SearchKind.PROBLEM, SearchKind.ENTRY)
BATCH = 500


def documents_without_meaning():
    """Problems' and practices' search documents with no vector, or one computed from a
    title they no longer have."""
    return SearchDocument.objects.filter(kind__in=MEANING_KINDS).filter(
        Q(meaning__isnull=True) | ~Q(meaning__title=F("title"))
    )


def embed_titles(*, document_ids: list[int] | None = None, limit: int = BATCH) -> int:
    """Give up to `limit` documents without a current vector (of `document_ids`, or any)
    the vector of their title. A title some document already has a vector for is not
    encoded again (a bulk import repeats titles); the others are encoded in batches.
    Safe to run twice and concurrently: a document's old vector is replaced in one
    transaction, a vector written meanwhile by another run is kept. Returns how many
    documents got one."""
    stale = documents_without_meaning()
    if document_ids is not None:
        stale = stale.filter(pk__in=document_ids)
    rows = list(stale.order_by("pk").values_list("pk", "community_id", "title")[:limit])
    if not rows:
        return 0
    titles = sorted({title for _pk, _community, title in rows})
    vectors = {
        title: bytes(vector)
        for title, vector in TitleMeaning.objects.filter(title__in=titles).values_list(
            "title", "vector"
        )
    }
    missing = [title for title in titles if title not in vectors]
    for title, vector in zip(missing, meaning.embed(missing), strict=True):
        vectors[title] = meaning.to_bytes(vector)
    with transaction.atomic():
        TitleMeaning.objects.filter(document_id__in=[pk for pk, _c, _t in rows]).delete()
        TitleMeaning.objects.bulk_create(
            [
                TitleMeaning(
                    document_id=pk, community_id=community, title=title, vector=vectors[title]
                )
                for pk, community, title in rows
            ],
            ignore_conflicts=True,
        )
    return len(rows)


def embed_all_titles(*, progress=None) -> int:
    """`embed_titles` until every problem and practice has a current vector (the
    backfill); `progress(count)` is called after each batch. Returns the total."""
    total = 0
    while done := embed_titles():
        total += done
        if progress is not None:
            progress(total)
    return total
