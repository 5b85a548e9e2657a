"""Prometheus metrics: what the web processes and the workers did, and the state of the
outbox, the queue and beat at the moment of the scrape.

Counted as things happen (per process; summed across processes in multiprocess mode,
when PROMETHEUS_MULTIPROC_DIR names a directory shared by a host's processes):

- copse_http_requests_total{method, view, status} and
  copse_http_request_duration_seconds{method, view}: every request, by the name of the
  view that served it ("unmatched" when none did), so the label set stays small.
- copse_celery_tasks_total{task, outcome} (success, failure, retry) and
  copse_celery_task_duration_seconds{task}: every task a worker ran.
- copse_periodic_runs_skipped_total{task}: periodic runs skipped because another run
  of the same task still held its lock (cop.ops.periodic).

Read at each scrape (`StateCollector`), so any one web process tells the truth:

- copse_email_outbox_rows{status} for queued, sending and failed rows, and
  copse_email_outbox_oldest_queued_seconds: mail waiting, stuck or given up on.
- copse_celery_queue_length{queue}: tasks waiting in Redis.
- copse_beat_heartbeat_age_seconds: how long ago the beat leader last ticked.
- copse_worker_heartbeat_age_seconds: how long ago a Celery worker last said it was
  taking tasks (cop.ops.worker_heartbeat).
"""

import logging
import os
import time

import redis
from celery import signals
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

from .worker_heartbeat import WORKER_HEARTBEAT_KEY

# No `_created` series beside every counter: they double the scrape for nothing here.
disable_created_metrics()

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "copse_http_requests_total", "HTTP requests answered.", ["method", "view", "status"]
)
HTTP_DURATION = Histogram(
    "copse_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter("copse_celery_tasks_total", "Celery tasks run.", ["task", "outcome"])
TASK_DURATION = Histogram(
    "copse_celery_task_duration_seconds",
    "Time a Celery task ran.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300),
)
PERIODIC_SKIPPED = Counter(
    "copse_periodic_runs_skipped_total",
    "Periodic task runs skipped because another run of the task held its lock.",
    ["task"],
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts and times every request by method, view name and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        HTTP_DURATION.labels(method, view).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method, view, str(response.status_code)).inc()
        return response


# --- Celery ---------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


@signals.task_prerun.connect(dispatch_uid="copse-metrics-prerun")
def _task_prerun(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect(dispatch_uid="copse-metrics-postrun")
def _task_postrun(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)
    TASKS.labels(name, (state or "unknown").lower()).inc()


@signals.worker_process_shutdown.connect(dispatch_uid="copse-metrics-child-exit")
def _worker_child_exit(pid=None, **kwargs):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())


@signals.worker_ready.connect(dispatch_uid="copse-metrics-worker-port")
def _serve_worker_metrics(**kwargs):
    """A worker on a host without a web process serves its metrics itself, on
    CELERY_METRICS_PORT (and address CELERY_METRICS_ADDR, default 127.0.0.1)."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    registry = process_registry()
    start_http_server(
        int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"), registry=registry
    )
    logger.info("Worker metrics on port %s", port)


# --- At scrape time ---------------------------------------------------------------------------

BEAT_HEARTBEAT_KEY = "copse:beat:heartbeat"
OUTBOX_STATES = ("queued", "sending", "failed")


class StateCollector:
    """Reads the outbox, the queue and beat's heartbeat when scraped. A source that is
    down is left out of the answer (and logged), never an error for the scrape."""

    def collect(self):
        yield from self._outbox()
        if settings.REDIS_URL:
            yield from self._redis()

    def _outbox(self):
        # Looked up, not imported: this module is loaded with the Celery app, before the
        # models are.
        EmailDelivery = apps.get_model("cop", "EmailDelivery")
        try:
            counts = dict(
                EmailDelivery.objects.filter(status__in=OUTBOX_STATES)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by()
            )
            oldest = EmailDelivery.objects.filter(status="queued").aggregate(
                oldest=Min("created_at")
            )["oldest"]
        except DatabaseError as exc:
            logger.warning("Metrics: outbox not read (%r)", exc)
            return
        rows = GaugeMetricFamily(
            "copse_email_outbox_rows", "Email deliveries by state.", labels=["status"]
        )
        for state in OUTBOX_STATES:
            rows.add_metric([state], counts.get(state, 0))
        yield rows
        age = (timezone.now() - oldest).total_seconds() if oldest else 0
        yield GaugeMetricFamily(
            "copse_email_outbox_oldest_queued_seconds",
            "Age of the oldest email waiting to be sent (0 when none waits).",
            value=max(age, 0),
        )

    def _redis(self):
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
            # kombu keeps a queue's messages in one list per priority step.
            keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]
            length = sum(client.llen(key) for key in keys)
            heartbeat, worker_heartbeat = client.mget(BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY)
        except (redis.RedisError, OSError) as exc:
            logger.warning("Metrics: Redis not read (%r)", exc)
            return
        finally:
            client.close()
        family = GaugeMetricFamily(
            "copse_celery_queue_length", "Tasks waiting in the broker.", labels=["queue"]
        )
        family.add_metric([queue], length)
        yield family
        if heartbeat is not None:
            yield GaugeMetricFamily(
                "copse_beat_heartbeat_age_seconds",
                "Seconds since the beat leader last ticked.",
                value=max(time.time() - float(heartbeat), 0),
            )
        if worker_heartbeat is not None:
            yield GaugeMetricFamily(
                "copse_worker_heartbeat_age_seconds",
                "Seconds since a Celery worker last wrote its heartbeat.",
                value=max(time.time() - float(worker_heartbeat), 0),
            )


STATE_REGISTRY = CollectorRegistry(auto_describe=False)
STATE_REGISTRY.register(StateCollector())


def process_registry() -> CollectorRegistry:
    """This process's metrics, or all of the host's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    return generate_latest(process_registry()) + generate_latest(STATE_REGISTRY), (
        CONTENT_TYPE_LATEST
    )
