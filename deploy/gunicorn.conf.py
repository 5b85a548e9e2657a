"""Gunicorn settings for a Copse web process (`gunicorn cop.wsgi -c deploy/gunicorn.conf.py`).

Every value can be overridden on the command line or through GUNICORN_CMD_ARGS.
"""

import os

from django.template.loader import get_template
from django.urls import get_resolver
from prometheus_client import multiprocess

bind = os.environ.get("WEB_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, so a probe from the proxy is not queued behind a slow page.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker that answers nothing for this long is killed and replaced.
timeout = 30
# On SIGTERM (a deploy, a scale-down) requests in flight get this long to finish.
graceful_timeout = 20
keepalive = 5
# The application is loaded (and warmed, see when_ready) once in the master, before the
# workers are forked: they start fast and answer their first request at full speed.
preload_app = True
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django writes one JSON access line per request (cop.ops.request_id); gunicorn's own
# would repeat it without the request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "cop.ops.logs.CopseJsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def when_ready(server):
    """Warm what every request needs, in the master, so that forked workers share it:
    the URL patterns and the site's base templates (cached by the template loader)."""
    get_resolver().url_patterns  # noqa: B018 (imports every app's urls and views)
    for name in ("base.html", "cop/home.html", "503.html"):
        get_template(name)


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
