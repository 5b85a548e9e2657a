"""The meetings app's figure on the site-wide network page (`cop.extensions`)."""

from django.db.models import Min
from django.utils import formats, timezone

from .enums import MeetingStatus
from .models import Meeting


def next_meeting_figures(community_ids: list[int], now=None) -> dict[int, str]:
    """Per community: the date of its next scheduled meeting, in the viewer's zone. One
    grouped query on the (community, starts_at) index; no title, since private
    communities are listed too."""
    now = now or timezone.now()
    rows = (
        Meeting.objects.filter(
            community_id__in=community_ids, status=MeetingStatus.SCHEDULED, starts_at__gte=now
        )
        .order_by()
        .values("community_id")
        .annotate(next_at=Min("starts_at"))
    )
    return {
        row["community_id"]: formats.date_format(timezone.localtime(row["next_at"]), "j M Y")
        for row in rows
    }
