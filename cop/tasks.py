"""Celery tasks of the core app: thin, keyword ids only, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from cop.models import Community
from cop.services.notifications import (
    MAX_EMAIL_ATTEMPTS,
    deliver_notification_email,
    send_due_digests,
)
from cop.services.participation import recompute_community_levels


@shared_task(
    name="cop.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_EMAIL_ATTEMPTS - 1,
)
def send_notification_email(*, notification_id: int) -> bool:
    """Email one notification; the delivery row it claims makes a second run a no-op."""
    return deliver_notification_email(notification_id=notification_id)


@shared_task(name="cop.send_due_digests")
def send_due_digests_task() -> int:
    """Hourly: send the digests now due in each member's own time zone."""
    return send_due_digests(now=timezone.now())


@shared_task(name="cop.recompute_levels")
def recompute_levels() -> int:
    """Recompute every community's levels, so events that age out of the window count."""
    now = timezone.now()
    return sum(
        recompute_community_levels(community=community, now=now)
        for community in Community.objects.all().iterator()
    )


@shared_task(name="cop.refresh_dashboards")
def refresh_dashboards() -> int:
    """Precompute every community's health dashboard for each period."""
    from cop.dashboard import refresh_all_snapshots

    return refresh_all_snapshots()


@shared_task(name="cop.send_value_follow_ups")
def send_value_follow_ups() -> int:
    """Ask narrators, 30 and 90 days on, whether their hoped-for ending happened."""
    from cop.services.value import send_due_follow_ups

    return send_due_follow_ups()
