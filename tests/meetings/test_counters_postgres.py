"""The stored counts stay exact under concurrent answers on a real PostgreSQL."""

import pytest

from cop.celery import app
from meetings import services
from meetings.counters import recount
from meetings.models import RSVP, Meeting
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def counts(meeting: Meeting) -> tuple[int, int]:
    meeting.refresh_from_db(fields=["going_count", "waitlist_count"])
    going = RSVP.objects.filter(meeting=meeting, answer="going")
    rows = (going.filter(waitlisted=False).count(), going.filter(waitlisted=True).count())
    assert (meeting.going_count, meeting.waitlist_count) == rows
    return rows


def test_concurrent_answers_changes_and_deletions_keep_the_counts_exact():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=8)
    people = [make_member(community) for _ in range(24)]
    # Task modules are imported on the first lookup; threads racing on that first
    # import can miss a task (a test-only hazard: the web workers are single-threaded).
    app.loader.import_default_modules()

    all_at_once(
        [
            (lambda person=person: services.rsvp(meeting=meeting, user=person, answer="going"))
            for person in people
        ]
    )
    assert counts(meeting) == (8, 16)

    # Half change their mind at once while the rest answer again (no change).
    answers = ["not_going" if n % 2 else "going" for n in range(len(people))]
    all_at_once(
        [
            (
                lambda person=person, answer=answer: services.rsvp(
                    meeting=meeting, user=person, answer=answer
                )
            )
            for person, answer in zip(people, answers, strict=True)
        ]
    )
    assert counts(meeting) == (8, 4)

    # Accounts deleted beside new answers: the cascade goes through the service.
    newcomers = [make_member(community) for _ in range(6)]
    # (Those holding a place: their places go to the waitlist, nobody deleted is told.)
    holding = RSVP.objects.filter(meeting=meeting, answer="going", waitlisted=False)
    leaving = [p for p in people if p.pk in set(holding.values_list("user_id", flat=True))][:6]
    all_at_once(
        [(lambda person=person: person.delete()) for person in leaving]
        + [
            (lambda person=person: services.rsvp(meeting=meeting, user=person, answer="going"))
            for person in newcomers
        ]
    )
    assert counts(meeting) == (8, 4)


def test_forgetting_a_person_in_autocommit_frees_their_place():
    """`forget_person` called the way the `pre_delete` receiver may be, outside any
    transaction of the caller's: it takes its own, and the waitlist moves up."""
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=1)
    first, second = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=first, answer="going")
    services.rsvp(meeting=meeting, user=second, answer="going")
    assert counts(meeting) == (1, 1)

    services.forget_person(user=first)

    assert counts(meeting) == (1, 0)
    assert RSVP.objects.get(meeting=meeting, user=second).waitlisted is False


def test_recount_in_autocommit_repairs_rows_written_past_the_services():
    """`counters.recount` locks its batches in transactions of its own: called as the
    `recount` command calls it, outside any transaction, it repairs stale counts."""
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=5)
    for person in (make_member(community) for _ in range(3)):
        RSVP.objects.create(meeting=meeting, user=person, answer="going")
    Meeting.objects.filter(pk=meeting.pk).update(going_count=0, waitlist_count=7)

    recount(community, batch=1)

    assert counts(meeting) == (3, 0)
