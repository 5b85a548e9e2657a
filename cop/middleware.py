"""Request middleware of the core app."""

import logging
import zoneinfo

from django.utils import timezone

logger = logging.getLogger(__name__)


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
    members who were away since the last one. While the cache is down the page is
    served all the same (the cache backend logs it and its `add` succeeds, so last-seen
    is written each time; another backend's error is logged and nothing is noted).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.core.cache import cache

            from cop.services.notifications import SEEN_EVERY_MINUTES, record_seen

            try:
                first_in_a_while = cache.add(
                    f"cop:seen:{user.pk}", 1, timeout=SEEN_EVERY_MINUTES * 60
                )
            except Exception as exc:  # any cache backend down: the page matters more
                logger.warning("Last seen not noted, cache unavailable: %r", exc)
                first_in_a_while = False
            if first_in_a_while:
                record_seen(user=user)
        return self.get_response(request)
