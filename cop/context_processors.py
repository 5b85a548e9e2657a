"""Template context shared by every page."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from cop.services.notifications import unread_count


def site(request):
    """SITE_URL, and the bell's unread count: one COUNT, only when a page for a logged-in
    member shows it."""
    return {
        "SITE_URL": settings.SITE_URL,
        "unread_notification_count": SimpleLazyObject(lambda: _unread_count(request)),
    }


def _unread_count(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0

    return unread_count(user)
