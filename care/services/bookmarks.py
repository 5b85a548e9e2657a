"""Bookmarks: a member saves any registered item to find it on their "Saved" page."""

from django.utils.translation import gettext as _

from cop.models import User

from ..models import Bookmark
from .records import forget, record_once

MAX_BOOKMARKS = 5000


def bookmark(*, user: User, obj) -> Bookmark:
    """Save `obj` (the caller checked `care.bookmark`). Saving it again returns the same
    bookmark."""
    return record_once(
        Bookmark,
        user=user,
        obj=obj,
        able="bookmarkable",
        refused=_("This cannot be saved."),
        limit=MAX_BOOKMARKS,
        too_many=_("You have saved %(max)d items: remove some first.") % {"max": MAX_BOOKMARKS},
    )


def unbookmark(*, user: User, obj) -> bool:
    """Forget the bookmark of `obj`; False when there was none."""
    return forget(Bookmark, user=user, obj=obj)


def remove_bookmark(*, bookmark: Bookmark) -> None:
    bookmark.delete()
