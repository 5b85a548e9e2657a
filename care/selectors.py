"""Reads of following and moderation: the member's home feed, their saved items and
follows, the coordinators' queue."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.http import Http404

from cop.content import CONTENT_KINDS, ContentKind, may_see
from cop.pagination import KeysetPage, keyset_page

from .models import Bookmark, Follow, ModerationCase

PAGE_SIZE = 20


@dataclass
class SavedEntry:
    record: object  # the Bookmark or Follow
    kind: ContentKind
    item: object | None  # None when gone or no longer visible to the member
    url: str = ""
    title: str = ""


def _attach(records, user) -> list[SavedEntry]:
    """Attach each bookmark's or follow's item: one query per kind on the page."""
    by_type: dict[int, set[int]] = {}
    for record in records:
        by_type.setdefault(record.content_type_id, set()).add(record.object_id)
    found: dict[tuple[int, int], object] = {}
    kinds: dict[int, ContentKind] = {}
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        kind = next((k for k in CONTENT_KINDS.values() if k.model is model), None)
        if kind is None:
            continue
        kinds[content_type_id] = kind
        for obj in kind.model.objects.select_related(*kind.related).filter(pk__in=ids):
            found[(content_type_id, obj.pk)] = obj
    entries = []
    for record in records:
        kind = kinds.get(record.content_type_id)
        if kind is None:
            continue
        item = found.get((record.content_type_id, record.object_id))
        if item is not None and not may_see(user, kind, item):
            item = None
        entries.append(
            SavedEntry(
                record=record,
                kind=kind,
                item=item,
                url=kind.url(item) if item is not None else "",
                title=kind.title(item) if item is not None else "",
            )
        )
    return entries


def saved_page(user, *, older: str = "", newer: str = "", size: int = PAGE_SIZE):
    """The member's bookmarks, newest first by keyset, each with its item (or gone)."""
    page: KeysetPage = keyset_page(
        Bookmark.objects.filter(user=user).select_related("community"),
        field="created_at",
        size=size,
        older=older,
        newer=newer,
    )
    return page, _attach(page.object_list, user)


def follows_of(user, *, limit: int = 200) -> list[SavedEntry]:
    follows = list(
        Follow.objects.filter(user=user).select_related("community").order_by("-created_at")[:limit]
    )
    return _attach(follows, user)


def bookmarked_ids(user, kind: ContentKind, ids) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Bookmark.objects.filter(
            user=user, content_type=kind.content_type(), object_id__in=list(ids)
        ).values_list("object_id", flat=True)
    )


def followed_ids(user, key: str, community) -> set[int]:
    """Ids of the `key` items of `community` that `user` follows (one query)."""
    kind = CONTENT_KINDS[key]
    return set(
        Follow.objects.filter(
            user=user, community=community, content_type=kind.content_type()
        ).values_list("object_id", flat=True)
    )


def access_case(community, pk: int) -> ModerationCase:
    """Moderation case `pk` of `community` (one the caller may see), with its community
    set: 404 when it has no such case. Who may decide it is `care.moderate`."""
    case = ModerationCase.objects.filter(community=community, pk=pk).first()
    if case is None:
        raise Http404("Not found.")
    case.community = community
    return case
