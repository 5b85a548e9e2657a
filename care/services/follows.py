"""Following a topic, a problem, a practice or a member's stories, and telling the
followers what is new there through the notification service (their preferences for
FOLLOWED decide in-app only, email at once or the digest)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.content import CONTENT_KINDS, kind_of_model, may_see
from cop.enums import NotificationKind
from cop.models import Notification, User
from cop.queue import enqueue_on_commit
from cop.services.notifications import notify

from ..models import Follow, FollowNotice
from .records import forget, record_once

MAX_FOLLOWS = 2000
# A notice its task has not delivered after this long is taken to be lost.
SWEEP_AFTER = timedelta(minutes=2)


def follow(*, user: User, obj) -> Follow:
    """Follow `obj` (the caller checked `care.follow`); following again returns the same row."""
    return record_once(
        Follow,
        user=user,
        obj=obj,
        able="followable",
        refused=_("This cannot be followed."),
        limit=MAX_FOLLOWS,
        too_many=_("You follow %(max)d things: stop following some first.") % {"max": MAX_FOLLOWS},
    )


def unfollow(*, user: User, obj) -> bool:
    """Stop following `obj`; False when one did not follow it."""
    return forget(Follow, user=user, obj=obj)


def is_following(*, user: User, obj) -> bool:
    kind = kind_of_model(type(obj))
    if kind is None or not user.is_authenticated:
        return False
    return Follow.objects.filter(
        user=user, content_type=kind.content_type(), object_id=obj.pk
    ).exists()


def notify_followers_after_commit(*, kind_key: str, pk: int, targets: list[tuple[str, int]]):
    """The `cop.content.on_published` listener, inside the publishing transaction: a
    `FollowNotice` row commits with the content, and a task tells the followers after
    commit. Should the task be lost, the sweeper finds the row."""

    notice = FollowNotice.objects.create(
        kind_key=kind_key, object_id=pk, targets=[list(t) for t in targets]
    )
    enqueue_on_commit("care.notify_followers", notice_id=notice.pk)


def deliver_notice(notice_id: int) -> int:
    """Tell the followers of one notice and delete it; how many were told. Safe to run
    twice and concurrently: `notify_followers` skips anyone already told."""
    notice = FollowNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        return 0
    told = notify_followers(
        kind_key=notice.kind_key,
        pk=notice.object_id,
        targets=[(str(key), int(target_id)) for key, target_id in notice.targets],
    )
    FollowNotice.objects.filter(pk=notice_id).delete()
    return told


def sweep_follow_notices(*, older_than: timedelta = SWEEP_AFTER, limit: int = 500) -> int:
    """Deliver the notices whose task did not (yet) run `older_than` after they were
    written, oldest first, at most `limit` per run; returns how many were delivered."""
    cutoff = timezone.now() - older_than
    ids = list(
        FollowNotice.objects.filter(created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for notice_id in ids:
        deliver_notice(notice_id)
    return len(ids)


def notify_followers(*, kind_key: str, pk: int, targets: list[tuple[str, int]]) -> int:
    """Tell everyone who follows one of `targets` (as `(key, id)`) that item `kind_key:pk`
    appeared, once each, except its author and anyone who may not see it. Returns how many
    were told. Safe to run twice: a follower already told of this item is skipped."""
    kind = CONTENT_KINDS.get(kind_key)
    if kind is None:
        return 0
    obj = kind.model.objects.select_related(*kind.related).filter(pk=pk).first()
    if obj is None or getattr(obj, "deleted_at", None) or getattr(obj, "hidden_at", None):
        return 0
    condition = Q(pk__in=[])
    for key, target_id in targets:
        target_kind = CONTENT_KINDS.get(key)
        if target_kind is not None:
            condition |= Q(content_type=target_kind.content_type(), object_id=target_id)
    follower_ids = set(Follow.objects.filter(condition).values_list("user_id", flat=True))
    follower_ids.discard(kind.author_id(obj))
    if not follower_ids:
        return 0

    url = kind.url(obj)
    already = set(
        Notification.objects.filter(
            kind=NotificationKind.FOLLOWED, url=url[:500], recipient_id__in=follower_ids
        ).values_list("recipient_id", flat=True)
    )
    community = kind.community(obj)
    told = 0
    for user in User.objects.filter(pk__in=follower_ids - already, is_active=True).order_by("pk"):
        if not may_see(user, kind, obj):
            continue
        if notify(
            recipient=user,
            kind=NotificationKind.FOLLOWED,
            title=_("New %(kind)s in what you follow: %(title)s")
            % {"kind": kind.label, "title": kind.title(obj)},
            url=url,
            community=community,
        ):
            told += 1
    return told


def remove_follow(*, follow: Follow) -> None:
    follow.delete()
