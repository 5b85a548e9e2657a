"""Helpers shared by the knowledge services: tags, counters, soft delete."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cop import cache
from cop.enums import AuditAction
from cop.models import Community, Tag, User
from cop.rules import is_coordinator
from cop.services.audit import record
from cop.services.notifications import notify_mentions
from cop.services.participation import record_participation
from knowledge.models import PracticeEntry, Problem, Reply, Story
from knowledge.rules import _community, deleted_it_recently
from knowledge.search import index_object, unindex_object


def changed(item: Story | Problem | Reply | PracticeEntry) -> None:
    """What the lists of `item`'s community and the page of its problem show changed:
    the fragments kept for them are read afresh (`cop.cache`)."""
    if isinstance(item, Reply):
        scopes = [cache.scope(Community, item.problem.community_id)]
        scopes.append(cache.scope(Problem, item.problem_id))
    else:
        scopes = [cache.scope(Community, item.community_id)]
        if isinstance(item, Problem):
            scopes.append(cache.scope(Problem, item.pk))
    cache.bump(*scopes)


def clean_tags(community: Community, tags: Iterable[Tag] | None) -> list[Tag]:
    """Tags must come from the community's own vocabulary."""
    tags = list(tags or [])
    if any(tag.community_id != community.pk for tag in tags):
        raise ValidationError(_("Tags must come from this community's topics."))
    return tags


def require_text(**fields: str) -> None:
    """Title-like fields may not be blank."""
    for name, value in fields.items():
        if not (value or "").strip():
            raise ValidationError({name: _("This field cannot be empty.")})


def require_live(item) -> None:
    """A deleted item takes no change: it may have gone since the caller fetched it."""
    if item.deleted_at is not None:
        raise ValidationError(_("This was deleted."))


def bump(counter: str, delta: int):
    """`counter + delta` as one UPDATE expression, exact under concurrent writers. It
    never goes below zero, so rows written outside the services (an admin edit, an
    import) cannot make a later delete fail; `knowledge.services.counters.recount`
    puts such counts right."""
    return Greatest(F(counter) + delta, 0)


def _bump_tags(tag_ids, delta: int) -> None:
    if tag_ids:
        Tag.objects.filter(pk__in=tag_ids).update(use_count=bump("use_count", delta))


def set_tags(item: Story | Problem | PracticeEntry, tags: list[Tag]) -> None:
    """Give `item` exactly these topics and keep the topics' use counts in step. Call it
    inside the service's transaction: the item's row is locked so that two concurrent
    edits cannot both count the same change."""
    type(item).objects.select_for_update().filter(pk=item.pk).values_list("pk").first()
    before = set(item.tags.values_list("pk", flat=True))
    after = {tag.pk for tag in tags}
    item.tags.set(tags)
    if item.deleted_at is None and item.hidden_at is None:
        _bump_tags(after - before, +1)
        _bump_tags(before - after, -1)


def _count_live(item, delta: int) -> None:
    """An item left (-1) or came back to (+1) the live lists: its counters follow."""
    if isinstance(item, Reply):
        Problem.objects.filter(pk=item.problem_id).update(reply_count=bump("reply_count", delta))
    else:
        _bump_tags(list(item.tags.values_list("pk", flat=True)), delta)


def _lock_hidden_at(item):
    """Lock the item's row and return its `hidden_at`: deleting and hiding decide under
    the same lock whether the item leaves the counts, so it leaves them once."""
    return (
        type(item)
        .objects.select_for_update()
        .filter(pk=item.pk)
        .values_list("hidden_at", flat=True)
        .first()
    )


@transaction.atomic
def set_hidden(item: Story | Problem | Reply | PracticeEntry, hidden: bool) -> None:
    """Moderation hides (or shows again) an item. What everyone sees counts only live,
    visible items, so like a delete a hidden item leaves its problem's reply count or
    its topics' use counts, and returns to them when shown; a deleted item is out of
    them already. The registered `set_hidden` of these kinds (`knowledge.content`)."""
    hidden_at = _lock_hidden_at(item)
    if (hidden_at is not None) == hidden:
        item.hidden_at = hidden_at
        return
    changed(item)
    item.hidden_at = timezone.now() if hidden else None
    type(item).objects.filter(pk=item.pk).update(hidden_at=item.hidden_at)
    if not type(item).objects.filter(pk=item.pk, deleted_at__isnull=False).exists():
        _count_live(item, -1 if hidden else +1)


@transaction.atomic
def soft_delete(*, item: Story | Problem | Reply | PracticeEntry, by: User):
    """Hide a story, problem, reply or entry (author or coordinator). Nothing is lost:
    the row and its history stay, only `deleted_at`/`deleted_by` are set, and it leaves
    the search index. Deleting a problem hides its replies from search too. Side
    effects: the problem's reply count or the topics' use counts go down, once even
    when two people delete at the same moment. Deleting a deleted item changes
    nothing."""

    hidden = _lock_hidden_at(item) is not None
    now = timezone.now()
    gone = (
        type(item)
        .objects.filter(pk=item.pk, deleted_at__isnull=True)
        .update(deleted_at=now, deleted_by=by)
    )
    if not gone:
        item.refresh_from_db(fields=["deleted_at", "deleted_by"])
        return item
    item.deleted_at = now
    item.deleted_by = by
    changed(item)
    if not hidden:
        _count_live(item, -1)
    unindex_object(item)
    if isinstance(item, Problem):
        for reply in item.replies.all():
            unindex_object(reply)
    _audit(item, by=by, action=AuditAction.ITEM_DELETED)
    return item


def _label(item) -> str:
    """ "Story: title" and the like, for the audit log."""
    if isinstance(item, Reply):
        return _("Reply to “%(title)s”") % {"title": item.problem.title}
    kind = {Story: _("Story"), Problem: _("Problem"), PracticeEntry: _("Practice")}[type(item)]
    return f"{kind}: {item.title}"


def _audit(item, *, by: User, action: str) -> None:

    record(community=_community(item), actor=by, action=action, summary=_label(item))


def can_undo_delete(user, item) -> bool:
    """The person who deleted an item may bring it back for a few minutes (Undo)."""

    return bool(deleted_it_recently(user, item))


@transaction.atomic
def restore(*, item: Story | Problem | Reply | PracticeEntry, by: User):
    """Bring back a soft-deleted item (coordinators, or whoever deleted it within the
    last few minutes: Undo); it returns to search and its counters count it again (once,
    however many restore it at the same moment)."""

    if not (is_coordinator(by, _community(item)) or can_undo_delete(by, item)):
        raise ValidationError(_("Only a coordinator can restore deleted content."))
    if getattr(item, "merged_into_id", None) is not None:
        raise ValidationError(_("This problem was merged into another; its replies are there."))
    hidden = _lock_hidden_at(item) is not None
    came_back = (
        type(item)
        .objects.filter(pk=item.pk, deleted_at__isnull=False)
        .update(deleted_at=None, deleted_by=None)
    )
    item.deleted_at = None
    item.deleted_by = None
    changed(item)
    if came_back and not hidden:
        _count_live(item, +1)
    index_object(item)
    if isinstance(item, Problem):
        for reply in item.replies.filter(deleted_at__isnull=True):
            index_object(reply)
    _audit(item, by=by, action=AuditAction.ITEM_RESTORED)
    return item


def _contributed(
    item: Story | Problem | PracticeEntry, *, kind: str, author: User, tags: list[Tag], summary: str
) -> None:
    """What a new story, problem or practice sets off: its tags, the author's `kind`
    participation (`summary` is what their page shows of it) and its search entry. Runs
    inside the creating service's transaction (it locks the tags' rows)."""
    set_tags(item, tags)
    record_participation(
        kind=kind, user=author, community=item.community, subject=item, summary=summary
    )
    index_object(item)


def notify_mentioned(*, item, author: User, text: str, previous_text: str = "") -> None:
    """Tell people `@mentioned` in an item's Markdown (who may see it), once per person:
    on an edit, only those not mentioned in the previous text."""

    community = item.community if hasattr(item, "community") else item.problem.community
    title = getattr(item, "title", None) or getattr(getattr(item, "problem", None), "title", "")
    notify_mentions(
        text=text,
        author=author,
        community=community,
        url=item.get_absolute_url(),
        title=_("%(name)s mentioned you in “%(title)s”") % {"name": author.name, "title": title},
        previous_text=previous_text,
    )
