"""The meetings services that lock rows, called as a view or task calls them: in
autocommit on PostgreSQL, where `select_for_update` outside `transaction.atomic` raises.
Editing "this and the following" meetings is in test_following_postgres.py."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import Notification
from meetings import services
from meetings.enums import AgendaItemStatus, MeetingStatus, SeriesStatus
from meetings.models import RSVP, AgendaItem, Attendance, CalendarFeedToken, Meeting, Series
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def series(community, host, now):
    """A weekly series, its occurrences made by `create_series` through `expand_series`."""
    return services.create_series(
        community=community,
        by=host,
        title="Weekly sync",
        rrule="FREQ=WEEKLY;BYDAY=MO",
        starts_on=now.date(),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        now=now,
    )


def _row(meeting):
    return Meeting.objects.get(pk=meeting.pk)


@pytest.mark.parametrize(
    ("act", "field", "value"),
    [
        (
            lambda m, by: services.update_meeting(meeting=m, by=by, location="Room 9"),
            "location",
            "Room 9",
        ),
        (lambda m, by: services.write_notes(meeting=m, by=by, notes="Done."), "notes", "Done."),
        (
            lambda m, by: services.cancel_meeting(meeting=m, by=by, reason="Ill"),
            "status",
            MeetingStatus.CANCELLED,
        ),
    ],
    ids=["update_meeting", "write_notes", "cancel_meeting"],
)
def test_changing_a_meeting_locks_it(meeting, host, act, field, value):
    act(meeting, host)
    assert getattr(_row(meeting), field) == value


def test_rsvp_saves_the_answer(meeting, member):
    services.rsvp(meeting=meeting, user=member, answer="going")
    assert RSVP.objects.get(meeting=meeting, user=member).is_going


def test_mark_attendance_marks_the_meeting_held(community, host, member):
    started = MeetingFactory(
        community=community, hosts=[host], starts_at=timezone.now() - timedelta(hours=2)
    )
    services.mark_attendance(meeting=started, by=host, attendees=[member])
    assert list(Attendance.objects.filter(meeting=started).values_list("user", flat=True)) == [
        member.pk
    ]
    assert _row(started).status == MeetingStatus.HELD


def test_move_agenda_item_reorders_the_agenda(meeting, host, member):
    first, second = (
        services.propose_agenda_item(meeting=meeting, by=member, title=title) for title in "AB"
    )
    for item in (first, second):
        services.set_agenda_item_status(item=item, by=host, status=AgendaItemStatus.ACCEPTED)
    services.move_agenda_item(item=second, by=host, up=True)
    accepted = AgendaItem.objects.filter(meeting=meeting, status=AgendaItemStatus.ACCEPTED)
    assert list(accepted.order_by("position").values_list("title", flat=True)) == ["B", "A"]


def test_revoke_feed_token_gives_a_new_token(member):
    old = services.revoke_feed_token(user=member).token  # the first call makes one
    services.revoke_feed_token(user=member)
    assert CalendarFeedToken.objects.get(user=member).token != old


def test_create_and_expand_series_make_the_occurrences(series, now):
    assert series.meetings.count() > 1
    last = series.meetings.order_by("starts_at").last()
    last.delete()
    assert services.expand_series(series=series, now=now) == 1
    assert series.meetings.filter(starts_at=last.starts_at).exists()


def test_tend_series_asks_the_hosts_and_confirm_series_answers(series, host, now):
    asked_at = now + timedelta(days=170)
    assert services.tend_series(series=series, now=asked_at) == "asked"
    asked = Notification.objects.filter(recipient=host, kind=NotificationKind.SERIES_CONFIRM)
    assert asked.exists()
    services.confirm_series(series=series, by=host, now=asked_at)
    confirmed = Series.objects.get(pk=series.pk)
    assert confirmed.confirm_requested_at is None
    assert confirmed.confirmed_until > asked_at.date() + timedelta(days=100)


def test_end_series_cancels_the_following_meetings(series, host):
    services.end_series(series=series, by=host)
    assert Series.objects.get(pk=series.pk).status == SeriesStatus.ENDED
    upcoming = series.meetings.filter(starts_at__gt=timezone.now())
    assert upcoming.exists()
    assert not upcoming.exclude(status=MeetingStatus.CANCELLED).exists()
