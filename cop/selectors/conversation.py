"""Reads of comments and announcements. Each fetch is 404 for what is missing and for
what the viewer may not see (a private community's item, a draft, a comment on either),
so nothing reveals that it exists."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cop.enums import ReactionKind
from cop.extensions import COMMENT_TARGETS, CommentTarget, comment_target_for_model
from cop.models import Announcement, Comment, Community, Reaction
from cop.permissions import allowed
from cop.rules import can_view_community, is_coordinator

# The columns a thread shows: the author's other fields (password hash included) stay put.
COMMENT_COLUMNS = (
    "id", "community_id", "target_type_id", "target_id", "parent_id", "author_id", "body",
    "created_at", "edited_at", "deleted_at", "hidden_at", "thanks_count", "helped_count",
    "plus_one_count", "author__id", "author__display_name", "author__email",
)  # fmt: skip
# A page shows at most this many comments of one target (the API pages through all).
THREAD_LIMIT = 500


def target_spec(key: str) -> CommentTarget:
    spec = COMMENT_TARGETS.get(key)
    if spec is None:
        raise Http404("Nothing to comment on here.")
    return spec


def access_target(user, key: str, pk: int, *, community: Community | None = None):
    """The live item of kind `key` the viewer may see, else 404."""
    spec = target_spec(key)
    items = spec.model.objects.filter(pk=pk, **spec.live).select_related("community")
    if community is not None:
        items = items.filter(community=community)
    target = items.first()
    if target is None or not allowed(user, "cop.view_comments", target):
        raise Http404("Not found.")
    return target


def target_of(comment: Comment):
    """The (live) item a comment is on, or None when it is gone."""
    spec = comment_target_for_model(comment.target_type.model_class())
    if spec is None:
        return None
    return (
        spec.model.objects.filter(pk=comment.target_id, **spec.live)
        .select_related("community")
        .first()
    )


def access_comment(user, pk: int, *, community: Community | None = None) -> Comment:
    """A comment the viewer may see (its target visible to them; hidden ones only to
    their author and the coordinators; deleted ones to nobody), with `target` set."""
    comments = Comment.objects.select_related("community", "author", "target_type")
    if community is not None:
        comments = comments.filter(community=community)
    comment = comments.filter(pk=pk).first()
    if comment is None:
        raise Http404("No such comment.")
    target = target_of(comment)
    if target is None or not allowed(user, "cop.view_comments", target):
        raise Http404("No such comment.")
    if not allowed(user, "cop.view_comment", comment):
        raise Http404("No such comment.")
    comment.target = target
    return comment


def visible_comments(target, user) -> QuerySet[Comment]:
    """The target's comments the viewer may see, oldest first: live ones, hidden ones
    only to their author and to the community's coordinators."""
    # The content type by its natural key, joined: a page costs the same one query
    # whether or not this process has cached the content type yet.
    meta = type(target)._meta
    comments = Comment.objects.filter(
        target_type__app_label=meta.app_label,
        target_type__model=meta.model_name,
        target_id=target.pk,
        deleted_at__isnull=True,
    )
    if not is_coordinator(user, target.community):
        shown = Q(hidden_at__isnull=True)
        if user.is_authenticated:
            shown |= Q(author=user)
        comments = comments.filter(shown)
    return comments.select_related("author").only(*COMMENT_COLUMNS).order_by("created_at", "id")


@dataclass
class ThreadItem:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def comment_thread(target, user) -> list[ThreadItem]:
    """The thread shown under an item: top-level comments with their replies, each with
    `my_reactions` (the kinds the viewer gave). Two queries whatever its length. A reply
    whose parent was deleted or is not visible stands on its own."""
    comments = list(visible_comments(target, user)[:THREAD_LIMIT])
    mine: dict[int, set[str]] = {}
    if user.is_authenticated and comments:
        for comment_id, kind in Reaction.objects.filter(
            user=user, comment_id__in=[c.pk for c in comments]
        ).values_list("comment_id", "kind"):
            mine.setdefault(comment_id, set()).add(kind)
    items: dict[int, ThreadItem] = {}
    order: list[ThreadItem] = []
    for comment in comments:
        comment.my_reactions = mine.get(comment.pk, set())
        comment.community = target.community
        if comment.parent_id in items:
            items[comment.parent_id].replies.append(comment)
            continue
        item = ThreadItem(comment)
        items[comment.pk] = item
        order.append(item)
    return order


def comment_context(request, target) -> dict:
    """What the comments section of an item's page needs (`cop/_comments.html`)."""
    spec = comment_target_for_model(type(target))
    return {
        "comment_target_key": spec.key,
        "reaction_kinds": ReactionKind.choices,
        "comment_target": target,
        "comment_thread": comment_thread(target, request.user),
        "can_comment": allowed(request.user, "cop.comment_on", target),
        "can_moderate_comments": is_coordinator(request.user, target.community),
    }


# --- Announcements -------------------------------------------------------------------------


def announcement_list(community: Community) -> QuerySet[Announcement]:
    return (
        Announcement.objects.filter(community=community)
        .select_related("author")
        .defer("author__password", "author__bio")
        .order_by("-created_at", "-id")
    )


def pinned_announcements(community: Community, *, today: date | None = None) -> list:
    """Announcements pinned until today or later, newest first (the community home)."""
    today = today or timezone.localdate()
    return list(
        Announcement.objects.filter(community=community, pinned_until__gte=today)
        .only("id", "community_id", "title", "body", "created_at", "pinned_until")
        .order_by("-created_at", "-id")[:3]
    )


def access_announcement(user, community: Community, pk: int) -> Announcement:
    if not can_view_community(user, community):
        raise Http404("Not found.")
    announcement = (
        Announcement.objects.filter(community=community, pk=pk).select_related("author").first()
    )
    if announcement is None:
        raise Http404("No such announcement.")
    announcement.community = community
    return announcement
