"""Guests, polls, feedback and dropping an answer, called in autocommit on PostgreSQL as
a view calls them: each owns the transaction its row lock needs."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cop.enums import MembershipStatus
from cop.models import Membership
from meetings import feedback, guests, polls, services
from meetings.enums import PollAnswer, PollStatus
from meetings.models import RSVP, Meeting, MeetingFeedback
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def host():
    return UserFactory()


@pytest.fixture
def community(host):
    return CommunityFactory(coordinator=host)


def test_invite_withdraw_and_join_from_guest(community, host):
    meeting = MeetingFactory(community=community, hosts=[host])
    guest = guests.invite_guest(meeting=meeting, by=host, email="ada@example.net")
    membership = guests.join_from_guest(guest=guest)
    assert membership.status == MembershipStatus.ACTIVE
    assert Membership.objects.filter(community=community, user=guest.user).exists()
    withdrawn = guests.withdraw_guest(guest=guest, by=host)
    assert withdrawn.revoked_at is not None


def test_drop_rsvp_removes_the_answer(community, host):
    meeting = MeetingFactory(community=community, hosts=[host])
    member = make_member(community)
    services.rsvp(meeting=meeting, user=member, answer="going")
    services.drop_rsvp(meeting=meeting, user=member)
    assert not RSVP.objects.filter(meeting=meeting, user=member).exists()


def test_vote_schedule_and_close_polls(community, host):
    start = timezone.now() + timedelta(days=5)
    poll = polls.create_poll(
        community=community, by=host, title="When?", slots=[start], timezone_name="UTC"
    )
    [slot] = poll.slots.all()
    voter = make_member(community)
    polls.vote(poll=poll, user=voter, answers={slot.pk: PollAnswer.YES})
    meeting = polls.schedule_from_poll(poll=poll, slot=slot, by=host)
    assert Meeting.objects.filter(pk=meeting.pk, starts_at=slot.starts_at).exists()
    other = polls.create_poll(
        community=community, by=host, title="And?", slots=[start], timezone_name="UTC"
    )
    assert polls.close_poll(poll=other, by=host).status == PollStatus.CLOSED


def test_give_feedback_counts_on_the_meeting(community, host):
    meeting = MeetingFactory(community=community, hosts=[host])
    member = make_member(community)
    with time_machine.travel(meeting.starts_at + timedelta(minutes=30)):
        services.mark_attendance(meeting=meeting, by=host, attendees=[member])
    with time_machine.travel(meeting.ends_at + timedelta(hours=2)):
        feedback.give_feedback(meeting=meeting, user=member, rating=4, keep="Demos")
    meeting.refresh_from_db()
    assert (meeting.feedback_count, meeting.feedback_rating_sum) == (1, 4)
    assert MeetingFeedback.objects.filter(meeting=meeting, user=member).exists()
