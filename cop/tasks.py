"""Celery tasks of the core app: thin, keyword ids only, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from cop.models import Community, Notification
from cop.services.notifications import deliver_notification_email
from cop.services.participation import recompute_community_levels


@shared_task(
    name="cop.send_notification_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_notification_email(*, notification_id: int) -> bool:
    notification = (
        Notification.objects.select_related("recipient", "community")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return False
    return deliver_notification_email(notification=notification)


@shared_task(name="cop.recompute_levels")
def recompute_levels() -> int:
    """Recompute every community's levels, so events that age out of the window count."""
    now = timezone.now()
    return sum(
        recompute_community_levels(community=community, now=now)
        for community in Community.objects.all().iterator()
    )
