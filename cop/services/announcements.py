"""Announcements: a coordinator tells every member of a community something.

`post_announcement` writes the row and enqueues the fan-out; `deliver_announcement_batch`
does one batch of it and is what the Celery task runs until nothing is left. Exactly
once per member: each batch, under a lock of the announcement row, picks members who
have no `AnnouncementDelivery` row yet and writes their rows and their notifications in
one transaction. A batch that fails rolls back whole; a batch run twice (a retried or
redelivered task, two workers) finds those members done. Emails go through the
notification outbox (`cop.services.notifications`), which sends each one once.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import AnnouncementStatus, AuditAction, MembershipStatus, NotificationKind
from cop.models import Announcement, AnnouncementDelivery, Community, Membership, User
from cop.permissions import allowed, refusal
from cop.queue import enqueue_on_commit
from cop.services.audit import record
from cop.services.comments import bump, clean_body
from cop.services.notifications import notify_many

BATCH_SIZE = 500
MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 20000
# An announcement may be pinned for at most this long.
MAX_PIN = timedelta(days=366)
# A sending announcement whose last batch is older than this lost its task: the sweeper
# enqueues it again.
STALLED_AFTER = timedelta(minutes=2)


def _recipients(announcement: Announcement):
    """Active members of the community other than the author, without a delivery yet."""
    done = AnnouncementDelivery.objects.filter(
        announcement=announcement, user_id=OuterRef("user_id")
    )
    members = Membership.objects.filter(
        community_id=announcement.community_id, status=MembershipStatus.ACTIVE
    )
    if announcement.author_id:
        members = members.exclude(user_id=announcement.author_id)
    return members.exclude(Exists(done))


def clean_pin(pinned_until: date | None, *, today: date | None = None) -> date | None:
    if pinned_until is None:
        return None
    today = today or timezone.localdate()
    if pinned_until < today:
        raise ValidationError({"pinned_until": _("Pick today or a later day.")})
    if pinned_until > today + MAX_PIN:
        raise ValidationError({"pinned_until": _("Pin it for a year at most.")})
    return pinned_until


def post_announcement(
    *,
    community: Community,
    author: User,
    title: str,
    body: str,
    pinned_until: date | None = None,
) -> Announcement:
    """A coordinator announces something to the community.

    Side effects: the Announcement row with `total` = the active members to tell (the
    author excepted); an audit entry; after commit, the `cop.fan_out_announcement` task
    (if the broker is down, the sweeper enqueues it within minutes).
    """
    if not allowed(author, "cop.post_announcement", community):
        raise ValidationError(refusal("cop.post_announcement"))
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give it a title.")})
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError({"title": _("At most %(n)s characters.") % {"n": MAX_TITLE_LENGTH}})
    body = clean_body(body)
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError({"body": _("At most %(n)s characters.") % {"n": MAX_BODY_LENGTH}})
    pinned_until = clean_pin(pinned_until)

    with transaction.atomic():
        announcement = Announcement.objects.create(
            community=community,
            author=author,
            title=title,
            body=body,
            pinned_until=pinned_until,
            last_batch_at=timezone.now(),
        )
        announcement.total = _recipients(announcement).count()
        announcement.save(update_fields=["total"])
        record(
            community=community,
            actor=author,
            action=AuditAction.ANNOUNCED,
            summary=title,
            url=announcement.get_absolute_url(),
        )
        enqueue_on_commit("cop.fan_out_announcement", announcement_id=announcement.pk)
    return announcement


def deliver_announcement_batch(*, announcement_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Deliver the announcement to the next `batch_size` members who do not have it yet.
    Returns how many it delivered; 0 when it is done (then marked sent).

    Side effects, in one transaction under a lock of the announcement row: an
    AnnouncementDelivery row and an ANNOUNCEMENT notification per member (email by
    their preference, queued after commit), `delivered_count` moved on.
    """

    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update(of=("self",))
            .select_related("community", "author")
            .filter(pk=announcement_id)
            .first()
        )
        if announcement is None or announcement.status == AnnouncementStatus.SENT:
            return 0
        user_ids = list(
            _recipients(announcement)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:batch_size]
        )
        now = timezone.now()
        if not user_ids:
            # Members who left meanwhile were not told: the total becomes what was sent.
            Announcement.objects.filter(pk=announcement.pk).update(
                status=AnnouncementStatus.SENT,
                finished_at=now,
                last_batch_at=now,
                total=F("delivered_count"),
            )
            return 0
        recipients = list(
            User.objects.filter(pk__in=user_ids).only("id", "email", "is_active", "display_name")
        )
        community = announcement.community
        notifications = notify_many(
            recipients=recipients,
            kind=NotificationKind.ANNOUNCEMENT,
            title=_("Announcement: %(title)s") % {"title": announcement.title},
            url=announcement.get_absolute_url(),
            body=announcement.body,
            community=community,
            actor=announcement.author,
        )
        AnnouncementDelivery.objects.bulk_create(
            [
                AnnouncementDelivery(
                    announcement=announcement,
                    user_id=user_id,
                    notification=notifications.get(user_id),
                )
                for user_id in user_ids
            ]
        )
        Announcement.objects.filter(pk=announcement.pk).update(
            delivered_count=bump("delivered_count", len(user_ids)), last_batch_at=now
        )
    return len(user_ids)


def stalled_announcements(*, now=None) -> list[int]:
    """Announcements still sending whose last batch is older than STALLED_AFTER."""
    now = now or timezone.now()
    return list(
        Announcement.objects.filter(
            status=AnnouncementStatus.SENDING, last_batch_at__lt=now - STALLED_AFTER
        ).values_list("pk", flat=True)[:100]
    )
