"""Test harness: service markers, a live Celery worker, Playwright on Debian's Chromium.

Markers `postgres`, `redis`, `celery_worker`, `browser` and `stack` name a real service
a test needs. Without it the test skips with a reason; with REQUIRE_SERVICES=1 (as in CI)
the missing service fails the test instead.
"""

import os
import shutil
import socket
import uuid
from urllib.parse import urlparse

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from cop.celery import app

# Playwright's sync API runs an event loop in this thread; the ORM would refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hashing a password the production way takes a large fraction of a second; the
# suite creates thousands of users. Tests do not measure hashing strength.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run in-process in tests, whatever the mode, so a test never waits for a worker
# that is not there. Tests of the real worker opt in with `celery_live_worker`, which
# points the app at Redis for their duration.
from cop.celery import app as _celery_app  # noqa: E402

_celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_reachable() -> str | None:
    """None when Redis answers at REDIS_URL, else the reason it can't be used."""
    url = django_settings.REDIS_URL
    if not url:
        return "REDIS_URL is not set"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return None
    except OSError as exc:
        return f"Redis at {parsed.hostname}:{parsed.port} is unreachable ({exc})"


def _service_problem(marker: str) -> str | None:
    if marker == "postgres":
        if not django_settings.USING_POSTGRES:
            return "DATABASE_URL does not point at PostgreSQL"
        return None
    if marker in ("redis", "celery_worker"):
        return _redis_reachable()
    if marker == "stack":
        if not django_settings.USING_POSTGRES:
            return "DATABASE_URL does not point at PostgreSQL"
        missing = [name for name in ("haproxy", "redis-server") if not shutil.which(name)]
        if missing:
            return f"{' and '.join(missing)} not installed (apt-get install haproxy redis-server)"
        return None
    if marker == "browser":
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            return f"Chromium is not installed at {CHROMIUM}"
        return None
    return None


SERVICE_MARKERS = ("postgres", "redis", "celery_worker", "browser", "stack")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker) is None:
            continue
        problem = _service_problem(marker)
        if problem is None:
            continue
        message = f"needs {marker}: {problem}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """A fresh cache namespace per test, so rate limits and cached values never leak
    between tests or between parallel workers sharing one Redis."""
    caches = {alias: dict(conf) for alias, conf in settings.CACHES.items()}
    prefix = f"test-{uuid.uuid4().hex}"
    for conf in caches.values():
        conf["KEY_PREFIX"] = prefix
        if conf["BACKEND"].endswith("LocMemCache"):
            conf["LOCATION"] = prefix
    settings.CACHES = caches


# --- Celery: a live worker on Redis -----------------------------------------------------


@pytest.fixture
def celery_live_worker(settings):
    """Run the project's Celery app in a worker thread against the real Redis broker.

    Each xdist process gets its own queue so parallel workers never take each
    other's tasks. Tests using it need `django_db(transaction=True)`, so the worker
    thread sees committed rows.
    """

    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    queue = f"copse-test-{worker_id}-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf[key]
        for key in (
            "task_always_eager",
            "broker_url",
            "result_backend",
            "task_default_queue",
        )
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False,
        broker_url=django_settings.REDIS_URL,
        result_backend=django_settings.REDIS_URL,
        task_default_queue=queue,
    )
    # An eager run earlier in this process built a producer pool on memory://.
    app._pool = None
    app.amqp._producer_pool = None
    with start_worker(
        app,
        pool="threads",
        concurrency=2,
        queues=[queue],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ) as worker:
        yield worker
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


# --- Browser: Playwright on Debian's Chromium --------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright resolves `page.goto("/path")` against this."""
    return live_server.url


@pytest.fixture
def browser_page(page):
    """A Playwright page on the live server that records any JavaScript dialog."""
    page.set_default_timeout(10_000)
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs
    return page
