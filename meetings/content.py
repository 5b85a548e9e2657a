"""The meetings app's source for the home feed: meetings newly scheduled that are still
to come."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.content import FeedItem, register_feed_source
from cop.pagination import feed_older_than

from .enums import MeetingStatus
from .models import Meeting


def register() -> None:
    register_feed_source(key="meeting", order=40, fetch=feed_meetings)


def feed_meetings(*, user, community_ids, cursor, limit: int, rank: int) -> list[FeedItem]:
    """Upcoming meetings by when they were scheduled (the `meeting_feed_recent` index)."""
    rows = Meeting.objects.filter(
        community_id__in=community_ids,
        status=MeetingStatus.SCHEDULED,
        starts_at__gte=timezone.now(),
    )
    rows = feed_older_than(rows, "created_at", rank, cursor)
    rows = rows.select_related("community").only(
        "id", "title", "created_at", "starts_at", "community__id", "community__slug",
        "community__name",
    )[:limit]  # fmt: skip
    return [
        FeedItem.of(
            row,
            source="meeting",
            rank=rank,
            verb=_("meeting scheduled"),
            starts_at=row.starts_at,
        )
        for row in rows
    ]
