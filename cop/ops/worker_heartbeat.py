"""Workers say they are alive: the readiness check's "worker heartbeat seen recently".

Each Celery worker runs `WorkerHeartbeat`, a bootstep of its consumer (the part that
takes tasks from the broker): while it consumes, every WORKER_HEARTBEAT_SECONDS it
writes the time to the Redis key `copse:worker:heartbeat` (the latest of all workers).
It runs in the consumer's own event loop, so a worker that lost the broker (its consumer
restarts), is stuck or was killed stops writing; nothing else writes the key.
`/healthz/ready` answers 503 with the reason when the latest heartbeat is older than
WORKER_HEARTBEAT_MAX_AGE (or none was ever seen), and /metrics reports its age.

Without workers (embedded defaults: tasks run in the request, CELERY_TASK_ALWAYS_EAGER)
there is nothing to wait for and the check is left out.
"""

import logging
import time

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT_KEY = "copse:worker:heartbeat"
REDIS_ERRORS = (redis.RedisError, OSError)


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def record_heartbeat(*, now: float | None = None) -> None:
    """Write this worker's heartbeat (kept a day, so an old one reads as stale, not none)."""
    client = _client()
    try:
        client.set(WORKER_HEARTBEAT_KEY, f"{now or time.time():.3f}", ex=86400)
    finally:
        client.close()


def heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat; None when none ever did. Raises
    a Redis error when Redis does not answer."""
    client = _client()
    try:
        value = client.get(WORKER_HEARTBEAT_KEY)
    finally:
        client.close()
    if value is None:
        return None
    return max(time.time() - float(value), 0.0)


def workers_expected() -> bool:
    """Tasks go to workers through Redis (not run in the request)."""
    return bool(settings.REDIS_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def check_workers() -> str:
    """ "ok", or why no worker counts as alive, for the readiness checks."""
    try:
        age = heartbeat_age()
    except REDIS_ERRORS as exc:
        return f"unknown: Redis {exc.__class__.__name__}"
    if age is None:
        return "down: no worker heartbeat seen"
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return f"down: last worker heartbeat {age:.0f} s ago"
    return "ok"


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: the heartbeat while the worker takes tasks."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs):
        self.timer_entry = None
        super().__init__(parent, **kwargs)

    def start(self, parent):
        self._beat()
        self.timer_entry = parent.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, self._beat
        )

    def stop(self, parent):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop

    def _beat(self):
        try:
            record_heartbeat()
        except REDIS_ERRORS as exc:
            logger.warning("Worker heartbeat not written (%r)", exc)
