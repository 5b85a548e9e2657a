"""Celery tasks of the meetings app: thin, keyword ids only, safe to run twice."""

from celery import shared_task

from . import polls
from .models import Series
from .services import send_due_reminders as send_due_reminders_service
from .services import tend_series


@shared_task(name="meetings.send_due_reminders")
def send_due_reminders() -> int:
    """Scan for reminders that are due and send each (meeting, member, kind) once.
    Run by beat every few minutes; two scans at once never send one reminder twice."""
    return send_due_reminders_service()


@shared_task(name="meetings.extend_series")
def extend_series() -> dict[str, int]:
    """Extend every running series to its horizon, asking hosts to confirm when it nears."""
    outcomes: dict[str, int] = {}
    for series_id in Series.objects.filter(status="active").values_list("pk", flat=True):
        series = Series.objects.filter(pk=series_id).first()
        if series is None:
            continue
        outcome = tend_series(series=series)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="meetings.announce_poll", ignore_result=True)
def announce_poll(*, poll_id: int) -> int:
    """Tell the community's members that a scheduling poll is open, once each."""
    return polls.announce_poll(poll_id=poll_id)


@shared_task(name="meetings.resume_poll_announcements", ignore_result=True)
def resume_poll_announcements() -> int:
    """Finish poll announcements whose task was lost."""
    return polls.resume_poll_announcements()
