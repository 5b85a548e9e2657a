"""Celery tasks of the core app: thin, keyword ids only, safe to run twice. How tasks
are enqueued (after commit, never raising for a broker that is down) is `cop.queue`.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from cop.dashboard import refresh_all_snapshots
from cop.models import Community
from cop.ops import idempotency
from cop.queue import enqueue
from cop.services.announcements import deliver_announcement_batch, stalled_announcements
from cop.services.invitations_bulk import resend_lost_invitations
from cop.services.invitations_bulk import send_invitation_email as deliver_invitation_email
from cop.services.notifications import (
    MAX_EMAIL_ATTEMPTS,
    deliver_notification_email,
    email_backoff,
    send_due_digests,
    sweep_email_outbox,
)
from cop.services.participation import recompute_community_levels
from cop.services.value import send_due_follow_ups

logger = logging.getLogger(__name__)

# Celery's own retries wait at most this long: a countdown longer than the broker's
# visibility timeout (settings) would be delivered twice. Longer backoffs are the
# sweeper's, through the row's next_attempt_at.
MAX_RETRY_COUNTDOWN = 240
RETRYABLE = (OSError, DatabaseError, SoftTimeLimitExceeded)


@shared_task(
    bind=True,
    name="cop.send_notification_email",
    ignore_result=True,
    max_retries=MAX_EMAIL_ATTEMPTS - 1,
    # Shorter than EMAIL_LEASE, so a row is never claimed while its send still runs
    # (60 s and 90 s with the default lease of 2 minutes).
    soft_time_limit=settings.EMAIL_LEASE_SECONDS // 2,
    time_limit=settings.EMAIL_LEASE_SECONDS * 3 // 4,
)
def send_notification_email(self, *, notification_id: int) -> bool:
    """Email one notification; the delivery row it claims makes a second run a no-op.
    SMTP, network and database errors are retried with backoff."""
    try:
        return deliver_notification_email(notification_id=notification_id)
    except RETRYABLE as exc:
        if self.request.is_eager:
            raise  # no worker to wait in: the sweeper tries again
        countdown = min(
            email_backoff(self.request.retries + 1).total_seconds(), MAX_RETRY_COUNTDOWN
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, name="cop.send_invitation_email", ignore_result=True, max_retries=5)
def send_invitation_email(self, *, invitation_id: int) -> bool:
    """Email one invitation; its claim on the row makes a second run a no-op."""
    try:
        return deliver_invitation_email(invitation_id=invitation_id)
    except RETRYABLE as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 240)) from exc


@shared_task(name="cop.resend_lost_invitations", ignore_result=True)
def resend_lost_invitations_task() -> int:
    """Every minute: enqueue again the invitation emails whose task was lost."""
    return resend_lost_invitations(now=timezone.now())


@shared_task(name="cop.sweep_email_outbox", ignore_result=True)
def sweep_email_outbox_task() -> int:
    """Every minute: enqueue again the emails whose task was lost."""
    return sweep_email_outbox(now=timezone.now())


@shared_task(name="cop.prune_idempotency_keys", ignore_result=True)
def prune_idempotency_keys() -> int:
    """Hourly: forget the answers kept for Idempotency-Key replays after a day."""
    return idempotency.prune()


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

    return refresh_all_snapshots()


@shared_task(name="cop.send_value_follow_ups")
def send_value_follow_ups() -> int:
    """Ask narrators, 30 and 90 days on, whether their hoped-for ending happened."""

    return send_due_follow_ups()


@shared_task(
    bind=True,
    name="cop.fan_out_announcement",
    ignore_result=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def fan_out_announcement(self, *, announcement_id: int) -> int:
    """Deliver one batch of an announcement, then enqueue the next. Safe to run twice
    or at once with itself: each batch skips the members who already have it. Database
    errors are retried; a lost chain is picked up by `cop.resume_announcements`."""

    try:
        delivered = deliver_announcement_batch(announcement_id=announcement_id)
    except (DatabaseError, SoftTimeLimitExceeded) as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(5 * 2**self.request.retries, 60)) from exc
    if delivered:
        enqueue(fan_out_announcement, announcement_id=announcement_id)
    return delivered


@shared_task(name="cop.resume_announcements", ignore_result=True)
def resume_announcements() -> int:
    """Every minute: announcements still sending whose task was lost go on."""

    stalled = stalled_announcements(now=timezone.now())
    for announcement_id in stalled:
        enqueue(fan_out_announcement, announcement_id=announcement_id)
    return len(stalled)
