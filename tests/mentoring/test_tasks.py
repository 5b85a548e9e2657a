"""Mentoring's periodic tasks, eagerly and on a real worker on Redis."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import Notification
from mentoring import services, tasks
from mentoring.enums import OfferOutcome
from tests.factories import CommunityFactory, UserFactory, make_member, make_mentor


def _request_to_first_of_two_mentors():
    community = CommunityFactory(coordinator=UserFactory())
    first = make_mentor(community, display_name="First")
    second = make_mentor(community, display_name="Second")
    newcomer = make_member(community, display_name="Newt")
    request = services.request_mentor(
        community=community,
        requester=newcomer,
        goals="Learn",
        topics=[],
        cadence="weekly",
        timezone_name="Europe/Berlin",
        mentor=first,
    )
    return request, first, second, newcomer


def test_both_tasks_are_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"mentoring.hand_off_stale_requests", "mentoring.remind_due_checkins"} <= (
        tasks_scheduled
    )


@pytest.mark.django_db
def test_checkin_reminder_task_sends_once_per_due_date():
    request, first, _second, _newcomer = _request_to_first_of_two_mentors()
    mentorship = services.accept_request(request=request, mentor=first)
    due = mentorship.next_checkin_on
    with time_machine.travel(due + timedelta(hours=12), tick=False):
        assert tasks.remind_due_checkins() == 1
        assert tasks.remind_due_checkins() == 0
    assert Notification.objects.filter(kind=NotificationKind.CHECKIN_DUE).count() == 2


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_hands_an_unanswered_request_to_the_next_mentor(celery_live_worker):
    request, first, second, newcomer = _request_to_first_of_two_mentors()

    # Before the deadline nothing moves.
    assert tasks.hand_off_stale_requests.delay().get(timeout=30) == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=5)):
        assert tasks.hand_off_stale_requests.delay().get(timeout=30) == 1
        assert tasks.hand_off_stale_requests.delay().get(timeout=30) == 0

    request.refresh_from_db()
    assert request.current_mentor == second
    assert [o.outcome for o in request.offers.order_by("pk")] == [
        OfferOutcome.EXPIRED,
        OfferOutcome.PENDING,
    ]
    assert Notification.objects.filter(
        recipient=first, kind=NotificationKind.MENTOR_REQUEST, title__contains="passed on"
    ).exists()
    assert Notification.objects.filter(
        recipient=newcomer, kind=NotificationKind.MENTOR_ANSWER, title__contains="went to Second"
    ).exists()
    assert Notification.objects.filter(
        recipient=second, kind=NotificationKind.MENTOR_REQUEST
    ).exists()
