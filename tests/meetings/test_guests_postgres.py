"""Guests, one-click answers and polls on a real PostgreSQL, at the same moment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import guests, polls, services
from meetings.enums import PollAnswer
from meetings.models import RSVP, MeetingGuest, PollSlot
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_guests_and_members_answering_together_fill_capacity_exactly():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host], capacity=5)
    members = [make_member(community) for _ in range(6)]
    invited = [
        guests.invite_guest(meeting=meeting, by=host, email=f"g{i}@example.net").user
        for i in range(6)
    ]
    all_at_once(
        [
            (lambda person=person: services.rsvp(meeting=meeting, user=person, answer="going"))
            for person in [*members, *invited]
        ]
    )
    rows = list(RSVP.objects.filter(meeting=meeting))
    assert len(rows) == 12
    assert sum(row.is_going for row in rows) == 5
    assert sum(row.waitlisted for row in rows) == 7


def test_the_same_address_invited_twice_at_once_is_one_guest():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    meeting = MeetingFactory(community=community, hosts=[host])
    all_at_once(
        [
            (lambda: guests.invite_guest(meeting=meeting, by=host, email="ada@example.net"))
            for _ in range(4)
        ]
    )
    assert MeetingGuest.objects.filter(meeting=meeting).count() == 1


def test_concurrent_votes_keep_the_slot_counters_exact():
    host = UserFactory()
    community = CommunityFactory(coordinator=host)
    start = timezone.now() + timedelta(days=5)
    poll = polls.create_poll(
        community=community,
        by=host,
        title="When?",
        slots=[start, start + timedelta(days=1)],
        timezone_name="UTC",
    )
    first, second = poll.slots.order_by("starts_at")
    voters = [make_member(community) for _ in range(12)]
    all_at_once(
        [
            (
                lambda voter=voter: polls.vote(
                    poll=poll,
                    user=voter,
                    answers={first.pk: PollAnswer.YES, second.pk: PollAnswer.IF_NEED_BE},
                )
            )
            for voter in voters
        ]
    )
    first, second = PollSlot.objects.filter(poll=poll).order_by("starts_at")
    assert (first.yes_count, second.if_need_be_count) == (12, 12)
    poll.refresh_from_db()
    assert poll.voters_count == 12
