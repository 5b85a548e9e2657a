"""The Celery app. Configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")

# Periodic tasks never overlap (cop.ops.periodic).
app = Celery("cop", task_cls="cop.ops.periodic:CopseTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids in task headers and log lines, task metrics (connected on import).
from cop.ops import prometheus as _prometheus  # noqa: E402, F401
from cop.ops import request_id as _request_id  # noqa: E402, F401
from cop.ops.worker_heartbeat import WorkerHeartbeat  # noqa: E402

# Each worker's heartbeat, which /healthz/ready asks for.
app.steps["consumer"].add(WorkerHeartbeat)


@app.task(name="cop.ping")
def ping() -> str:
    """Round-trip check used by /healthz tooling and the worker test."""
    return "pong"
