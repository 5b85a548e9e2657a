"""Thanks: members thank each other for a story, an answer or a practice.

Kinds come from the content registry (`cop.content`, `thankable=True`), so the core
names no app model. One thanks per member and item (unique constraint), never for one's
own item; the item's `thanks_count` moves by one in the same transaction, and only when
a row was written or deleted, so double clicks count once. The author hears of it
(THANKS, in the digest by default). The monthly spotlight counts the month's thanks per
recipient from `Thanks(community, created_at)`; members opt out with
`Membership.in_spotlight`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.content import ContentKind, kind_named
from cop.enums import MembershipStatus, NotificationKind
from cop.models import Community, Thanks, User
from cop.services.notifications import notify

SPOTLIGHT_SIZE = 5


def _thankable(key: str) -> ContentKind:
    kind = kind_named(key)
    if not kind.thankable:
        raise ValidationError(_("This kind of item cannot be thanked."))
    return kind


def _bump(kind: ContentKind, pk: int, delta: int) -> None:
    kind.model.objects.filter(pk=pk).update(thanks_count=Greatest(F("thanks_count") + delta, 0))


def thank(*, user: User, kind: ContentKind, obj) -> tuple[Thanks, bool]:
    """Thank the author of `obj` (already fetched through `cop.content.resolve`, so
    visible to `user`). Returns the thanks and whether it is new. Side effects: the row,
    the item's `thanks_count` + 1 and a THANKS notification to the author, on a new one."""
    if not kind.thankable:
        raise ValidationError(_("This kind of item cannot be thanked."))
    author_id = kind.author_id(obj)
    community = kind.community(obj)
    if author_id is None:
        raise ValidationError(_("This item has no author to thank any more."))
    if author_id == user.pk:
        raise ValidationError(_("You cannot thank yourself."))
    content_type = kind.content_type()
    existing = Thanks.objects.filter(user=user, content_type=content_type, object_id=obj.pk).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            thanks = Thanks.objects.create(
                user=user,
                content_type=content_type,
                object_id=obj.pk,
                community=community,
                recipient_id=author_id,
            )
            _bump(kind, obj.pk, +1)
            author = User.objects.get(pk=author_id)
            notify(
                recipient=author,
                kind=NotificationKind.THANKS,
                title=_("%(name)s thanked you for “%(title)s”")
                % {"name": user.name, "title": kind.title(obj)},
                url=kind.url(obj),
                community=community,
                actor=user,
            )
    except IntegrityError:  # a concurrent click wrote it first
        existing = Thanks.objects.get(user=user, content_type=content_type, object_id=obj.pk)
        return existing, False
    return thanks, True


@transaction.atomic
def withdraw_thanks(*, user: User, key: str, pk: int) -> bool:
    """Take one's thanks back. Returns whether there was one; the item's counter follows."""
    kind = _thankable(key)
    deleted, _rows = Thanks.objects.filter(
        user=user, content_type=kind.content_type(), object_id=pk
    ).delete()
    if deleted:
        _bump(kind, pk, -1)
    return bool(deleted)


def month_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class SpotlightEntry:
    user_id: int
    name: str
    thanks: int


def spotlight(*, community: Community, now: datetime | None = None) -> list[SpotlightEntry]:
    """The month's most thanked members of `community` who stay in the spotlight (active,
    not opted out). One query: this month's thanks in the community (the
    `(community, created_at)` index) joined to the recipients' memberships (unique on
    community and user), grouped by recipient."""
    rows = (
        Thanks.objects.filter(
            community=community,
            created_at__gte=month_start(now),
            recipient__memberships__community=community,
            recipient__memberships__status=MembershipStatus.ACTIVE,
            recipient__memberships__in_spotlight=True,
        )
        .values("recipient_id", "recipient__display_name", "recipient__email")
        .annotate(n=Count("id"))
        .order_by("-n", "recipient_id")[:SPOTLIGHT_SIZE]
    )
    return [
        SpotlightEntry(
            user_id=row["recipient_id"],
            name=row["recipient__display_name"] or row["recipient__email"].split("@")[0],
            thanks=row["n"],
        )
        for row in rows
    ]


def spotlight_section(*, community: Community, user, membership) -> dict | None:
    """The community home's spotlight: for members always (with an empty state), for
    visitors only when someone was thanked this month."""
    entries = spotlight(community=community)
    is_member = membership is not None and membership.status == MembershipStatus.ACTIVE
    if not entries and not is_member:
        return None
    return {"entries": entries, "month": month_start()}
