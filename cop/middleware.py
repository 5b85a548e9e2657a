"""Request middleware of the core app."""

import logging
import sys
import zoneinfo
from urllib.parse import unquote

from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from cop.forms.core import curated_timezones
from cop.services.notifications import SEEN_EVERY_MINUTES, record_seen

logger = logging.getLogger(__name__)

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
    members who were away since the last one. While the cache is down the page is
    served all the same (the cache backend logs it and its `add` succeeds, so last-seen
    is written each time; another backend's error is logged and nothing is noted).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
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


# --- A dropped database connection ---------------------------------------------------------

CONNECTION_ERRORS = (OperationalError, InterfaceError)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "COPY")
FAILURE = "_copse_database_failure"
RETRY_AFTER_SECONDS = 5


def _note_failure(sender, request=None, **kwargs):
    """An exception raised by a middleware (not the view) reaches Django's handler, which
    answers 500 and sends this signal: note it so DatabaseUnavailableMiddleware answers
    503 instead."""
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, CONNECTION_ERRORS):
        setattr(request, FAILURE, exc)


got_request_exception.connect(_note_failure, dispatch_uid="copse-database-failure")


class DatabaseUnavailableMiddleware:
    """A request that meets a dropped database connection never gets a 500 page.

    An OperationalError or InterfaceError (a connection terminated by the server, a
    restart, a failover) is answered with a clean 503 (HTML, or JSON under /api/) and a
    Retry-After. A GET, HEAD or OPTIONS request that had written nothing before the
    error is first retried once on a fresh connection. Sits near the top of MIDDLEWARE so
    the session and messages middleware are inside it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wrote = []
        response = self._attempt(request, wrote)
        failure = request.__dict__.pop(FAILURE, None)
        if failure is None:
            return response
        if request.method in SAFE_METHODS and not wrote and self._reconnect():
            logger.warning("Database connection lost (%r): retrying %s", failure, request.path)
            response = self._attempt(request, wrote)
            failure = request.__dict__.pop(FAILURE, None)
            if failure is None:
                return response
        logger.error(
            "Database unavailable (%r): 503 for %s %s", failure, request.method, request.path
        )
        self._reconnect()
        return self._unavailable(request)

    def process_exception(self, request, exception):
        if isinstance(exception, CONNECTION_ERRORS):
            setattr(request, FAILURE, exception)
            return HttpResponse(status=503)  # replaced in __call__
        return None

    def _attempt(self, request, wrote: list):
        def watch(execute, sql, params, many, context):
            if sql.lstrip().upper().startswith(WRITES):
                wrote.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch):
            return self.get_response(request)

    @staticmethod
    def _reconnect() -> bool:
        """Drop the broken connection (the next query opens a new one). False inside a
        transaction, which only its owner may end."""
        if connection.in_atomic_block:
            return False
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None
        return True

    @staticmethod
    def _unavailable(request) -> HttpResponse:
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": "The service is briefly unavailable. Please try again."}, status=503
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
