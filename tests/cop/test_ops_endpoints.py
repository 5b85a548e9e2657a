"""Liveness, readiness and metrics: what a proxy, an orchestrator and Prometheus ask."""

import json

import pytest

from cop.enums import NotificationKind
from cop.models import EmailDelivery, EmailStatus
from cop.services.notifications import notify
from tests.cop.test_settings import _manage
from tests.factories import CommunityFactory, make_member


def test_livez_answers_without_the_database_the_host_check_or_https(client, settings):
    # No django_db mark: a query would raise.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["copse.example.org"]
    response = client.get("/livez", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_is_ready_with_the_database_up_and_migrated(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["status"] in ("ok", "degraded")


def test_readyz_refuses_writes(client):
    assert client.post("/readyz").status_code == 405


def _get_in_a_fresh_process(path: str, **env: str) -> dict:
    result = _manage(
        "shell",
        "-c",
        "import json; from django.test import Client; "
        f"r = Client().get({path!r}); "
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_readyz_is_unavailable_while_the_database_is_down():
    answer = _get_in_a_fresh_process(
        "/readyz", DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", REDIS_URL=""
    )
    assert answer["status"] == 503
    assert answer["body"]["status"] == "unavailable"
    assert answer["body"]["checks"]["database"].startswith("down: ")
    live = _get_in_a_fresh_process(
        "/livez", DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", REDIS_URL=""
    )
    assert live == {"status": 200, "body": {"status": "ok"}}


def test_readyz_is_unavailable_until_migrations_are_applied(tmp_path):
    answer = _get_in_a_fresh_process(
        "/readyz", DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}", REDIS_URL=""
    )
    assert answer["status"] == 503
    assert answer["body"]["checks"]["database"] == "ok"
    assert answer["body"]["checks"]["migrations"].endswith(" pending")


@pytest.mark.django_db
def test_readyz_stays_ready_while_redis_is_down_and_says_so(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("down: ")
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_healthz_ready_goes_503_while_redis_is_down_and_back_to_200_after(client, settings):
    assert client.get("/healthz/live").status_code == 200
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("down: ")
    settings.REDIS_URL = ""  # embedded defaults: no Redis to wait for
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok"}


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_ready_with_the_real_redis_up(client, settings):
    # No worker to wait for (tests/cop/test_worker_heartbeat.py covers that check).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_healthz_still_answers_publicly(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


# --- Metrics --------------------------------------------------------------------------------


def _metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        if metric != name:
            continue
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if found == wanted:
            return float(value)
    return None


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_status(client):
    before = _metric(
        client.get("/metrics").content.decode(),
        "copse_http_requests_total",
        method="GET",
        view="healthz",
        status="200",
    )
    client.get("/healthz")
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    after = _metric(
        response.content.decode(),
        "copse_http_requests_total",
        method="GET",
        view="healthz",
        status="200",
    )
    assert after == (before or 0) + 2
    client.get("/no/such/page/")
    text = client.get("/metrics").content.decode()
    assert _metric(text, "copse_http_requests_total", method="GET", view="unmatched", status="404")


@pytest.mark.django_db
def test_metrics_show_the_email_outbox(client):
    member = make_member(CommunityFactory())
    notify(
        recipient=member,
        kind=NotificationKind.REPLY,
        title="A reply",
        url="/",
        community=member.memberships.get().community,
    )
    EmailDelivery.objects.update(status=EmailStatus.QUEUED)
    text = client.get("/metrics").content.decode()
    assert _metric(text, "copse_email_outbox_rows", status="queued") == 1
    assert _metric(text, "copse_email_outbox_rows", status="failed") == 0
    assert _metric(text, "copse_email_outbox_oldest_queued_seconds") >= 0


@pytest.mark.django_db
def test_metrics_are_refused_through_the_proxy_and_from_elsewhere(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/metrics").status_code == 200  # loopback, not through the proxy


@pytest.mark.django_db
def test_metrics_answer_the_bearer_of_the_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    remote = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote).status_code == 404
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret", **remote)
    assert ok.status_code == 200
    assert b"copse_http_requests_total" in ok.content
