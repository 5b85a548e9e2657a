"""Concurrency on a real PostgreSQL: row locks and unique constraints, not luck."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from cop.enums import NotificationKind, ParticipationKind
from cop.models import Notification, ParticipationEvent
from meetings import services
from meetings.models import RSVP, ReminderDelivery
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_going_rsvps_fill_capacity_exactly_and_waitlist_the_rest():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=10)
    people = [make_member(community) for _ in range(50)]

    all_at_once(
        [
            (lambda person=person: services.rsvp(meeting=meeting, user=person, answer="going"))
            for person in people
        ]
    )

    rows = list(RSVP.objects.filter(meeting=meeting))
    assert len(rows) == 50
    assert len({row.user_id for row in rows}) == 50  # no duplicates
    assert sum(1 for row in rows if row.is_going) == 10
    waitlisted = [row for row in rows if row.waitlisted]
    assert len(waitlisted) == 40
    positions = sorted(services.waitlist_position(row) for row in waitlisted)
    assert positions == list(range(1, 41))

    first_waiting = min(waitlisted, key=lambda row: (row.going_since, row.pk))
    leaving = next(row for row in rows if row.is_going)
    services.rsvp(meeting=meeting, user=leaving.user, answer="not_going")

    first_waiting.refresh_from_db()
    assert first_waiting.is_going
    assert RSVP.objects.filter(meeting=meeting, answer="going", waitlisted=False).count() == 10
    assert RSVP.objects.filter(meeting=meeting, waitlisted=True).count() == 39
    promoted = Notification.objects.filter(kind=NotificationKind.WAITLIST_PROMOTED)
    assert list(promoted.values_list("recipient_id", flat=True)) == [first_waiting.user_id]


def test_two_concurrent_reminder_scans_send_each_reminder_once():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host])
    people = [make_member(community) for _ in range(8)]
    for person in people:
        services.rsvp(meeting=meeting, user=person, answer="going")
    due = meeting.starts_at - timedelta(hours=20)

    sent = all_at_once([lambda: services.send_due_reminders(now=due)] * 4)

    assert sum(sent) == 8
    assert ReminderDelivery.objects.filter(meeting=meeting, kind="24h").count() == 8
    reminders = Notification.objects.filter(kind=NotificationKind.MEETING_REMINDER)
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)


def test_sixty_threads_answering_at_capacity_ten_give_ten_going_and_no_duplicates():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=10)
    people = [make_member(community) for _ in range(30)]

    # Each member answers "going" twice at once (a double click, a retried request).
    rows = all_at_once(
        [
            (lambda person=person: services.rsvp(meeting=meeting, user=person, answer="going"))
            for person in people * 2
        ]
    )

    assert len(rows) == 60
    saved = list(RSVP.objects.filter(meeting=meeting))
    assert len(saved) == 30
    assert len({row.user_id for row in saved}) == 30
    assert sum(1 for row in saved if row.is_going) == 10
    assert sum(1 for row in saved if row.waitlisted) == 20
    assert sorted(services.waitlist_position(row) for row in saved if row.waitlisted) == list(
        range(1, 21)
    )
    # Participation is recorded once per member, after the lock.
    assert ParticipationEvent.objects.filter(kind=ParticipationKind.RSVPED).count() == 30


def _meeting_lock_is_free(meeting_id: int) -> bool:
    """Whether another connection could lock the meeting row right now."""
    conf = connection.settings_dict
    with psycopg.connect(
        dbname=conf["NAME"],
        user=conf["USER"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        autocommit=True,
    ) as other:
        try:
            other.execute(
                "SELECT id FROM meetings_meeting WHERE id = %s FOR UPDATE NOWAIT", [meeting_id]
            )
        except psycopg.errors.LockNotAvailable:
            return False
    return True


def test_rsvp_holds_the_meeting_lock_only_for_the_capacity_decision():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=1)
    first, second, third = (make_member(community) for _ in range(3))
    services.rsvp(meeting=meeting, user=first, answer="going")
    services.rsvp(meeting=meeting, user=second, answer="going")  # waitlisted
    seen = {}

    def probe(execute, sql, params, many, context):
        for table in ("cop_participationevent", "cop_notification"):
            if sql.startswith(f'INSERT INTO "{table}"'):
                seen.setdefault(table, _meeting_lock_is_free(meeting.pk))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(probe):
        services.rsvp(meeting=meeting, user=third, answer="maybe")  # participation
        services.rsvp(meeting=meeting, user=first, answer="not_going")  # promotes second

    assert seen == {"cop_participationevent": True, "cop_notification": True}
    assert RSVP.objects.get(meeting=meeting, user=second).is_going
    assert Notification.objects.filter(
        kind=NotificationKind.WAITLIST_PROMOTED, recipient=second
    ).exists()


def test_the_same_answer_again_does_not_wait_for_the_meeting_lock():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=10)
    member = make_member(community)
    first = services.rsvp(meeting=meeting, user=member, answer="going")
    conf = connection.settings_dict
    with psycopg.connect(
        dbname=conf["NAME"],
        user=conf["USER"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
    ) as other:
        # Another answer holds the meeting's lock for as long as it likes.
        other.execute("SELECT id FROM meetings_meeting WHERE id = %s FOR UPDATE", [meeting.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        try:
            again = services.rsvp(meeting=meeting, user=member, answer="going")
        finally:
            other.rollback()
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    assert again.pk == first.pk
    assert RSVP.objects.filter(meeting=meeting).count() == 1
