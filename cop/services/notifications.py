"""The one notification service every app calls.

`notify` writes an in-app notification and enqueues its email. Privacy: nothing
about a private community reaches someone who is not an active member of it,
except the answers and invitations addressed to people on their way in.
"""

from django.db import transaction

from cop.enums import MembershipStatus, NotificationKind, Visibility
from cop.models import Community, Membership, Notification, User

# Kinds that may reach someone who is not (yet) an active member of the community.
OUTSIDER_KINDS = {NotificationKind.JOIN_ANSWER, NotificationKind.INVITATION}


def may_hear_about(*, recipient: User, community: Community | None, kind: str) -> bool:
    if community is None or kind in OUTSIDER_KINDS:
        return True
    membership = (
        Membership.objects.filter(user=recipient, community=community)
        .values_list("status", flat=True)
        .first()
    )
    if membership == MembershipStatus.ACTIVE:
        return True
    if membership == MembershipStatus.REMOVED:
        return False
    return community.visibility == Visibility.PUBLIC


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    community: Community | None = None,
    actor: User | None = None,
) -> Notification | None:
    """Notify one person. Returns the notification, or None when they may not hear of it.

    Side effects: a Notification row; after commit, a Celery task that emails it.
    """
    if not recipient.is_active:
        return None
    if not may_hear_about(recipient=recipient, community=community, kind=kind):
        return None
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title[:300],
        url=url,
        body=body,
        community=community,
        actor=actor,
    )
    from cop.tasks import send_notification_email

    transaction.on_commit(lambda: send_notification_email.delay(notification_id=notification.pk))
    return notification


def deliver_notification_email(*, notification: Notification) -> bool:
    """Send a notification by email (plain text). Returns whether a message went out."""
    from django.conf import settings
    from django.core.mail import send_mail

    if not may_hear_about(
        recipient=notification.recipient, community=notification.community, kind=notification.kind
    ):
        return False
    link = f"{settings.SITE_URL}{notification.url}" if notification.url.startswith("/") else ""
    lines = [notification.title, "", notification.body, "", link]
    send_mail(
        subject=f"[Copse] {notification.title}",
        message="\n".join(line for line in lines if line is not None).strip() + "\n",
        from_email=None,
        recipient_list=[notification.recipient.email],
    )
    return True
