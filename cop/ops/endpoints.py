"""Liveness, readiness and metrics, answered before anything else looks at the request.

`OpsEndpointsMiddleware` sits first in MIDDLEWARE: a probe or a scrape comes straight
to a web process over plain HTTP with whatever Host header the prober uses, so it must
answer before the HTTPS redirect and the ALLOWED_HOSTS check (and it writes no access
log line: probes every second would drown the requests).

- GET /livez: 200 while the process can answer at all. It touches nothing else, so a
  database outage never gets every web process restarted.
- GET /readyz: 200 when this process should be sent requests: the database answers
  and no migration is pending; 503 otherwise. Redis is reported but does not decide:
  without it pages still work (`cop.cache`), and taking every web process out of
  the proxy for it would turn a degraded site into none.
- GET /healthz/live and /healthz/ready: the same two for an orchestrator, the second
  strict: 503 also while Redis (when configured) is down, or no Celery worker wrote its
  heartbeat within WORKER_HEARTBEAT_MAX_AGE (`cop.ops.worker_heartbeat`; not asked in
  embedded mode, where tasks run in the request), so an operator's readiness view shows
  the outage. HAProxy checks /readyz, which reports both and keeps serving through them.
- GET /metrics: Prometheus text (`cop.ops.prometheus`), for a client that sent
  `Authorization: Bearer <METRICS_TOKEN>`, or that came straight from this machine
  (loopback, no X-Forwarded-For: not through the proxy). Anyone else gets a 404.
"""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse

from cop.views.site import _check_database, _check_redis

from .prometheus import exposition
from .worker_heartbeat import check_workers, workers_expected

logger = logging.getLogger(__name__)

_migrations_checked = False


def pending_migrations() -> int:
    """How many migrations the database lacks. Once none, not asked again by this
    process (a deploy that adds one starts new processes)."""
    global _migrations_checked
    if _migrations_checked:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_checked = pending == 0
    return pending


def readiness() -> tuple[bool, dict[str, str]]:
    checks = {"database": _check_database()}
    if checks["database"] == "ok":
        try:
            pending = pending_migrations()
        except DatabaseError as exc:
            checks["migrations"] = f"down: {exc.__class__.__name__}"
        else:
            checks["migrations"] = f"{pending} pending" if pending else "ok"
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    if workers_expected():
        checks["worker"] = check_workers()
    ready = checks["database"] == "ok" and checks.get("migrations") == "ok"
    return ready, checks


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def livez(request) -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request) -> HttpResponse:
    ready, checks = readiness()
    if ready:
        degraded = any(value != "ok" for value in checks.values())
        status = "degraded" if degraded else "ok"
    else:
        status = "unavailable"
    return _no_store(
        JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
    )


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics(request) -> HttpResponse:
    if not _may_scrape(request):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    body, content_type = exposition()
    return _no_store(HttpResponse(body, content_type=content_type))


def strict_ready(request) -> HttpResponse:
    """Ready only when every dependency answers: the database, its migrations, Redis
    (when configured) and a recent worker heartbeat (when tasks go to workers)."""
    ready, checks = readiness()
    ready = ready and all(value == "ok" for value in checks.values())
    return _no_store(
        JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )
    )


ENDPOINTS = {
    "/livez": livez,
    "/readyz": readyz,
    "/healthz/live": livez,
    "/healthz/ready": strict_ready,
    "/metrics": metrics,
}


class OpsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        return endpoint(request)
