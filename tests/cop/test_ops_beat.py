"""One scheduler at a time, and periodic tasks that never overlap."""

import time
import uuid

import pytest
import redis
from celery import Celery
from django.conf import settings as django_settings

from cop.celery import app as copse_app
from cop.ops.beat import LeaderLock, LeaderScheduler
from cop.ops.periodic import periodic_intervals, run_alone
from cop.ops.prometheus import PERIODIC_SKIPPED
from cop.tasks import sweep_email_outbox_task


def _skipped(name: str) -> float:
    return PERIODIC_SKIPPED.labels(name)._value.get()


@pytest.mark.django_db
def test_a_periodic_task_is_skipped_while_another_run_holds_its_lock():
    name = "cop.sweep_email_outbox"
    before = _skipped(name)
    with run_alone(name, seconds=30) as alone:
        assert alone
        assert sweep_email_outbox_task() is None  # skipped: nothing swept, nothing raised
    assert _skipped(name) == before + 1
    assert sweep_email_outbox_task() == 0  # lock released: it runs
    assert _skipped(name) == before + 1


def test_every_scheduled_task_is_guarded_and_no_other():
    app = copse_app
    intervals = periodic_intervals()
    assert set(intervals) == {
        entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert intervals["cop.sweep_email_outbox"] == float(django_settings.EMAIL_SWEEP_SECONDS)
    app.loader.import_default_modules()
    for name in intervals:
        assert name in app.tasks, name
    assert "cop.send_notification_email" not in intervals


# --- The beat leader lock, on the real Redis -------------------------------------------------


def _redis():
    return redis.Redis.from_url(django_settings.REDIS_URL)


@pytest.mark.redis
def test_the_lock_is_held_by_one_renewed_by_its_holder_and_expires_without_it():
    key = f"copse:test:beat:{uuid.uuid4().hex}"
    first = LeaderLock(url=django_settings.REDIS_URL, key=key, seconds=1)
    second = LeaderLock(url=django_settings.REDIS_URL, key=key, seconds=1)
    try:
        assert first.hold()
        assert not second.hold()
        time.sleep(0.6)
        assert first.hold()  # renewed
        time.sleep(0.6)
        assert not second.hold()  # still the first's, thanks to the renewal
        time.sleep(1.2)  # the first stops renewing (it died)
        assert second.hold()
        assert not first.hold()
        second.release()
        assert first.hold()
    finally:
        _redis().delete(key)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_beats_send_each_periodic_run_once_and_a_standby_takes_over(settings):
    """Two schedulers on one database and one Redis tick side by side: only the leader
    sends. When the leader stops ticking (killed), the standby sends from then on."""
    settings.BEAT_LOCK_SECONDS = 2
    queue = f"copse-test-beat-{uuid.uuid4().hex[:8]}"
    key = f"copse:test:beat:{uuid.uuid4().hex}"
    app = Celery("beat-test", set_as_current=False)
    app.conf.update(
        broker_url=django_settings.REDIS_URL,
        timezone="UTC",
        beat_schedule={
            "test-ping": {"task": "cop.ping", "schedule": 1.0, "options": {"queue": queue}}
        },
    )

    class Scheduler(LeaderScheduler):
        lock_key = key

    beats = [Scheduler(app=app, lazy=False), Scheduler(app=app, lazy=False)]
    client = _redis()

    def run(schedulers, seconds):
        due = [0.0] * len(schedulers)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for i, scheduler in enumerate(schedulers):
                if time.monotonic() >= due[i]:
                    due[i] = time.monotonic() + min(scheduler.tick(), 0.2)
            time.sleep(0.05)

    try:
        run(beats, 4.5)
        leaders = [beat for beat in beats if beat.leading]
        assert len(leaders) == 1
        sent_together = client.llen(queue)
        # One run a second for 4.5 s (the first comes a second after start): 3 to 5 runs,
        # never the 6 to 10 of two schedulers sending.
        assert 3 <= sent_together <= 5, sent_together
        (standby,) = [beat for beat in beats if not beat.leading]
        run([standby], 5.0)  # the leader is gone: its lock lapses within 2 s
        assert standby.leading
        taken_over = client.llen(queue) - sent_together
        assert 2 <= taken_over <= 5, taken_over
    finally:
        client.delete(queue, key)
        for beat in beats:
            beat.lock.client.close()
