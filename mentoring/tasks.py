"""Celery tasks of the mentoring app: thin, keyword ids only, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="mentoring.hand_off_stale_requests")
def hand_off_stale_requests() -> int:
    """Pass every request whose mentor let the deadline go by to the next-ranked mentor.
    Each request is re-checked under a lock, so two runs never pass one on twice."""
    return services.hand_off_stale_requests()


@shared_task(name="mentoring.remind_due_checkins")
def remind_due_checkins() -> int:
    """Remind both sides of every active mentorship whose check-in is due; once per due
    date (the claim is a conditional update, so a second run or worker sends nothing)."""
    return sum(
        services.remind_checkin(mentorship_id=mentorship_id)
        for mentorship_id in services.due_checkin_ids()
    )
