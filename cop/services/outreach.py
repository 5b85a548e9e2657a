"""Outreach: coordinators find members who have gone quiet and send them a personal note.

The list reads stored columns only: `Membership.last_active_at` (kept by
`record_participation`) and `NotificationSettings.last_seen_at` (kept by the last-seen
middleware), through the `membership_by_last_active` index, paged by keyset on the
membership id. A note is a notification (in-app, and email by the member's own
preference): the member's address is never shown to the coordinator.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, NotificationKind
from cop.models import Community, Membership, OutreachNote, User
from cop.services.notifications import notify
from cop.text import CONTROL_CHARACTERS

MIN_DAYS = 7
MAX_DAYS = 365
DEFAULT_DAYS = 30
PAGE_SIZE = 50
MAX_NOTE_LENGTH = 2000
# One note per member and coordinator in this window, and a daily ceiling per coordinator.
NOTE_INTERVAL = timedelta(days=7)
NOTES_PER_DAY = 30


@dataclass(frozen=True)
class QuietMember:
    membership_id: int
    user_id: int
    name: str
    joined_at: datetime | None
    last_active_at: datetime | None
    last_seen_at: datetime | None
    level: str
    last_note_at: datetime | None = None


def quiet_members(
    *, community: Community, days: int, by: str = "activity", after: int = 0, now=None
) -> tuple[list[QuietMember], int | None]:
    """Active members with no contribution (`by="activity"`) or not seen (`by="seen"`)
    for `days` days (members who joined within that time are left out), by membership id
    after `after`. Returns the page and the cursor of the next one (None at the end).
    Two queries: the members, and the notes already sent them."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationError(
            _("Choose between %(a)s and %(b)s days.") % {"a": MIN_DAYS, "b": MAX_DAYS}
        )
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    rows = Membership.objects.filter(
        community=community, status=MembershipStatus.ACTIVE, pk__gt=max(after, 0)
    ).filter(Q(joined_at__isnull=True) | Q(joined_at__lt=cutoff))
    if by == "seen":
        rows = rows.filter(
            Q(user__notification_settings__isnull=True)
            | Q(user__notification_settings__last_seen_at__isnull=True)
            | Q(user__notification_settings__last_seen_at__lt=cutoff)
        )
    else:
        rows = rows.filter(Q(last_active_at__isnull=True) | Q(last_active_at__lt=cutoff))
    rows = list(
        rows.order_by("pk").values(
            "pk",
            "user_id",
            "user__display_name",
            "user__email",
            "joined_at",
            "last_active_at",
            "level",
            "user__notification_settings__last_seen_at",
        )[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    notes = dict(
        OutreachNote.objects.filter(
            community=community,
            recipient_id__in=[row["user_id"] for row in rows],
            created_at__gte=now - timedelta(days=MAX_DAYS),
        )
        .order_by("recipient_id", "created_at")
        .values_list("recipient_id", "created_at")
    )
    page = [
        QuietMember(
            membership_id=row["pk"],
            user_id=row["user_id"],
            # The display name, or the part of the address before the @ (as User.name).
            name=row["user__display_name"] or row["user__email"].split("@")[0],
            joined_at=row["joined_at"],
            last_active_at=row["last_active_at"],
            last_seen_at=row["user__notification_settings__last_seen_at"],
            level=row["level"],
            last_note_at=notes.get(row["user_id"]),
        )
        for row in rows
    ]
    return page, (rows[-1]["pk"] if more else None)


@transaction.atomic
def send_personal_note(
    *, community: Community, by: User, recipient: User, body: str, now=None
) -> OutreachNote:
    """Send `recipient` (an active member) a personal note from a coordinator: a
    PERSONAL_NOTE notification, emailed by their preference. At most one note per
    coordinator and member a week, and `NOTES_PER_DAY` per coordinator. Side effects:
    an OutreachNote row and the notification."""
    now = now or timezone.now()
    body = CONTROL_CHARACTERS.sub(
        lambda m: "\n" if "\n" in m.group() else " ", body.replace("\r\n", "\n")
    ).strip()
    if not body:
        raise ValidationError(_("Write a note first."))
    if len(body) > MAX_NOTE_LENGTH:
        raise ValidationError(_("A note has at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH})
    if recipient.pk == by.pk:
        raise ValidationError(_("You cannot send a note to yourself."))
    if not Membership.objects.filter(
        community=community, user=recipient, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(_("Notes go only to active members of this community."))
    # Serialise one coordinator's notes so the limits hold under double clicks.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if OutreachNote.objects.filter(
        community=community, sender=by, recipient=recipient, created_at__gte=now - NOTE_INTERVAL
    ).exists():
        raise ValidationError(
            _("You already wrote to %(name)s this week. Give them time to answer.")
            % {"name": recipient.name}
        )
    if (
        OutreachNote.objects.filter(sender=by, created_at__gte=now - timedelta(days=1)).count()
        >= NOTES_PER_DAY
    ):
        raise ValidationError(
            _("You sent %(n)s notes today; try again tomorrow.") % {"n": NOTES_PER_DAY}
        )
    note = OutreachNote.objects.create(
        community=community, sender=by, recipient=recipient, body=body, created_at=now
    )
    notify(
        recipient=recipient,
        kind=NotificationKind.PERSONAL_NOTE,
        title=_("A note from %(name)s (%(community)s)")
        % {"name": by.name, "community": community.name},
        body=body,
        url=reverse("community_home", kwargs={"slug": community.slug}),
        community=community,
        actor=by,
    )
    return note
