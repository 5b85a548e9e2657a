"""The LOGGING setting: one line per record on standard error, as JSON (production) or
text (development), each with the request id (`cop.ops.request_id`)."""

from celery import current_task
from pythonjsonlogger.json import JsonFormatter


class CopseJsonFormatter(JsonFormatter):
    """JSON lines with `time` (ISO 8601, UTC), `level`, `logger`, `message` and
    `request_id`, plus whatever `extra=` a call passed (the access log's method, route,
    status and duration) and, inside a Celery task, `task` and `task_id`."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        try:
            task = current_task._get_current_object() if current_task else None
        except Exception:  # logging must never fail
            task = None
        if task is not None and task.request.id:
            log_record.setdefault("task", task.name)
            log_record.setdefault("task_id", task.request.id)


JSON_FORMAT = "{asctime}{levelname}{name}{message}{request_id}"
TEXT_FORMAT = "{asctime} {levelname} {name} [{request_id}] {message}"


def logging_config(*, fmt: str, level: str) -> dict:
    """`fmt` is "json" or "text"."""
    formatters = {
        "json": {
            "()": CopseJsonFormatter,
            "fmt": JSON_FORMAT,
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "text": {"format": TEXT_FORMAT, "style": "{"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "cop.ops.request_id.RequestIdFilter"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt if fmt in formatters else "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # runserver's own line per request repeats the access log's.
            "django.server": {"level": "WARNING"},
        },
    }
