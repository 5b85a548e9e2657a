"""Idempotency keys for API writes: a request sent twice is done once.

A client (or the proxy, retrying on another web process after the first one died with
the request in hand) may send a POST, PUT, PATCH or DELETE under `/api/` with an
`Idempotency-Key` header: a token of its own choosing, new for each operation. The
first request with a key is handled inside one transaction that also records its
answer (`IdempotentRequest`); so either both the write and its record are committed, or
neither is. The same key again, from the same credentials, with the same method, path
and body, is answered from the record (with `Idempotent-Replayed: true`) without doing
anything. On PostgreSQL a repeat that arrives while the first is still running waits
for it on the record's unique index, then replays its answer; if the first one's process
died, its transaction was rolled back and the repeat does the work. And when the
database connection breaks under a keyed write (a failover), the write is tried once
more on a fresh connection, here, instead of answering 503: its record tells whether
the first attempt was committed after all.

Only answers below 400 are recorded: a refusal (4xx) or a failure (5xx) did nothing that
must stay done, so its transaction is rolled back and a retry with the same key is
handled afresh.
Records are pruned after IDEMPOTENCY_KEEP (a day) by the `cop.prune_idempotency_keys`
beat task. A request without the header, or made without credentials, is handled as
usual.
"""

import hashlib
import logging
import re
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.middleware import FAILURE
from cop.models import IdempotentRequest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEEP = timedelta(hours=24)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Visible ASCII, no spaces: what a UUID, a ULID or any random token is made of.
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _scope(request) -> str | None:
    """Whose key it is: the credentials the request carries, hashed (a token's holder, or
    a signed-in member), or None for a request made without any."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        return JsonResponse(
            {"detail": _("This Idempotency-Key was already used for a different request.")},
            status=422,
        )
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _recorded(scope: str, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(scope=scope, key=key).first()


class _Rollback(Exception):
    """Leaves the atomic block with an answer whose work must not be kept."""

    def __init__(self, response):
        self.response = response


class IdempotencyMiddleware:
    """Does an API write sent with an Idempotency-Key once; see the module's docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get("HTTP_IDEMPOTENCY_KEY")
        if key is None or request.method not in UNSAFE_METHODS:
            return self.get_response(request)
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _VALID_KEY.match(key):
            return JsonResponse(
                {"detail": _("Idempotency-Key must be 1 to 255 visible characters.")},
                status=400,
            )
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        response = self._replayed_or_once(request, scope, key, fingerprint)
        if request.__dict__.get(FAILURE) is not None and not connection.in_atomic_block:
            logger.warning("Database connection lost under %s: trying it once more", key)
            del request.__dict__[FAILURE]
            connection.close()
            response = self._replayed_or_once(request, scope, key, fingerprint)
        return response

    def _replayed_or_once(self, request, scope, key, fingerprint) -> HttpResponse:
        try:
            record = _recorded(scope, key)
            if record is not None:
                return _replay(record, fingerprint)
            return self._once(request, scope, key, fingerprint)
        except IntegrityError:
            # The same key committed by a request that ran at the same time.
            record = _recorded(scope, key)
            if record is not None:
                return _replay(record, fingerprint)
            return JsonResponse(
                {"detail": _("A request with this Idempotency-Key is still being handled.")},
                status=409,
            )

    def _once(self, request, scope: str, key: str, fingerprint: str) -> HttpResponse:
        try:
            with transaction.atomic():
                # First, so that a repeat running at the same time waits for this one.
                record = IdempotentRequest.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, status_code=0
                )
                response = self.get_response(request)
                status = response.status_code
                if status >= 400 or response.streaming:
                    raise _Rollback(response)
                record.status_code = status
                record.content_type = response.get("Content-Type", "")
                record.body = response.content
                record.save(update_fields=["status_code", "content_type", "body"])
                return response
        except _Rollback as rollback:
            return rollback.response
        except IntegrityError:
            raise
        except DatabaseError as exc:
            # The connection broke as the transaction began or ended: whether it was
            # committed, the record tells a second attempt.
            logger.warning("Idempotent request %s met a database error: %r", key, exc)
            setattr(request, FAILURE, exc)
            response = JsonResponse(
                {"detail": _("The service is briefly unavailable. Please try again.")},
                status=503,
            )
            response["Retry-After"] = "5"
            return response


def prune(*, now=None) -> int:
    """Forget the answers older than IDEMPOTENCY_KEEP."""
    before = (now or timezone.now()) - IDEMPOTENCY_KEEP
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=before).delete()
    return deleted
