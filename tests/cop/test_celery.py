from datetime import timedelta

import pytest

from cop.celery import app, ping
from cop.services.notifications import EMAIL_LEASE
from cop.tasks import MAX_RETRY_COUNTDOWN, send_notification_email
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


def test_a_task_lost_with_its_worker_runs_again_within_a_few_minutes():

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    options = conf.broker_transport_options
    visibility = options["visibility_timeout"]
    # Redeliveries come back within five minutes, and kombu looks for them every 10 s.
    assert visibility <= 300
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10
    # No task still running is handed to a second worker: every one ends before that.
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility
    assert visibility > MAX_RETRY_COUNTDOWN
    # The email task ends inside its lease, so a lease that ran out means a lost task.
    assert send_notification_email.time_limit < EMAIL_LEASE.total_seconds()
    assert EMAIL_LEASE + timedelta(minutes=1) <= timedelta(minutes=5)
