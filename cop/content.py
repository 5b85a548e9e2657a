"""The registry of content members can flag, bookmark, follow or see in their feed.

Each app registers its content kinds in its AppConfig.ready(), without the core or the
moderation app importing it:

    register_content(key="story", model=Story, label=_("story"), url=story_url, ...)
    register_feed_source(key="story", order=10, fetch=feed_stories)

A kind is addressed as `<key>:<id>` (content type + object id underneath). A hideable
kind carries a nullable `hidden_at` (set by moderation) and, like every kind, is looked
up through `resolve(user, key, pk)`: 404 for missing, deleted and invisible alike, and
hidden items only for their author and the community's coordinators.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.http import Http404

from cop.rules import can_view_community, is_coordinator


@dataclass(frozen=True)
class ContentKind:
    key: str
    model: type
    label: str
    # obj -> Community / author user id / title / absolute path. Cheap on an object
    # fetched with `related` selected.
    community: Callable
    author_id: Callable
    title: Callable
    url: Callable
    related: tuple = ()
    flaggable: bool = True
    bookmarkable: bool = True
    followable: bool = False
    hideable: bool = True  # has `hidden_at`
    # Extra visibility rule beyond community, deleted and hidden (a draft practice).
    can_view: Callable | None = None
    # Called after hiding or restoring, e.g. to take the item out of search or put it back.
    on_visibility_change: Callable | None = None
    # set_hidden(obj, hidden): hides or shows the item itself when its counters must follow
    # (a comment leaves its target's count); by default moderation writes `hidden_at`.
    set_hidden: Callable | None = None
    # Members can thank the author (`cop.services.thanks`); the model has `thanks_count`.
    thankable: bool = False

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)


CONTENT_KINDS: dict[str, ContentKind] = {}


def register_content(**options) -> ContentKind:
    kind = ContentKind(**options)
    CONTENT_KINDS[kind.key] = kind
    return kind


def kind_named(key: str) -> ContentKind:
    kind = CONTENT_KINDS.get(key)
    if kind is None:
        raise Http404("Unknown kind.")
    return kind


def kind_of_model(model) -> ContentKind | None:
    return next((kind for kind in CONTENT_KINDS.values() if kind.model is model), None)


def kind_of_content_type(content_type_id: int) -> ContentKind | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return kind_of_model(model)


def may_see(user, kind: ContentKind, obj) -> bool:
    """Whether `user` may see `obj`: its community, not deleted, not hidden unless author or
    coordinator, and the kind's own rule."""
    community = kind.community(obj)
    if not can_view_community(user, community):
        return False
    if getattr(obj, "deleted_at", None) is not None:
        return False
    if kind.can_view is not None and not kind.can_view(user, obj):
        return False
    if getattr(obj, "hidden_at", None) is not None:
        is_author = user.is_authenticated and kind.author_id(obj) == user.pk
        return is_author or is_coordinator(user, community)
    return True


def resolve(user, key: str, pk: int):
    """The item `key:pk` if `user` may see it, else Http404."""
    kind = kind_named(key)
    obj = kind.model.objects.select_related(*kind.related).filter(pk=pk).first()
    if obj is None or not may_see(user, kind, obj):
        raise Http404("Not found.")
    return kind, obj


# --- Home feed sources -----------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One line of a member's home feed."""

    source: str  # the feed source's key
    rank: int  # the source's order: the tie-break between sources at the same instant
    pk: int
    at: datetime
    title: str
    url: str
    community: object
    author: object = None
    verb: str = ""  # "told a story", "asked", ...
    detail: str = ""
    starts_at: datetime | None = None  # a meeting's start

    @classmethod
    def of(cls, row, *, source: str, rank: int, verb, at: str = "created_at", **extra):
        """The item for a row that has a title, a page and a community, dated by its
        field `at`."""
        return cls(
            source=source,
            rank=rank,
            pk=row.pk,
            at=getattr(row, at),
            title=row.title,
            url=row.get_absolute_url(),
            community=row.community,
            verb=str(verb),
            **extra,
        )


@dataclass(frozen=True, order=True)
class FeedSource:
    order: int
    key: str = field(compare=False)
    # fetch(user=, community_ids=, cursor=FeedCursor | None, limit=, rank=) -> list[FeedItem],
    # newest first: one keyset query on the source's own (community, time) index with a
    # LIMIT, no COUNT, no OFFSET (`cop.pagination.feed_older_than` bounds it by the cursor).
    fetch: Callable[..., list[FeedItem]] = field(compare=False)


FEED_SOURCES: list[FeedSource] = []

# The columns a feed line shows of a row with a community and an author (`.only()`).
FEED_COLUMNS = (
    "id",
    "created_at",
    "community__id",
    "community__slug",
    "community__name",
    "author__id",
    "author__display_name",
    "author__email",
)


def register_feed_source(*, key: str, order: int, fetch: Callable[..., list[FeedItem]]) -> None:
    if any(source.key == key for source in FEED_SOURCES):
        return
    FEED_SOURCES.append(FeedSource(order, key, fetch))
    FEED_SOURCES.sort()


# --- New content, for followers ------------------------------------------------------------

PUBLISHED_LISTENERS: list[Callable] = []


def on_published(listener: Callable) -> None:
    """`listener(kind_key=, pk=, targets=[(key, pk), ...])` runs after commit when content
    appears that followers of `targets` want to hear about."""
    if listener not in PUBLISHED_LISTENERS:
        PUBLISHED_LISTENERS.append(listener)


def published(obj, *, targets: list[tuple[str, int]]) -> None:
    """Call from the service that created `obj`, inside its transaction: after commit
    every listener hears of it (the follow notifications)."""
    kind = kind_of_model(type(obj))
    if kind is None or not targets:
        return
    for listener in PUBLISHED_LISTENERS:
        listener(kind_key=kind.key, pk=obj.pk, targets=targets)
