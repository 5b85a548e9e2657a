"""The meeting's stored going, waitlist and attendance counts follow every service that
changes answers or attendance, and `manage.py recount` repairs them."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from meetings import services
from meetings.counters import recount
from meetings.models import RSVP, Attendance, Meeting
from tests.factories import MeetingFactory, make_member

pytestmark = pytest.mark.django_db


def stored(meeting: Meeting) -> tuple[int, int, int]:
    meeting.refresh_from_db(fields=["going_count", "waitlist_count", "attendance_count"])
    return meeting.going_count, meeting.waitlist_count, meeting.attendance_count


def counted(meeting: Meeting) -> tuple[int, int, int]:
    going = RSVP.objects.filter(meeting=meeting, answer="going")
    return (
        going.filter(waitlisted=False).count(),
        going.filter(waitlisted=True).count(),
        Attendance.objects.filter(meeting=meeting).count(),
    )


def test_answers_changes_and_promotions_keep_the_counts(community, host):
    meeting = MeetingFactory(community=community, hosts=[host], capacity=2)
    a, b, c, d = (make_member(community) for _ in range(4))
    for person in (a, b, c, d):
        services.rsvp(meeting=meeting, user=person, answer="going")
    assert stored(meeting) == (2, 2, 0)

    services.rsvp(meeting=meeting, user=a, answer="not_going")  # c is promoted
    assert stored(meeting) == (2, 1, 0) == counted(meeting)
    services.rsvp(meeting=meeting, user=d, answer="maybe")  # leaves the waitlist
    assert stored(meeting) == (2, 0, 0) == counted(meeting)
    services.rsvp(meeting=meeting, user=d, answer="maybe")  # the same answer again
    assert stored(meeting) == (2, 0, 0)


def test_a_larger_capacity_and_a_dropped_guest_answer_keep_the_counts(community, host):
    meeting = MeetingFactory(community=community, hosts=[host], capacity=1)
    a, b, c = (make_member(community) for _ in range(3))
    for person in (a, b, c):
        services.rsvp(meeting=meeting, user=person, answer="going")
    assert stored(meeting) == (1, 2, 0)

    services.update_meeting(meeting=meeting, by=host, capacity=2)
    assert stored(meeting) == (2, 1, 0) == counted(meeting)
    services.drop_rsvp(meeting=meeting, user=a)
    assert stored(meeting) == (2, 0, 0) == counted(meeting)


def test_attendance_marked_again_replaces_the_count(community, host):
    meeting = MeetingFactory(community=community, hosts=[host])
    people = [make_member(community) for _ in range(3)]
    with time_machine.travel(meeting.starts_at + timedelta(minutes=30)):
        services.mark_attendance(meeting=meeting, by=host, attendees=people)
        assert stored(meeting) == (0, 0, 3)
        services.mark_attendance(meeting=meeting, by=host, attendees=people[:1])
    assert stored(meeting) == (0, 0, 1) == counted(meeting)


def test_a_deleted_account_leaves_the_counts_and_the_waitlist_moves_up(community, host):
    meeting = MeetingFactory(community=community, hosts=[host], capacity=1)
    earlier = MeetingFactory(community=community, hosts=[host])
    leaving, waiting = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=leaving, answer="going")
    services.rsvp(meeting=meeting, user=waiting, answer="going")
    with time_machine.travel(earlier.starts_at + timedelta(minutes=30)):
        services.mark_attendance(meeting=earlier, by=host, attendees=[leaving, waiting])

    leaving.delete()

    assert stored(meeting) == (1, 0, 0) == counted(meeting)
    assert RSVP.objects.get(meeting=meeting, user=waiting).is_going
    assert stored(earlier) == (0, 0, 1) == counted(earlier)


def test_recount_repairs_rows_written_past_the_services(community, host, member):
    meeting = MeetingFactory(community=community, hosts=[host])
    other = MeetingFactory(community=community, hosts=[host])
    RSVP.objects.create(meeting=meeting, user=member, answer="going")
    Attendance.objects.create(meeting=other, user=member)
    Meeting.objects.filter(pk=other.pk).update(going_count=7)
    assert stored(meeting) == (0, 0, 0)

    recount(community)
    assert stored(meeting) == (1, 0, 0) and stored(other) == (0, 0, 1)

    Meeting.objects.update(going_count=5)
    call_command("recount", stdout=StringIO())
    assert stored(meeting) == (1, 0, 0) and stored(other) == (0, 0, 1)
