"""The two ways the project enqueues a task: `enqueue_on_commit` from a service that
writes rows (the task goes to the broker only once they are committed) and `enqueue`
from a periodic task. Neither ever raises for a broker that is down: the failure is
logged and the rows stay for their sweeper (e.g. `sweep_email_outbox`), so a request
whose transaction committed is never answered with an error.

A task is named by its Celery name (`"cop.send_notification_email"`) or passed as the
task object. Services name it, so they never import the task modules that import them.
"""

import logging
import time

import kombu.exceptions
import redis.exceptions
from django.db import DatabaseError, transaction

from cop.celery import app

logger = logging.getLogger(__name__)

# What a publish raises when the broker (Redis) is down or unreachable.
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
# After a failed publish, later ones are skipped for this long (no request waits on a
# broker known to be down); the sweeper enqueues what was skipped.
BROKER_PAUSE_SECONDS = 5.0
_broker_down_until = 0.0


def _task(task):
    """The task object for a task or its name. Task modules are discovered lazily: the
    first lookup of a name not yet registered imports them (Celery's autodiscovery)."""
    if not isinstance(task, str):
        return task
    if task not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task]


def enqueue(task, **kwargs) -> bool:
    """Send `task` to the broker now. Returns False, having logged why, when the broker
    is down; never raises for it. (With eager tasks, the task's own email or database
    error is logged instead of raised.)"""
    global _broker_down_until
    task = _task(task)
    if task.app.conf.task_always_eager:
        try:
            task.delay(**kwargs)
        except (OSError, DatabaseError) as exc:
            logger.warning("Task %s(%s) failed: %r", task.name, kwargs, exc)
        return True
    if time.monotonic() < _broker_down_until:
        logger.warning("Broker down: %s(%s) left for the sweeper", task.name, kwargs)
        return False
    try:
        task.delay(**kwargs)
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.error("Could not enqueue %s(%s), left for the sweeper: %r", task.name, kwargs, exc)
        return False
    return True


def enqueue_on_commit(task, **kwargs) -> None:
    """Enqueue `task` once the current transaction commits (at once outside one). A
    broker error then is logged, never raised: the request that committed succeeds."""
    task = _task(task)
    # robust: whatever else goes wrong, the committed request is not turned into an error
    # (eager tasks, as in tests and on embedded defaults, still raise their own bugs).
    transaction.on_commit(
        lambda: enqueue(task, **kwargs), robust=not task.app.conf.task_always_eager
    )
