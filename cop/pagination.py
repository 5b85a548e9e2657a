"""Keyset pagination ("older" / "newer") for long lists ordered newest first.

An offset page makes the database read and throw away every row it skips, and a page
count needs a COUNT over the whole list: both grow with the list. A keyset page starts
from the last row shown (its timestamp and id), so page 1 and page 5,000 cost the same
index range read. Cursors are plain text (`<epoch microseconds>-<id>`); a cursor that
does not parse is ignored and the list starts from the newest.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

_CURSOR = re.compile(r"^(\d{1,16})-(\d{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class KeysetPage:
    object_list: list = field(default_factory=list)
    older: str = ""  # cursor of the next page towards the oldest, "" on the last page
    newer: str = ""  # cursor of the page before, "" on the first page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _micros(moment: datetime) -> int:
    return max((moment - _EPOCH) // timedelta(microseconds=1), 0)


def _parse(pattern: re.Pattern, text: str | None) -> tuple[datetime, re.Match] | None:
    """A cursor's moment (its first group, in microseconds) and its match; None for
    text that is not such a cursor or names a moment out of range."""
    match = pattern.match(text or "")
    if match is None:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(match[1])), match
    except OverflowError:
        return None


def encode_cursor(moment: datetime, pk: int) -> str:
    return f"{_micros(moment)}-{pk}"


def decode_cursor(text: str | None) -> tuple[datetime, int] | None:
    if (parsed := _parse(_CURSOR, text)) is None:
        return None
    moment, match = parsed
    return moment, int(match[2])


def older_than(queryset: QuerySet, field: str, moment: datetime, pk: int) -> QuerySet:
    """Rows after (`moment`, `pk`) in newest-first order. `field <= moment` beside the
    tie-break bounds the index range, so the scan starts at the cursor."""
    return queryset.filter(
        Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}),
        **{f"{field}__lte": moment},
    ).order_by(f"-{field}", "-pk")


def keyset_page(
    queryset: QuerySet, *, field: str, size: int, older: str = "", newer: str = ""
) -> KeysetPage:
    """One page of `queryset` ordered by `field` then id, both descending.

    `older` names the last row of the page before (show what comes after it), `newer`
    the first row of the page after (show what comes before it). The filter repeats
    `field <= moment` beside the tie-break so that the index range starts at the cursor
    instead of at the newest row."""
    after_older = decode_cursor(older)
    before_newer = None if after_older else decode_cursor(newer)
    if after_older:
        rows = list(older_than(queryset, field, *after_older)[: size + 1])
        has_older, has_newer = len(rows) > size, True
        rows = rows[:size]
    elif before_newer:
        moment, pk = before_newer
        rows = list(
            queryset.filter(
                Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk}),
                **{f"{field}__gte": moment},
            ).order_by(field, "pk")[: size + 1]
        )
        has_older, has_newer = True, len(rows) > size
        rows = list(reversed(rows[:size]))
    else:
        rows = list(queryset.order_by(f"-{field}", "-pk")[: size + 1])
        has_older, has_newer = len(rows) > size, False
        rows = rows[:size]
    if not rows:
        # The rows around a cursor can be deleted meanwhile: start again from the newest
        # rather than leave the reader on an empty page.
        if after_older or before_newer:
            return keyset_page(queryset, field=field, size=size)
        return KeysetPage()
    first, last = rows[0], rows[-1]
    return KeysetPage(
        object_list=rows,
        older=encode_cursor(getattr(last, field), last.pk) if has_older else "",
        newer=encode_cursor(getattr(first, field), first.pk) if has_newer else "",
    )


# --- Merged feeds ---------------------------------------------------------------------------
# A feed merges several sources (stories, problems, meetings ...), each read by its own
# keyset query. Its order is (time, source rank, id), newest first; the cursor names the
# last item shown: `<epoch microseconds>-<rank>-<id>`.

_FEED_CURSOR = re.compile(r"^(\d{1,16})-(\d{1,4})-(\d{1,18})$")


@dataclass(frozen=True)
class FeedCursor:
    moment: datetime
    rank: int
    pk: int


def encode_feed_cursor(moment: datetime, rank: int, pk: int) -> str:
    return f"{_micros(moment)}-{rank}-{pk}"


def decode_feed_cursor(text: str | None) -> FeedCursor | None:
    if (parsed := _parse(_FEED_CURSOR, text)) is None:
        return None
    moment, match = parsed
    return FeedCursor(moment, int(match[2]), int(match[3]))


def feed_older_than(queryset: QuerySet, field: str, rank: int, cursor: FeedCursor | None):
    """The rows of the source of rank `rank` that come after `cursor` in feed order,
    newest first: at the cursor's instant, sources of a lower rank come after it and the
    cursor's own source continues below its id. Always bounded by `field <= moment`, so
    the scan starts at the cursor in the source's (community, time) index."""
    ordered = ("-" + field, "-pk")
    if cursor is None:
        return queryset.order_by(*ordered)
    if rank < cursor.rank:
        return queryset.filter(**{f"{field}__lte": cursor.moment}).order_by(*ordered)
    if rank > cursor.rank:
        return queryset.filter(**{f"{field}__lt": cursor.moment}).order_by(*ordered)
    return older_than(queryset, field, cursor.moment, cursor.pk)


def merge_feed(batches: list[list], *, size: int) -> tuple[list, str]:
    """Merge per-source batches (each newest first, each up to `size + 1` long) into one
    page of `size` items and the cursor of the next older page ("" on the last)."""
    merged = sorted(
        (item for batch in batches for item in batch),
        key=lambda item: (item.at, item.rank, item.pk),
        reverse=True,
    )
    page = merged[:size]
    older = ""
    if len(merged) > size and page:
        last = page[-1]
        older = encode_feed_cursor(last.at, last.rank, last.pk)
    return page, older
