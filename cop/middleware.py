"""Request middleware of the core app."""

import zoneinfo
from urllib.parse import unquote

from django.utils import timezone

# Set by static/js/copse.js for visitors who are not logged in: their browser's zone.
TIMEZONE_COOKIE = "copse_tz"


class UserTimezoneMiddleware:
    """Show times in the viewer's own zone: the user's setting; for a visitor, the zone
    their browser reported (a cookie, one of the curated zones); else the site default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user.timezone
        else:
            from cop.forms import curated_timezones

            name = unquote(request.COOKIES.get(TIMEZONE_COOKIE, ""))[:64]
            name = name if name in curated_timezones() else ""
        try:
            if not name:
                raise ValueError(name)
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
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
