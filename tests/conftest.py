"""Test harness: service markers, a live Celery worker, Playwright on Debian's Chromium,
the SQLite test database from a migrated template, and fixtures shared by every folder.

Markers `postgres`, `redis`, `celery_worker`, `browser` and `stack` name a real service
a test needs. Without it the test skips with a reason; with REQUIRE_SERVICES=1 (as in CI)
the missing service fails the test instead. Browser journeys run once per CI, in the
PostgreSQL run: on embedded defaults they skip unless BROWSER_TESTS=1.
"""

import fcntl
import hashlib
import importlib.util
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import django
import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.cache import caches as django_caches
from django.db import connection
from drf_spectacular.generators import SchemaGenerator

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
# CI runs `make test` twice; a browser journey drives the same pages on either database,
# so it runs in the PostgreSQL run only (where it is required) and once per CI.
BROWSER_TESTS = os.environ.get("BROWSER_TESTS") == "1" or django_settings.USING_POSTGRES


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
        if not BROWSER_TESTS:
            return "browser journeys run in the PostgreSQL run (BROWSER_TESTS=1 runs them here)"
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            return f"Chromium is not installed at {CHROMIUM}"
        return None
    return None


SERVICE_MARKERS = ("postgres", "redis", "celery_worker", "browser", "stack")


# The longest tests start first: run last, one of them keeps a worker busy for minutes
# while the other has nothing left to do. (`--dist worksteal` then shares out the rest.)
RUN_FIRST = (
    "test_chaos.py",
    "test_api_schemathesis.py",
    "test_form_fuzz.py",
    "test_announcements_live.py",
    "test_backup.py",
    "test_api_json_bodies.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return RUN_FIRST.index(name) if name in RUN_FIRST else len(RUN_FIRST)

    items.sort(key=rank)


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


@pytest.fixture
def failing_cache(monkeypatch):
    """Every read and write of the cache raises, as a backend that is down would (local
    memory, or Redis when REDIS_URL is set): pages must still render, afresh."""

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    backend = type(django_caches["default"])
    for method in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(backend, method, broken)


# --- The SQLite test database: migrated once, copied into each worker ----------------------


def _in_memory_sqlite() -> bool:
    db = django_settings.DATABASES["default"]
    return db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME")


def _migrations_digest() -> str:
    """What the migrated schema depends on: every installed app's migration files, and
    the versions of Django and SQLite."""
    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for config in django_apps.get_app_configs():
        spec = importlib.util.find_spec(f"{config.name}.migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _sqlite_template(cache_dir: Path) -> Path:
    """A SQLite file with every migration applied, built once (one xdist worker builds it,
    the other waits) and kept until a migration changes."""
    template = cache_dir / f"{_migrations_digest()}.sqlite3"
    with open(cache_dir / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            for stale in cache_dir.glob("*.sqlite3*"):
                stale.unlink()
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{building}"}
            env.pop("REDIS_URL", None)
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
                cwd=django_settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            if migrated.returncode != 0:
                pytest.fail(f"migrating the SQLite template failed:\n{migrated.stderr}")
            building.rename(template)
    return template


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, django_db_use_migrations):
    """On in-memory SQLite, the test database is created from the models (no migrations
    run) and then replaced by the migrated template (`django_db_setup` below)."""
    if _in_memory_sqlite() and django_db_use_migrations:
        django_settings.DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup, django_db_blocker, django_db_use_migrations, request, tmp_path_factory
):
    """Applying the migrations costs each worker about 20 seconds; copying the migrated
    template into its in-memory database costs milliseconds."""
    if _in_memory_sqlite() and django_db_use_migrations:
        if hasattr(request.config, "cache"):
            cache_dir = Path(request.config.cache.mkdir("sqlite-template"))
        else:  # -p no:cacheprovider: a folder the xdist workers of this run share
            cache_dir = tmp_path_factory.getbasetemp().parent / "sqlite-template"
            cache_dir.mkdir(exist_ok=True)
        template = _sqlite_template(cache_dir)
        with django_db_blocker.unblock():
            connection.ensure_connection()
            source = sqlite3.connect(template)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            # The content types the model-built database had are gone with it.
            django_apps.get_model("contenttypes", "ContentType").objects.clear_cache()
    yield


# --- Shared fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def api_schema() -> dict:
    """The OpenAPI schema as drf-spectacular generates it (seconds each time): once per
    worker. Read it, never change it."""
    return SchemaGenerator().get_schema(request=None, public=True)


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
