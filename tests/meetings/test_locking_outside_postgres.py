"""Guests, polls, feedback and dropping an answer, called in autocommit on PostgreSQL as
a view calls them: each owns the transaction its row lock needs."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cop.enums import MembershipStatus, NotificationKind
from cop.models import Membership, Notification
from meetings import feedback, guests, polls, services
from meetings.enums import PollAnswer, PollStatus
from meetings.models import RSVP, Meeting, MeetingFeedback, Poll
from tests.concurrency import all_at_once
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


def test_poll_announcement_batches_at_the_same_moment_tell_each_member_once(community, host):
    members = [make_member(community) for _ in range(6)]
    start = timezone.now() + timedelta(days=5)
    poll = polls.create_poll(
        community=community, by=host, title="When?", slots=[start], timezone_name="UTC"
    )  # its task ran after commit (tasks run in-process here)
    Notification.objects.filter(kind=NotificationKind.MEETING_INVITATION).delete()
    Poll.objects.filter(pk=poll.pk).update(announced_at=None, announced_through=0)
    assert polls.announce_poll_batch(poll_id=poll.pk, batch_size=2) == 2
    told = all_at_once([lambda: polls.announce_poll(poll_id=poll.pk) for _ in range(3)])
    assert sum(told) == 4
    assert polls.resume_poll_announcements() == 0  # all told: nothing left to resume
    assert sorted(
        Notification.objects.filter(kind=NotificationKind.MEETING_INVITATION).values_list(
            "recipient_id", flat=True
        )
    ) == sorted(m.pk for m in members)
