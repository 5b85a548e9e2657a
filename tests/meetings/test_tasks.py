"""The periodic tasks, eagerly and with a real worker on Redis."""

import threading
from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import Notification
from meetings import services, tasks
from meetings.models import ReminderDelivery
from tests.factories import MeetingFactory, make_member


def test_beat_schedules_both_scans():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"meetings.send_due_reminders", "meetings.extend_series"} <= scheduled


@pytest.mark.django_db
def test_extend_series_task_tends_every_running_series(community, host):

    series = services.create_series(
        community=community,
        by=host,
        title="Weekly",
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
        starts_on=timezone.localdate(),
        start_time=time(12, 0),
        duration_minutes=60,
        timezone_name="America/New_York",
        location="Lab",
    )
    before = series.meetings.count()
    with time_machine.travel(timezone.now() + timedelta(days=21)):
        outcome = tasks.extend_series.apply().get()
    assert outcome == {"extended": 1}
    assert series.meetings.count() == before + 3


@pytest.mark.django_db
def test_send_due_reminders_task_eagerly(community, meeting):
    person = make_member(community)
    services.rsvp(meeting=meeting, user=person, answer="going")
    with time_machine.travel(meeting.starts_at - timedelta(minutes=30)):
        assert tasks.send_due_reminders.apply().get() == 1
        assert tasks.send_due_reminders.apply().get() == 0
    assert Notification.objects.get(recipient=person).kind == NotificationKind.MEETING_REMINDER


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_reminder_scan_twice_at_once_on_real_worker_sends_each_once(
    celery_live_worker, community, host, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    start = timezone.now() + timedelta(hours=20)  # inside the 24 h reminder
    meeting = MeetingFactory(
        community=community, hosts=[host], starts_at=start, ends_at=start + timedelta(hours=1)
    )
    people = [make_member(community) for _ in range(6)]
    for person in people:
        services.rsvp(meeting=meeting, user=person, answer="going")
    mail.outbox.clear()

    first, second = tasks.send_due_reminders.delay(), tasks.send_due_reminders.delay()
    results = [first.get(timeout=30), second.get(timeout=30)]

    # A scan that found the other still going is skipped (None: cop.ops.periodic); one
    # that starts after it finds every reminder claimed. Either way: one each.
    assert sum(n or 0 for n in results) == 6
    assert ReminderDelivery.objects.filter(meeting=meeting).count() == 6
    reminders = Notification.objects.filter(kind=NotificationKind.MEETING_REMINDER)
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)
    # The emails go out through the same worker; wait for them, then count.
    deadline = timezone.now() + timedelta(seconds=30)
    pause = threading.Event()
    while len(mail.outbox) < 6 and timezone.now() < deadline:
        pause.wait(0.1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert tasks.send_due_reminders.delay().get(timeout=30) == 0
