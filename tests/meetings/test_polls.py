"""Scheduling polls: slots in each member's zone across a DST change, votes, the best
slot turned into a meeting with the yes-voters who chose so RSVPed going."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cop.enums import NotificationKind, Role
from cop.models import Notification
from meetings import polls
from meetings.enums import PollAnswer, PollStatus
from meetings.models import RSVP, Poll
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

YES, MAYBE, NO = PollAnswer.YES, PollAnswer.IF_NEED_BE, PollAnswer.NO
# Berlin leaves winter time on Sunday 29 March 2026; New York already did on 8 March.
BEFORE, AFTER = date(2026, 3, 27), date(2026, 3, 30)
NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _march():
    with time_machine.travel(NOW, tick=False):
        yield


def _poll(community, host, **kwargs):
    slots = polls.local_slots([(BEFORE, time(17)), (AFTER, time(17))], "Europe/Berlin")
    return polls.create_poll(
        community=community,
        by=host,
        title="Chaos day",
        slots=slots,
        timezone_name="Europe/Berlin",
        duration_minutes=90,
        **kwargs,
    )


def test_local_slots_keep_wall_clock_time_across_dst():
    before, after = polls.local_slots([(BEFORE, time(17)), (AFTER, time(17))], "Europe/Berlin")
    assert before.astimezone(UTC).hour == 16  # CET, UTC+1
    assert after.astimezone(UTC).hour == 15  # CEST, UTC+2


def test_a_time_skipped_by_the_clocks_is_refused():
    with pytest.raises(ValidationError, match="does not exist"):
        polls.local_slots([(date(2026, 3, 29), time(2, 30))], "Europe/Berlin")


def test_each_member_sees_the_slots_in_their_own_zone(client, community, host):
    poll = _poll(community, host)
    url = poll.get_absolute_url()
    seen = {}
    for zone in ("Europe/Berlin", "America/New_York", "Asia/Tokyo"):
        member = make_member(community, timezone=zone)
        client.force_login(member)
        page = client.get(url).content.decode()
        seen[zone] = page
    # Berlin: 17:00 on both days, whatever the clocks did in between.
    assert "Fri 27 Mar 2026, 17:00" in seen["Europe/Berlin"]
    assert "Mon 30 Mar 2026, 17:00" in seen["Europe/Berlin"]
    # New York is already on summer time: 12:00, then 11:00 once Berlin changes.
    assert "Fri 27 Mar 2026, 12:00" in seen["America/New_York"]
    assert "Mon 30 Mar 2026, 11:00" in seen["America/New_York"]
    # Tokyo has no DST: 01:00 the next day, then 00:00.
    assert "Sat 28 Mar 2026, 01:00" in seen["Asia/Tokyo"]
    assert "Tue 31 Mar 2026, 00:00" in seen["Asia/Tokyo"]


def test_votes_rank_slots_and_choosing_one_creates_the_meeting(community, host):
    poll = _poll(community, host)
    first, second = poll.slots.order_by("starts_at")
    eager, shy, late = (make_member(community) for _ in range(3))
    polls.vote(poll=poll, user=eager, answers={first.pk: NO, second.pk: YES})
    polls.vote(poll=poll, user=shy, answers={second.pk: YES}, rsvp_if_chosen=False)
    polls.vote(poll=poll, user=late, answers={first.pk: YES, second.pk: MAYBE})
    polls.vote(poll=poll, user=late, answers={first.pk: YES, second.pk: MAYBE})  # again
    poll.refresh_from_db()
    assert poll.voters_count == 3
    ranked = polls.ranked_slots(poll)
    assert [(s.pk, s.yes_count, s.if_need_be_count) for s in ranked] == [
        (second.pk, 2, 1),
        (first.pk, 1, 0),
    ]
    meeting = polls.schedule_from_poll(poll=poll, slot=ranked[0], by=host)
    assert meeting.starts_at == second.starts_at
    assert (meeting.ends_at - meeting.starts_at).seconds == 90 * 60
    assert meeting.timezone == "Europe/Berlin"
    going = set(RSVP.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    assert going == {eager.pk}  # shy chose not to be RSVPed; late said only "if need be"
    poll.refresh_from_db()
    assert (poll.status, poll.meeting) == (PollStatus.SCHEDULED, meeting)
    with pytest.raises(ValidationError, match="already decided"):
        polls.schedule_from_poll(poll=poll, slot=first, by=host)
    with pytest.raises(ValidationError, match="closed"):
        polls.vote(poll=poll, user=eager, answers={first.pk: YES})


def test_bad_polls_and_votes_are_refused(community, host):
    with pytest.raises(ValidationError, match="at least one"):
        polls.create_poll(community=community, by=host, title="x", slots=[], timezone_name="UTC")
    past = polls.local_slots([(date(2026, 2, 1), time(9))], "UTC")
    with pytest.raises(ValidationError, match="future"):
        polls.create_poll(community=community, by=host, title="x", slots=past, timezone_name="UTC")
    poll = _poll(community, host)
    other = _poll(community, host)
    member = make_member(community)
    with pytest.raises(ValidationError, match="not part"):
        polls.vote(poll=poll, user=member, answers={other.slots.first().pk: YES})
    with pytest.raises(ValidationError, match="yes, if need be"):
        polls.vote(poll=poll, user=member, answers={poll.slots.first().pk: "perhaps"})
    with pytest.raises(ValidationError, match="Only members"):
        polls.vote(poll=poll, user=UserFactory(), answers={})


def test_pages_vote_and_schedule(client, community, host):
    poll = _poll(community, host)
    first, second = poll.slots.order_by("starts_at")
    member = make_member(community)
    client.force_login(member)
    vote_url = reverse("meetings:poll_vote", args=[community.slug, poll.pk])
    response = client.post(
        vote_url, {f"slot-{first.pk}": "yes", f"slot-{second.pk}": "no", "rsvp_if_chosen": "on"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.yes_count == 1
    schedule_url = reverse("meetings:poll_schedule", args=[community.slug, poll.pk])
    assert client.post(schedule_url, {"slot": first.pk}).status_code == 403
    client.force_login(host)
    response = client.post(schedule_url, {"slot": first.pk})
    meeting = Poll.objects.get(pk=poll.pk).meeting
    assert response.url == meeting.get_absolute_url()
    assert RSVP.objects.get(meeting=meeting, user=member).is_going


def test_create_poll_page_reads_local_times_in_the_chosen_zone(client, community, host):
    client.force_login(host)
    url = reverse("meetings:poll_create", args=[community.slug])
    response = client.post(
        url,
        {
            "title": "Retro",
            "kind": "regular",
            "duration_minutes": 60,
            "timezone": "Europe/Berlin",
            "slots": "2026-03-27 17:00\n2026-03-30 17:00\n",
        },
    )
    assert response.status_code == 302
    poll = Poll.objects.get(title="Retro")
    assert [s.starts_at.astimezone(UTC).hour for s in poll.slots.order_by("starts_at")] == [16, 15]
    bad = client.post(
        url,
        {
            "title": "x",
            "kind": "regular",
            "duration_minutes": 60,
            "timezone": "Europe/Berlin",
            "slots": "next friday",
        },
    )
    assert "is not a date and time" in bad.content.decode()
    member = make_member(community, role=Role.MEMBER)
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_poll_page_queries_do_not_grow_with_votes(
    client, community, host, django_assert_max_num_queries
):
    poll = _poll(community, host)
    viewer = make_member(community)
    client.force_login(viewer)
    with django_assert_max_num_queries(20) as one:
        client.get(poll.get_absolute_url())
    for _ in range(6):
        polls.vote(
            poll=poll, user=make_member(community), answers={s.pk: YES for s in poll.slots.all()}
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(poll.get_absolute_url())


def _invited(user):
    return Notification.objects.filter(
        recipient=user, kind=NotificationKind.MEETING_INVITATION, title__contains="Chaos day"
    ).count()


def test_members_hear_of_an_open_poll_once_in_batches(
    community, host, django_capture_on_commit_callbacks
):
    members = [make_member(community) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        poll = _poll(community, host)
    assert [_invited(m) for m in members] == [1] * 5
    assert _invited(host) == 0  # not its own creator
    poll.refresh_from_db()
    assert poll.announced_at is not None
    assert polls.announce_poll(poll_id=poll.pk) == 0  # run again: nobody twice
    assert [_invited(m) for m in members] == [1] * 5


def test_a_lost_announcement_is_finished_by_the_sweeper(
    community, host, django_capture_on_commit_callbacks
):
    members = [make_member(community) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=False):  # the task was lost
        poll = _poll(community, host)
    assert polls.announce_poll_batch(poll_id=poll.pk, batch_size=2) == 2  # then the worker died
    assert polls.resume_poll_announcements() == 0  # too early to call it lost
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        assert polls.resume_poll_announcements() == 1
        assert polls.resume_poll_announcements() == 0
    assert [_invited(m) for m in members] == [1] * 5


def test_a_coordinator_closes_a_poll_without_a_meeting(client, community, host):
    poll = _poll(community, host)
    member = make_member(community)
    client.force_login(member)
    url = reverse("meetings:poll_close", args=[community.slug, poll.pk])
    assert client.post(url).status_code == 403
    client.force_login(host)
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "Close the poll without a meeting" in page
    assert f'href="{url}"' in page  # a link to the confirmation, not a one-click POST
    confirm = client.get(url).content.decode()
    assert "without a meeting?" in confirm and f'action="{url}"' in confirm
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN  # asking changes nothing
    response = client.post(url, follow=True)
    assert "The poll is closed" in response.content.decode()
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    response = client.post(url, follow=True)
    assert "already decided or closed" in response.content.decode()
    assert "Close the poll without a meeting" not in response.content.decode()
