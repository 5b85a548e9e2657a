"""The site keeps working while Redis is down.

The test starts its own redis-server on a free port (never the shared one), points the
cache and the Celery broker at it, kills it, and then drives signed-in pages, form
posts and API calls through Django's test client: no response is a 500, every write
is saved once, and the emails wait in the outbox for the sweeper.
"""

import shutil
import signal
import subprocess
import time

import pytest
import redis
from django.test import Client
from django.urls import reverse

from cop import cache as resilient_cache
from cop import queue
from cop.celery import app
from cop.models import EmailDelivery, EmailStatus
from deploy.stack import free_port
from knowledge.models import Reply
from knowledge.services import problems
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    """Any free port, or one of STACK_PORTS on a machine where only a range is ours."""
    return free_port()


@pytest.fixture
def own_redis(settings, tmp_path):
    """A redis-server of this test's own, used for the cache and the broker."""
    binary = shutil.which("redis-server")
    # Every machine that runs Copse's tests has Redis installed (CI starts it); a missing
    # binary is a broken machine, said as a failure rather than hidden as a skip.
    assert binary is not None, "needs redis-server on the PATH"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()

    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "cop.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "down-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "5/m/ip,10/5m/key"}
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    app._pool = None
    app.amqp._producer_pool = None
    queue._broker_down_until = 0.0
    resilient_cache.ResilientRedisCacheClient._down_until = 0.0
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    queue._broker_down_until = 0.0
    resilient_cache.ResilientRedisCacheClient._down_until = 0.0


def test_pages_forms_and_api_work_while_redis_is_down(own_redis, caplog):
    community = CommunityFactory()
    asker = make_member(community)
    helper = make_member(community, password="correct horse battery")
    problem = problems.ask_problem(community=community, author=asker, title="Pager", context="C")
    browser = Client(raise_request_exception=False)
    browser.force_login(helper)
    problem_url = problem.get_absolute_url()
    assert browser.get(problem_url).status_code == 200  # Redis up: the cache is in use

    own_redis.send_signal(signal.SIGKILL)
    own_redis.wait(timeout=10)

    responses = []

    def record(response):
        responses.append((response.request["REQUEST_METHOD"], response.request["PATH_INFO"]))
        responses[-1] += (response.status_code,)
        return response

    pages = [
        reverse("home"),
        reverse("community_home", kwargs={"slug": community.slug}),
        problem_url,
        reverse("notification_list"),
    ]
    for _ in range(3):
        for page in pages:
            assert record(browser.get(page)).status_code == 200, page

    # A form post: the reply is saved once, its email waits in the outbox.
    posted = record(
        browser.post(
            reverse("knowledge:problem_reply", kwargs={"slug": community.slug, "pk": problem.pk}),
            {"body": "Route it to the owning team"},
        )
    )
    assert posted.status_code == 302
    # The API: a list read (throttled by the cache) and a write.
    assert record(browser.get("/api/v1/communities/")).status_code == 200
    created = record(
        browser.post(
            f"/api/v1/problems/{problem.pk}/replies/",
            {"body": "And write a runbook"},
            content_type="application/json",
        )
    )
    assert created.status_code == 201, created.content
    # Signing in (allauth's rate limits read the cache).
    anonymous = Client(raise_request_exception=False)
    login = record(
        anonymous.post(
            reverse("account_login"),
            {"login": helper.email, "password": "correct horse battery"},
        )
    )
    assert login.status_code == 302
    assert record(anonymous.get(reverse("home"))).status_code == 200

    assert [r for r in responses if r[2] >= 500] == []
    assert sorted(Reply.objects.filter(problem=problem).values_list("body", flat=True)) == [
        "And write a runbook",
        "Route it to the owning team",
    ]
    deliveries = EmailDelivery.objects.filter(notification__recipient=asker)
    assert deliveries.count() == 2
    assert set(deliveries.values_list("status", flat=True)) == {EmailStatus.QUEUED}
    assert "Cache unavailable" in caplog.text
    assert "left for the sweeper" in caplog.text

    health = record(Client(raise_request_exception=False).get(reverse("healthz")))
    assert health.status_code == 503
    assert health.json()["checks"]["redis"].startswith("down")
    assert health.json()["checks"]["database"] == "ok"


def test_sessions_do_not_live_only_in_redis(settings):
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    )
