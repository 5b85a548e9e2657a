"""The Celery app. Configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")

app = Celery("cop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="cop.ping")
def ping() -> str:
    """Round-trip check used by /healthz tooling and the worker test."""
    return "pong"
