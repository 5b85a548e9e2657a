"""The meeting's stored answer and attendance counts (`going_count`, `waitlist_count`,
`attendance_count`), set from the rows.

The services that change answers or attendance call `refresh_counts` in their
transaction while they hold the meeting's row lock, so a count is never read-modified-
written by two transactions at once and concurrent answers count exactly. Setting
the counts from the rows (a few index reads over one meeting's answers) instead of
adding and subtracting keeps every path right, waitlist promotions included.
`recount` repairs them after rows were written outside the services (`manage.py
recount`, the scale seeder)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cop.models import Community

from .enums import RSVPAnswer
from .listing import lists_changed
from .models import RSVP, Attendance, Meeting


def count_of(queryset: QuerySet) -> Coalesce:
    """A per-meeting count as a correlated subquery over an index."""
    counted = queryset.filter(meeting=OuterRef("pk")).order_by().values("meeting")
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        Value(0),
    )


def _counts() -> dict:
    going = RSVP.objects.filter(answer=RSVPAnswer.GOING)
    return {
        "going_count": count_of(going.filter(waitlisted=False)),
        "waitlist_count": count_of(going.filter(waitlisted=True)),
        "attendance_count": count_of(Attendance.objects.all()),
    }


def refresh_counts(meeting_ids: Iterable[int]) -> None:
    """Set the meetings' counts from their rows, in one statement. The caller holds
    the meetings' row locks (or writes no answer concurrently)."""
    ids = list(meeting_ids)
    if ids:
        Meeting.objects.filter(pk__in=ids).update(**_counts())
        lists_changed(ids)  # the rows show the counts


def recount(community: Community | None = None, *, batch: int = 500) -> None:
    """Every meeting's counts (or one community's) from the rows, `batch` meetings
    locked at a time, so a repair running beside live answers stores no stale count."""
    meetings = Meeting.objects.order_by("pk")
    if community is not None:
        meetings = meetings.filter(community=community)
    ids = list(meetings.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():
            list(
                Meeting.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk")
            )
            refresh_counts(chunk)
