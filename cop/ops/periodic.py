"""Periodic tasks never overlap: a run that finds another run of the same task still
holding its lock is skipped (logged and counted in copse_periodic_runs_skipped_total).

The Celery app's task class (`CopseTask`) takes the lock for every task named in
CELERY_BEAT_SCHEDULE, in the cache (Redis in real mode, so across every worker and
host). The lock expires after the task's interval or its hard time limit, whichever is
shorter, so a worker killed mid-run holds it no longer than that. Each periodic task is
also written to be safe to run twice (it claims the rows it acts on), which covers the
rare second run after a beat takeover or an expired lock; the lock spares the workers
piling up runs of a slow task. Other tasks run as usual.
"""

import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.core.cache import cache

from .prometheus import PERIODIC_SKIPPED

logger = logging.getLogger(__name__)

LOCK_PREFIX = "copse:periodic:"


def periodic_intervals() -> dict[str, float]:
    """Seconds between runs of each task in CELERY_BEAT_SCHEDULE."""
    intervals: dict[str, float] = {}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        schedule = entry["schedule"]
        if isinstance(schedule, timedelta):
            seconds = schedule.total_seconds()
        elif isinstance(schedule, int | float):
            seconds = float(schedule)
        else:  # a crontab: at most a day apart is a safe bound for the lock
            seconds = 24 * 3600.0
        intervals[entry["task"]] = min(seconds, intervals.get(entry["task"], seconds))
    return intervals


@contextmanager
def run_alone(name: str, *, seconds: float):
    """Yields True while this run holds the lock of `name` (for at most `seconds`), or
    False when another run holds it. A cache that is down lets the run go ahead."""
    key = LOCK_PREFIX + name
    token = uuid.uuid4().hex
    held = cache.add(key, token, timeout=max(int(seconds), 1))
    try:
        yield held
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)


class CopseTask(Task):
    """The project's task class: periodic tasks run alone (see the module)."""

    def __call__(self, *args, **kwargs):
        interval = periodic_intervals().get(self.name)
        if interval is None:
            return super().__call__(*args, **kwargs)
        limit = self.time_limit or self.app.conf.task_time_limit or interval
        with run_alone(self.name, seconds=min(interval, limit)) as alone:
            if not alone:
                PERIODIC_SKIPPED.labels(self.name).inc()
                logger.info("Periodic task %s skipped: another run holds its lock", self.name)
                return None
            return super().__call__(*args, **kwargs)
