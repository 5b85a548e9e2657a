"""Request middleware of the core app."""

import zoneinfo

from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the viewer's own zone: the user's setting, else the site default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class LastSeenMiddleware:
    """Note when a member was last on the site, at most once per SEEN_EVERY_MINUTES.

    The throttle is a cache key added atomically (shared across processes through
    Redis), so a page view normally costs no query at all. Digests go only to
    members who were away since the last one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.core.cache import cache

            from cop.services.notifications import SEEN_EVERY_MINUTES, record_seen

            if cache.add(f"cop:seen:{user.pk}", 1, timeout=SEEN_EVERY_MINUTES * 60):
                record_seen(user=user)
        return self.get_response(request)
