"""Bookmarks: a member saves any registered item to find it on their "Saved" page."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cop.content import kind_of_model
from cop.models import User

from ..models import Bookmark
from .records import record_once

MAX_BOOKMARKS = 5000


def bookmark(*, user: User, obj) -> Bookmark:
    """Save `obj` (the caller checked `care.bookmark`). Saving it again returns the same
    bookmark."""
    kind = kind_of_model(type(obj))
    if kind is None or not kind.bookmarkable:
        raise ValidationError(_("This cannot be saved."))
    return record_once(
        Bookmark,
        user=user,
        kind=kind,
        obj=obj,
        limit=MAX_BOOKMARKS,
        too_many=_("You have saved %(max)d items: remove some first.") % {"max": MAX_BOOKMARKS},
    )


def unbookmark(*, user: User, obj) -> bool:
    """Forget the bookmark of `obj`; False when there was none."""
    kind = kind_of_model(type(obj))
    if kind is None:
        return False
    deleted, _rows = Bookmark.objects.filter(
        user=user, content_type=kind.content_type(), object_id=obj.pk
    ).delete()
    return bool(deleted)


def remove_bookmark(*, bookmark: Bookmark) -> None:
    bookmark.delete()
