import pytest

from cop.celery import ping
from tests.cop.test_settings import _manage


def test_embedded_defaults_run_tasks_eagerly_in_process():
    result = _manage(
        "shell",
        "-c",
        "from cop.celery import app, ping; "
        "print(app.conf.task_always_eager, app.conf.broker_url, ping.delay().get(timeout=1))",
        REDIS_URL="",
        DATABASE_URL="",
    )
    assert result.stdout.strip().splitlines()[-1] == "True memory:// pong", result.stderr


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_round_trip_through_real_worker_on_redis(celery_live_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"
