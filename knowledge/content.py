"""The knowledge app's content in the registry of `cop.content`: what members can flag,
bookmark and follow, and the home feed's sources (stories, problems, practices)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cop.content import FEED_COLUMNS, FeedItem, register_content, register_feed_source
from cop.models import Tag
from cop.pagination import feed_older_than

from .enums import EntryStatus
from .models import Note, PracticeEntry, Problem, Reply, Revision, Story
from .rules import can_view
from .search import index_object
from .services.common import set_hidden


def _reindex(obj) -> None:

    if obj is not None:
        index_object(obj)


def _can_view(user, obj) -> bool:

    return can_view(user, obj)


def _revision_url(revision: Revision) -> str:
    url = reverse(
        "knowledge:entry_history",
        kwargs={"slug": revision.entry.community.slug, "pk": revision.entry_id},
    )
    return f"{url}#revision-{revision.number}"


def _note_url(note: Note) -> str:
    return f"{note.entry.get_absolute_url()}#note-{note.pk}"


def _entry_of_can_view(user, obj) -> bool:
    return can_view(user, obj.entry)


def _topic_url(tag: Tag) -> str:
    url = reverse("knowledge:story_list", kwargs={"slug": tag.community.slug})
    return f"{url}?tag={tag.slug}"


def register() -> None:
    common = {
        "author_id": lambda obj: obj.author_id,
        "url": lambda obj: obj.get_absolute_url(),
        "can_view": _can_view,
        "on_visibility_change": _reindex,
        "set_hidden": set_hidden,
    }
    # A story, problem or practice: titled, in its own community.
    item = {
        **common,
        "community": lambda obj: obj.community,
        "title": lambda obj: obj.title,
        "related": ("community",),
    }
    register_content(
        key="story",
        thankable=True,
        model=Story,
        label=_("story"),
        **item,
    )
    register_content(
        key="problem",
        model=Problem,
        label=_("problem"),
        followable=True,
        **item,
    )
    register_content(
        key="reply",
        thankable=True,
        model=Reply,
        label=_("reply"),
        community=lambda obj: obj.problem.community,
        title=lambda obj: _("Reply to “%(title)s”") % {"title": obj.problem.title},
        related=("problem__community",),
        **common,
    )
    register_content(
        key="practice",
        thankable=True,
        model=PracticeEntry,
        label=_("practice"),
        followable=True,
        **item,
    )
    register_content(
        key="topic",
        model=Tag,
        label=_("topic"),
        community=lambda obj: obj.community,
        author_id=lambda obj: None,
        title=lambda obj: obj.name,
        url=_topic_url,
        related=("community",),
        flaggable=False,
        bookmarkable=False,
        followable=True,
        hideable=False,
    )
    # A practice's new revisions and notes, for its followers only: not flagged, saved or
    # hidden on their own (the practice is).
    for key, model, label, url in (
        ("revision", Revision, _("revision"), _revision_url),
        ("note", Note, _("note"), _note_url),
    ):
        register_content(
            key=key,
            model=model,
            label=label,
            community=lambda obj: obj.entry.community,
            author_id=lambda obj: obj.author_id,
            title=lambda obj: obj.entry.title,
            url=url,
            related=("entry__community",),
            can_view=_entry_of_can_view,
            flaggable=False,
            bookmarkable=False,
            hideable=False,
        )
    register_feed_source(key="story", order=30, fetch=feed_stories)
    register_feed_source(key="problem", order=20, fetch=feed_problems)
    register_feed_source(key="practice", order=10, fetch=feed_practices)


_FEED_COLUMNS = ("title", *FEED_COLUMNS)


def _live_feed(model, *, source: str, verb, at: str = "created_at", **filters):
    """The feed source of `model`: its live rows (not deleted, not hidden) newest by `at`
    first, one keyset query on the model's (community, `at`) partial index."""

    def fetch(*, user, community_ids, cursor, limit: int, rank: int) -> list[FeedItem]:
        rows = model.objects.filter(
            community_id__in=community_ids,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
            **filters,
        )
        rows = feed_older_than(rows, at, rank, cursor)
        rows = rows.select_related("community", "author").only(*_FEED_COLUMNS, at)[:limit]
        return [
            FeedItem.of(row, source=source, rank=rank, verb=verb, at=at, author=row.author)
            for row in rows
        ]

    return fetch


# New stories and problems (`story_live_recent`, `problem_live_recent`); practices
# published or revised (`entry_live_recent`), drafts and archived ones stay out.
feed_stories = _live_feed(Story, source="story", verb=_("told a story"))
feed_problems = _live_feed(Problem, source="problem", verb=_("brought a problem"))
feed_practices = _live_feed(
    PracticeEntry,
    source="practice",
    verb=_("shared a practice"),
    at="updated_at",
    status__in=(EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED),
)
