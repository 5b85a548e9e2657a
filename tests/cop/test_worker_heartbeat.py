"""Readiness waits for a worker: /healthz/ready asks for a recent worker heartbeat when
tasks go to workers, and does not in embedded mode."""

import time
import uuid

import pytest
import redis
import time_machine
from django.conf import settings as django_settings

from cop.ops import worker_heartbeat
from cop.ops.worker_heartbeat import check_workers, heartbeat_age, record_heartbeat


@pytest.fixture
def with_workers(settings, monkeypatch):
    """Real mode against the test Redis, under a key of this test's own (tests in
    parallel each see only their heartbeat)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    key = f"copse:test:worker-heartbeat:{uuid.uuid4().hex}"
    monkeypatch.setattr(worker_heartbeat, "WORKER_HEARTBEAT_KEY", key)
    yield key
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    client.delete(key)
    client.close()


@pytest.mark.django_db
def test_ready_in_embedded_mode_without_any_worker(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert "worker" not in response.json()["checks"]


@pytest.mark.redis
@pytest.mark.django_db
def test_ready_with_a_recent_worker_heartbeat(client, with_workers):
    record_heartbeat()
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == "ok"


@pytest.mark.redis
@pytest.mark.django_db
def test_unavailable_when_no_worker_was_ever_seen(client, with_workers):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "down: no worker heartbeat seen"
    # The proxy's readiness reports it and keeps the process in the rotation.
    lenient = client.get("/readyz")
    assert lenient.status_code == 200
    assert lenient.json()["status"] == "degraded"


@pytest.mark.redis
@pytest.mark.django_db
def test_unavailable_once_the_heartbeat_is_stale_and_ready_again_after_a_new_one(
    client, with_workers
):
    with time_machine.travel(time.time(), tick=False) as traveller:
        record_heartbeat()
        traveller.shift(59)
        assert client.get("/healthz/ready").status_code == 200
        traveller.shift(16)
        response = client.get("/healthz/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["worker"] == "down: last worker heartbeat 75 s ago"
        record_heartbeat()
        assert client.get("/healthz/ready").status_code == 200


@pytest.mark.django_db
def test_worker_check_says_unknown_while_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert check_workers().startswith("unknown: Redis ")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_writes_its_heartbeat(request, monkeypatch, settings):
    key = f"copse:test:worker-heartbeat:{uuid.uuid4().hex}"
    monkeypatch.setattr(worker_heartbeat, "WORKER_HEARTBEAT_KEY", key)
    settings.WORKER_HEARTBEAT_SECONDS = 0.2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert heartbeat_age() is None
    # Started only now that the key is this test's: its consumer beats as it starts.
    request.getfixturevalue("celery_live_worker")
    deadline = time.monotonic() + 10
    while heartbeat_age() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    first = heartbeat_age()
    assert first is not None and first < 5
    assert check_workers() == "ok"
