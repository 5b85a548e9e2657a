"""The core's sources for the home feed: announcements and comments.

Each is one keyset query on its (community, time) index with a LIMIT, like every source
(`cop.content.FeedSource`). A comment is listed only where every member of its community
sees its target (a comment on a draft practice or on hidden content is not), decided in
SQL so that paging stays exact; the targets' titles take one query per kind of target.
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .content import FEED_COLUMNS, FeedItem
from .extensions import COMMENT_TARGETS
from .models import Announcement, Comment
from .pagination import feed_older_than

EXCERPT = 160


def feed_announcements(*, user, community_ids, cursor, limit: int, rank: int) -> list[FeedItem]:
    """Announcements (the `announcement_recent` index)."""
    rows = Announcement.objects.filter(community_id__in=community_ids)
    rows = feed_older_than(rows, "created_at", rank, cursor)
    rows = rows.select_related("community", "author").only("title", *FEED_COLUMNS)[:limit]
    return [
        FeedItem.of(row, source="announcement", rank=rank, verb=_("announced"), author=row.author)
        for row in rows
    ]


def _listed_targets(community_ids) -> Q:
    """Comments whose target every member of its community sees."""
    condition = Q(pk__in=[])
    for spec in COMMENT_TARGETS.values():
        targets = spec.model.objects.filter(community_id__in=community_ids, **spec.listed)
        condition |= Q(
            target_type=ContentType.objects.get_for_model(spec.model),
            target_id__in=targets.values("pk"),
        )
    return condition


def _excerpt(body: str) -> str:
    text = " ".join(body.replace(">", " ").replace("#", " ").replace("*", "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def feed_comments(*, user, community_ids, cursor, limit: int, rank: int) -> list[FeedItem]:
    """Comments everyone sees (the `comment_live_recent` index), with their target."""
    rows = Comment.objects.filter(
        _listed_targets(community_ids),
        community_id__in=community_ids,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
    )
    rows = feed_older_than(rows, "created_at", rank, cursor)
    rows = list(
        rows.select_related("community", "author").only(
            "body", "target_type_id", "target_id", *FEED_COLUMNS
        )[:limit]
    )
    wanted = defaultdict(set)
    for row in rows:
        wanted[row.target_type_id].add(row.target_id)
    targets = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        for target in model.objects.select_related("community").filter(pk__in=ids):
            targets[type_id, target.pk] = target
    items = []
    for row in rows:
        target = targets.get((row.target_type_id, row.target_id))
        if target is None:
            continue
        spec = next(spec for spec in COMMENT_TARGETS.values() if spec.model is type(target))
        items.append(
            FeedItem(
                source="comment",
                rank=rank,
                pk=row.pk,
                at=row.created_at,
                title=str(spec.label(target)),
                url=f"{target.get_absolute_url()}#comment-{row.pk}",
                community=row.community,
                author=row.author,
                verb=str(_("commented on")),
                detail=_excerpt(row.body),
            )
        )
    return items
