"""One id per request, in every log line it causes, in the response and in its tasks.

The proxy in front sends `X-Request-ID` (HAProxy's unique-id, nginx's $request_id);
without one, or with one that is not a plain token, Copse makes its own. The id is kept
in a context variable for the request's duration, added to every log record by
`RequestIdFilter`, answered in the `X-Request-ID` response header, and carried in the
headers of every Celery task enqueued meanwhile, so a worker's log lines about an email
name the request that asked for it.
"""

import contextvars
import logging
import re
import time
import uuid

from celery import signals

REQUEST_ID_HEADER = "X-Request-ID"
# A task header, read back by the worker (see `_task_started`).
TASK_HEADER = "copse_request_id"
# What a proxy may send: letters, digits and a few separators, at most 128 of them.
_VALID = re.compile(r"^[A-Za-z0-9._:+/=@-]{1,128}$")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "copse_request_id", default=None
)
access_logger = logging.getLogger("copse.request")


def current_request_id() -> str | None:
    """The id of the request (or task) being handled in this context, if any."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """`value` when it is a plain token a proxy would send, else a fresh id."""
    if value and _VALID.match(value):
        return value
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-") to every record, and the task's name and id inside a
    Celery task, so a formatter can always name them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or "-"
        return True


class RequestIdMiddleware:
    """Sets the request id, answers it in `X-Request-ID` and writes one access log line per
    request (method, route, status, duration; never the query string, and the route's
    pattern rather than the path where there is one, so secret links stay out of logs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = _current.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            _log_access(request, response.status_code, time.perf_counter() - started)
            return response
        finally:
            _current.reset(token)


def route_of(request) -> str:
    """The URL pattern that served `request` ("c/<slug:slug>/"), or its path when none did."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^")
    return request.path[:200]


def _log_access(request, status: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    access_logger.info(
        "%s %s %s %.0fms",
        request.method,
        route_of(request),
        status,
        seconds * 1000,
        extra={
            "method": request.method,
            "route": route_of(request),
            "view": match.view_name if match is not None else None,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        },
    )


# --- Celery: the id travels with the task ---------------------------------------------------


@signals.before_task_publish.connect(dispatch_uid="copse-request-id-publish")
def _task_published(headers=None, **kwargs):
    request_id = _current.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect(dispatch_uid="copse-request-id-prerun")
def _task_started(task_id=None, task=None, **kwargs):
    """In the worker: the enqueuing request's id, or `task-<task id>` for a task nobody's
    request caused (beat's periodic ones)."""
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if not request_id and task is not None and task.request.headers:
        request_id = task.request.headers.get(TASK_HEADER)
    if task is not None and task.request.is_eager and _current.get():
        return  # eager: already inside the request's context
    _task_tokens[task_id] = _current.set(accepted_request_id(request_id or f"task-{task_id}"))


@signals.task_postrun.connect(dispatch_uid="copse-request-id-postrun")
def _task_finished(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)
