"""Request ids and JSON logs: one id per request, in its response, its log lines and
the tasks it enqueued."""

import io
import json
import logging
import re

import pytest
from celery import signals

from cop.celery import app as copse_app
from cop.celery import ping
from cop.ops import request_id as request_id_module
from cop.ops.logs import logging_config
from cop.ops.request_id import RequestIdFilter, current_request_id


@pytest.fixture
def json_lines():
    """The access log as the production handler writes it: JSON, with the request id."""
    config = logging_config(fmt="json", level="INFO")
    formatter_conf = dict(config["formatters"]["json"])
    formatter = formatter_conf.pop("()")(**formatter_conf)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("copse.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.mark.django_db
def test_a_request_gets_an_id_in_its_response_and_its_json_log_line(client, json_lines):
    response = client.get("/healthz")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    (line,) = json_lines()
    assert line["request_id"] == request_id
    assert line["level"] == "INFO"
    assert line["logger"] == "copse.request"
    assert line["method"] == "GET"
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert line["view"] == "healthz"
    assert line["duration_ms"] >= 0
    assert "time" in line


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_and_a_hostile_one_replaced(client, json_lines):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="haproxy-7f3a.9")
    assert kept["X-Request-ID"] == "haproxy-7f3a.9"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x" onload=1 \n forged')
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])
    assert [line["request_id"] for line in json_lines()] == [
        "haproxy-7f3a.9",
        replaced["X-Request-ID"],
    ]


@pytest.mark.django_db
def test_the_access_log_names_the_route_never_a_secret_path(client, json_lines):
    client.get("/meetings/feed/secret-token-abc.ics?x=1")
    (line,) = json_lines()
    assert "secret-token-abc" not in json.dumps(line)
    assert line["route"] == "/meetings/feed/<str:token>.ics"


def test_the_text_format_carries_the_request_id_too():
    config = logging_config(fmt="text", level="INFO")
    assert "{request_id}" in config["formatters"]["text"]["format"]
    assert config["handlers"]["console"]["filters"] == ["request_id"]


def test_a_json_line_inside_a_task_names_the_task():
    config = logging_config(fmt="json", level="INFO")
    formatter_conf = dict(config["formatters"]["json"])
    formatter = formatter_conf.pop("()")(**formatter_conf)
    seen = {}

    @copse_app.task(name="tests.log_something")
    def log_something():
        record = logging.LogRecord("cop.tasks", logging.INFO, __file__, 1, "hello", (), None)
        RequestIdFilter().filter(record)
        seen["line"] = json.loads(formatter.format(record))

    log_something.apply(task_id="task-id-1")
    assert seen["line"]["task"] == "tests.log_something"
    assert seen["line"]["task_id"] == "task-id-1"
    assert seen["line"]["request_id"] == "task-task-id-1"


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_runs_under_its_request_id(celery_live_worker):
    seen = []

    def note(task=None, **kwargs):
        if task is not None and task.name == "cop.ping":
            seen.append(current_request_id())

    signals.task_prerun.connect(note, weak=False)
    token = request_id_module._current.set("req-4711")
    try:
        assert ping.delay().get(timeout=20) == "pong"
    finally:
        request_id_module._current.reset(token)
        signals.task_prerun.disconnect(note)
    assert seen == ["req-4711"]
