from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cop.enums import MembershipStatus, NotificationKind, ParticipationKind
from cop.models import Notification, ParticipationEvent
from knowledge.services.problems import ask_problem
from meetings import services
from meetings.enums import AgendaItemStatus, MeetingStatus, RSVPAnswer, SeriesStatus
from meetings.models import RSVP, Meeting, ReminderDelivery
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db

GOING, MAYBE, NOT_GOING = RSVPAnswer.GOING, RSVPAnswer.MAYBE, RSVPAnswer.NOT_GOING


def _kinds(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- scheduling, changing, cancelling -------------------------------------------------------


def test_schedule_meeting_defaults_hosts_to_scheduler(community, host):
    starts = timezone.now() + timedelta(days=3)
    meeting = services.schedule_meeting(
        community=community,
        by=host,
        title="Postmortem club",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone_name="Europe/Berlin",
        kind="storytelling",
        capacity=12,
    )
    assert list(meeting.hosts.all()) == [host]
    assert (meeting.status, meeting.sequence, meeting.kind) == ("scheduled", 0, "storytelling")


def test_schedule_meeting_ending_before_start_is_refused(community, host):
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="end after it starts"):
        services.schedule_meeting(
            community=community,
            by=host,
            title="Backwards",
            starts_at=starts,
            ends_at=starts - timedelta(hours=1),
            timezone_name="Europe/Berlin",
        )


def test_schedule_meeting_with_outsider_host_is_refused(community, host):
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="active members"):
        services.schedule_meeting(
            community=community,
            by=host,
            title="Guest",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            timezone_name="Europe/Berlin",
            hosts=[UserFactory()],
        )


def test_update_meeting_time_bumps_sequence_and_tells_everyone_who_answered(
    meeting, host, community
):
    going, maybe, declined = (make_member(community) for _ in range(3))
    services.rsvp(meeting=meeting, user=going, answer=GOING)
    services.rsvp(meeting=meeting, user=maybe, answer=MAYBE)
    services.rsvp(meeting=meeting, user=declined, answer=NOT_GOING)
    ReminderDelivery.objects.create(meeting=meeting, user=going, kind="24h")
    new_start = meeting.starts_at + timedelta(days=1)

    updated = services.update_meeting(
        meeting=meeting, by=host, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
    )

    assert updated.sequence == 1
    for person in (going, maybe, declined):
        assert _kinds(person) == [NotificationKind.MEETING_CHANGED]
    assert _kinds(host) == []
    assert not ReminderDelivery.objects.filter(meeting=meeting).exists()  # re-armed


def test_update_meeting_title_bumps_sequence_without_notice(meeting, host, member):
    services.rsvp(meeting=meeting, user=member, answer=GOING)
    updated = services.update_meeting(meeting=meeting, by=host, title="New title")
    assert (updated.title, updated.sequence) == ("New title", 1)
    assert _kinds(member) == []


def test_update_meeting_without_change_keeps_sequence(meeting, host):
    updated = services.update_meeting(meeting=meeting, by=host, title=meeting.title)
    assert updated.sequence == 0


def test_update_meeting_larger_capacity_promotes_waitlisted(meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    first, second = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=first, answer=GOING)
    waiting = services.rsvp(meeting=meeting, user=second, answer=GOING)
    assert waiting.waitlisted

    services.update_meeting(meeting=meeting, by=host, capacity=2)

    waiting.refresh_from_db()
    assert not waiting.waitlisted
    assert _kinds(second) == [NotificationKind.WAITLIST_PROMOTED]


def test_cancel_meeting_marks_cancelled_and_tells_who_answered(meeting, host, member):
    services.rsvp(meeting=meeting, user=member, answer=MAYBE)
    cancelled = services.cancel_meeting(meeting=meeting, by=host, reason="Host is ill")
    assert (cancelled.status, cancelled.sequence) == (MeetingStatus.CANCELLED, 1)
    note = Notification.objects.get(recipient=member)
    assert note.kind == NotificationKind.MEETING_CHANGED
    assert note.title.startswith("Cancelled:")
    assert note.body == "Host is ill"


def test_cancelled_meeting_cannot_be_changed_or_answered(meeting, host, member):
    services.cancel_meeting(meeting=meeting, by=host)
    with pytest.raises(ValidationError, match="cancelled"):
        services.update_meeting(meeting=meeting, by=host, title="x")
    with pytest.raises(ValidationError, match="cancelled"):
        services.rsvp(meeting=meeting, user=member, answer=GOING)


def test_change_notice_to_private_community_reaches_members_only(host):
    community = CommunityFactory(coordinator=host, visibility="private")
    meeting = MeetingFactory(community=community, hosts=[host])
    leaver = make_member(community)
    services.rsvp(meeting=meeting, user=leaver, answer=GOING)
    leaver.memberships.update(status=MembershipStatus.LEFT)
    services.cancel_meeting(meeting=meeting, by=host)
    assert _kinds(leaver) == []


# --- RSVP and waitlist ----------------------------------------------------------------------


def test_rsvp_going_within_capacity_is_going(meeting, member):
    row = services.rsvp(meeting=meeting, user=member, answer=GOING)
    assert (row.answer, row.waitlisted, row.is_going) == (GOING, False, True)


def test_rsvp_beyond_capacity_waitlists_first_come_with_position(meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    people = [make_member(community) for _ in range(4)]
    rows = [services.rsvp(meeting=meeting, user=p, answer=GOING) for p in people]
    assert [r.waitlisted for r in rows] == [False, True, True, True]
    assert [services.waitlist_position(r) for r in rows] == [None, 1, 2, 3]


def test_rsvp_going_member_cancelling_promotes_first_waitlisted(meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    first, second, third = (make_member(community) for _ in range(3))
    services.rsvp(meeting=meeting, user=first, answer=GOING)
    services.rsvp(meeting=meeting, user=second, answer=GOING)
    services.rsvp(meeting=meeting, user=third, answer=GOING)

    services.rsvp(meeting=meeting, user=first, answer=NOT_GOING)

    states = dict(RSVP.objects.filter(meeting=meeting).values_list("user_id", "waitlisted"))
    assert states == {first.pk: False, second.pk: False, third.pk: True}
    assert _kinds(second) == [NotificationKind.WAITLIST_PROMOTED]
    assert _kinds(third) == []
    assert services.waitlist_position(RSVP.objects.get(meeting=meeting, user=third)) == 1


def test_rsvp_waitlisted_leaving_does_not_promote(meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    first, second, third = (make_member(community) for _ in range(3))
    for person in (first, second, third):
        services.rsvp(meeting=meeting, user=person, answer=GOING)
    services.rsvp(meeting=meeting, user=second, answer=MAYBE)
    assert RSVP.objects.get(meeting=meeting, user=third).waitlisted
    assert services.waitlist_position(RSVP.objects.get(meeting=meeting, user=third)) == 1


def test_rsvp_changing_answer_keeps_one_row(meeting, member):
    services.rsvp(meeting=meeting, user=member, answer=GOING)
    services.rsvp(meeting=meeting, user=member, answer=MAYBE)
    services.rsvp(meeting=meeting, user=member, answer=GOING)
    assert RSVP.objects.filter(meeting=meeting, user=member).count() == 1


def test_rsvp_requires_active_membership(meeting):
    outsider = UserFactory()
    with pytest.raises(ValidationError, match="Only members"):
        services.rsvp(meeting=meeting, user=outsider, answer=GOING)


def test_rsvp_closes_when_the_meeting_starts(meeting, member):
    with (
        time_machine.travel(meeting.starts_at + timedelta(minutes=1)),
        pytest.raises(ValidationError, match="closed"),
    ):
        services.rsvp(meeting=meeting, user=member, answer=GOING)
    assert not RSVP.objects.exists()


def test_rsvp_unknown_answer_is_refused(meeting, member):
    with pytest.raises(ValidationError, match="Unknown"):
        services.rsvp(meeting=meeting, user=member, answer="perhaps")


# --- series --------------------------------------------------------------------------------


def _weekly_series(community, host, *, tz="Europe/Berlin", day=0, now=None, **extra):
    return services.create_series(
        community=community,
        by=host,
        title="Weekly sync",
        rrule=f"FREQ=WEEKLY;INTERVAL=1;BYDAY={['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][day]}",
        starts_on=extra.pop("starts_on", (now or timezone.now()).date()),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name=tz,
        now=now,
        **extra,
    )


@pytest.mark.parametrize(
    ("tz", "now"),
    [
        ("Europe/Berlin", datetime(2027, 2, 15, 9, tzinfo=UTC)),  # spans 28 March
        ("Europe/Berlin", datetime(2027, 8, 20, 9, tzinfo=UTC)),  # spans 31 October
        ("America/New_York", datetime(2027, 2, 1, 9, tzinfo=UTC)),  # spans 14 March
        ("America/New_York", datetime(2027, 8, 20, 9, tzinfo=UTC)),  # spans 7 November
    ],
)
def test_create_series_makes_meetings_to_horizon_at_same_local_time(community, host, tz, now):
    with time_machine.travel(now, tick=False):
        series = _weekly_series(community, host, tz=tz, now=now)
    meetings = list(series.meetings.order_by("starts_at"))
    zone = ZoneInfo(tz)
    assert len(meetings) in (12, 13)  # 90 days of Mondays
    assert meetings[-1].starts_at <= now + timedelta(days=91)
    assert {m.starts_at.astimezone(zone).time() for m in meetings} == {time(17, 0)}
    assert len({m.starts_at.astimezone(zone).utcoffset() for m in meetings}) == 2
    assert {m.starts_at.astimezone(zone).weekday() for m in meetings} == {0}
    assert all(list(m.hosts.all()) == [host] for m in meetings)


def test_expand_series_twice_makes_no_duplicates(community, host):
    series = _weekly_series(community, host)
    count = series.meetings.count()
    assert services.expand_series(series=series) == 0
    assert series.meetings.count() == count


def test_expand_series_fills_up_as_time_passes(community, host):
    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    series = _weekly_series(community, host, now=now)
    before = series.meetings.count()
    later = now + timedelta(days=14)
    assert services.expand_series(series=series, now=later) == 2
    assert series.meetings.count() == before + 2


def test_create_series_with_bad_rule_is_refused(community, host):
    with pytest.raises(ValidationError, match="not valid"):
        services.create_series(
            community=community,
            by=host,
            title="x",
            rrule="FREQ=SOMETIMES",
            starts_on=date(2027, 1, 1),
            start_time=time(9),
            duration_minutes=60,
            timezone_name="Europe/Berlin",
        )


def test_create_series_hourly_rule_is_refused(community, host):
    with pytest.raises(ValidationError, match="daily at most"):
        services.create_series(
            community=community,
            by=host,
            title="x",
            rrule="FREQ=HOURLY",
            starts_on=date(2027, 1, 1),
            start_time=time(9),
            duration_minutes=60,
            timezone_name="Europe/Berlin",
        )


def test_update_one_occurrence_leaves_the_others(community, host):
    series = _weekly_series(community, host)
    first, second = series.meetings.order_by("starts_at")[:2]
    services.update_meeting(meeting=first, by=host, title="Special edition")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.detached) == ("Special edition", True)
    assert second.title == "Weekly sync"


def test_update_occurrence_agenda_only_keeps_it_in_the_series(community, host):
    series = _weekly_series(community, host)
    first = series.meetings.order_by("starts_at").first()
    services.update_meeting(meeting=first, by=host, agenda="Bring one alert to delete.")
    first.refresh_from_db()
    assert (first.detached, first.sequence) == (False, 1)


def test_time_change_notice_names_the_time_in_each_recipients_zone(meeting, host, community):
    tokyo = make_member(community, timezone="Asia/Tokyo")
    services.rsvp(meeting=meeting, user=tokyo, answer=GOING)
    start = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
    services.update_meeting(
        meeting=meeting, by=host, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    title = Notification.objects.get(recipient=tokyo).title
    assert title.endswith("it now starts Mon 6 Jan 2031, 18:00 (Asia/Tokyo)")


def test_update_following_changes_this_and_later_but_not_earlier_or_detached(community, host):
    now = datetime(2027, 3, 1, 8, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        series = _weekly_series(community, host, now=now)
        meetings = list(series.meetings.order_by("starts_at"))
        services.update_meeting(meeting=meetings[4], by=host, title="Own title")
        services.update_following(
            meeting=meetings[2], by=host, title="Renamed", start_time=time(18, 30)
        )
    zone = ZoneInfo("Europe/Berlin")
    after = {m.pk: m for m in series.meetings.all()}
    assert after[meetings[1].pk].title == "Weekly sync"
    assert after[meetings[1].pk].starts_at.astimezone(zone).time() == time(17, 0)
    for m in meetings[2:4] + meetings[5:]:
        fresh = after[m.pk]
        assert fresh.title == "Renamed"
        assert fresh.starts_at.astimezone(zone).time() == time(18, 30)  # also after DST
        assert fresh.ends_at - fresh.starts_at == timedelta(hours=1)
        assert fresh.sequence == m.sequence + 1
    assert after[meetings[4].pk].title == "Own title"
    series.refresh_from_db()
    assert (series.title, series.start_time) == ("Renamed", time(18, 30))
    # Occurrences made later follow the series.
    later = now + timedelta(days=30)
    services.expand_series(series=series, now=later)
    newest = series.meetings.order_by("-starts_at").first()
    assert (newest.title, newest.starts_at.astimezone(zone).time()) == ("Renamed", time(18, 30))


def test_tend_series_asks_hosts_once_as_horizon_nears_then_lapses(community, host):
    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    series = _weekly_series(community, host, now=now)
    assert series.confirmed_until == date(2027, 7, 3)

    assert services.tend_series(series=series, now=now + timedelta(days=30)) == "extended"
    assert _kinds(host) == []
    asked_at = now + timedelta(days=77)  # horizon reaches 14 days before 3 July
    assert services.tend_series(series=series, now=asked_at - timedelta(days=2)) != "asked"
    assert services.tend_series(series=series, now=asked_at) == "asked"
    assert services.tend_series(series=series, now=asked_at + timedelta(days=1)) != "asked"
    assert _kinds(host) == [NotificationKind.SERIES_CONFIRM]

    assert services.tend_series(series=series, now=asked_at + timedelta(days=28)) == "lapsed"
    series.refresh_from_db()
    assert series.status == SeriesStatus.LAPSED
    last_before = series.meetings.order_by("-starts_at").first().starts_at
    assert services.expand_series(series=series, now=now + timedelta(days=120)) == 0
    assert series.meetings.order_by("-starts_at").first().starts_at == last_before
    assert last_before.date() <= date(2027, 7, 3)


def test_confirm_series_revives_a_lapsed_series_and_extends_it(community, host):
    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    series = _weekly_series(community, host, now=now)
    services.tend_series(series=series, now=now + timedelta(days=80))
    assert services.tend_series(series=series, now=now + timedelta(days=110)) == "lapsed"
    later = now + timedelta(days=112)
    series = services.confirm_series(series=series, by=host, now=later)
    assert series.status == SeriesStatus.ACTIVE
    assert series.confirmed_until == later.date() + timedelta(days=180)
    assert series.meetings.filter(starts_at__gt=later + timedelta(days=80)).exists()


def test_end_series_cancels_future_occurrences(community, host, member):
    series = _weekly_series(community, host)
    first = series.meetings.order_by("starts_at").first()
    services.rsvp(meeting=first, user=member, answer=GOING)
    services.end_series(series=series, by=host)
    assert not series.meetings.filter(status=MeetingStatus.SCHEDULED).exists()
    assert services.expand_series(series=series) == 0
    assert _kinds(member) == [NotificationKind.MEETING_CHANGED]


# --- agenda --------------------------------------------------------------------------------


def test_propose_agenda_item_records_participation(meeting, member):
    item = services.propose_agenda_item(meeting=meeting, by=member, title="  Flaky   alerts ")
    assert item.title == "Flaky alerts"
    event = ParticipationEvent.objects.get(membership__user=member)
    assert (event.kind, event.subject_id) == (ParticipationKind.PROPOSED_AGENDA_ITEM, item.pk)


def test_vote_agenda_item_counts_once_per_person_and_can_be_taken_back(meeting, member, host):
    item = services.propose_agenda_item(meeting=meeting, by=member, title="Runbooks")
    assert services.vote_agenda_item(item=item, user=member) == 1
    assert services.vote_agenda_item(item=item, user=member) == 1
    assert services.vote_agenda_item(item=item, user=host) == 2
    assert services.vote_agenda_item(item=item, user=member, vote=False) == 1


def test_accept_and_order_agenda_items(meeting, member, host):
    a, b, c = (services.propose_agenda_item(meeting=meeting, by=member, title=t) for t in "ABC")
    for item in (a, b, c):
        services.set_agenda_item_status(item=item, by=host, status=AgendaItemStatus.ACCEPTED)
    services.move_agenda_item(item=c, by=host, up=True)
    services.move_agenda_item(item=a, by=host, up=False)
    order = list(
        meeting.agenda_items.filter(status=AgendaItemStatus.ACCEPTED).values_list(
            "title", flat=True
        )
    )
    assert order == ["C", "A", "B"]


def test_decline_agenda_item(meeting, member, host):
    item = services.propose_agenda_item(meeting=meeting, by=member, title="Off topic")
    services.set_agenda_item_status(item=item, by=host, status=AgendaItemStatus.DECLINED)
    item.refresh_from_db()
    assert item.status == AgendaItemStatus.DECLINED
    with pytest.raises(ValidationError, match="Only accepted"):
        services.move_agenda_item(item=item, by=host, up=True)


# --- attendance and notes -------------------------------------------------------------------


def test_mark_attendance_records_participation_and_walk_ins(meeting, host, community):
    came, walked_in, absent = (make_member(community) for _ in range(3))
    services.rsvp(meeting=meeting, user=came, answer=GOING)
    services.rsvp(meeting=meeting, user=absent, answer=GOING)
    with time_machine.travel(meeting.ends_at + timedelta(minutes=5)):
        rows = services.mark_attendance(
            meeting=meeting, by=host, attendees=[came], walk_ins=[walked_in]
        )
    assert {(r.user_id, r.walk_in) for r in rows} == {(came.pk, False), (walked_in.pk, True)}
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    events = set(
        ParticipationEvent.objects.filter(subject_id=meeting.pk)
        .exclude(kind=ParticipationKind.RSVPED)
        .values_list("membership__user_id", "kind")
    )
    assert events == {
        (came.pk, ParticipationKind.ATTENDED_MEETING),
        (walked_in.pk, ParticipationKind.ATTENDED_MEETING),
        (host.pk, ParticipationKind.HOSTED_MEETING),
    }


def test_mark_attendance_again_replaces_the_list(meeting, host, community):
    a, b = make_member(community), make_member(community)
    with time_machine.travel(meeting.ends_at + timedelta(minutes=5)):
        services.mark_attendance(meeting=meeting, by=host, attendees=[a, b])
        services.mark_attendance(meeting=meeting, by=host, attendees=[b])
    assert list(meeting.attendances.values_list("user_id", flat=True)) == [b.pk]
    # The one taken off the list no longer has the attendance counted.
    attended = ParticipationEvent.objects.filter(
        subject_id=meeting.pk, kind=ParticipationKind.ATTENDED_MEETING
    ).values_list("membership__user_id", flat=True)
    assert list(attended) == [b.pk]
    assert a.memberships.get().score == 0


def test_mark_attendance_before_start_is_refused(meeting, host, member):
    with pytest.raises(ValidationError, match="once the meeting has started"):
        services.mark_attendance(meeting=meeting, by=host, attendees=[member])


def test_mark_attendance_of_outsider_is_refused(meeting, host):
    with (
        time_machine.travel(meeting.ends_at + timedelta(minutes=5)),
        pytest.raises(ValidationError, match="Only members"),
    ):
        services.mark_attendance(meeting=meeting, by=host, attendees=[UserFactory()])


def test_write_notes_saves_markdown(meeting, host):
    services.write_notes(meeting=meeting, by=host, notes="# What we learned")
    meeting.refresh_from_db()
    assert meeting.notes == "# What we learned"
    assert meeting.notes_updated_at is not None


# --- reminders -----------------------------------------------------------------------------


def test_reminder_offsets_parse_the_community_setting(community):
    community.reminder_offsets_hours = "1, 24,x,0,999,24"
    assert services.reminder_offsets(community) == [24, 1]


def test_send_due_reminders_sends_each_kind_once_to_going_members(meeting, community):
    going, maybe = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=going, answer=GOING)
    services.rsvp(meeting=meeting, user=maybe, answer=MAYBE)
    day_before = meeting.starts_at - timedelta(hours=23)
    assert services.send_due_reminders(now=meeting.starts_at - timedelta(hours=30)) == 0
    assert services.send_due_reminders(now=day_before) == 1
    assert services.send_due_reminders(now=day_before + timedelta(minutes=5)) == 0
    hour_before = meeting.starts_at - timedelta(minutes=50)
    assert services.send_due_reminders(now=hour_before) == 1
    assert services.send_due_reminders(now=hour_before) == 0
    assert sorted(
        ReminderDelivery.objects.filter(meeting=meeting).values_list("user_id", "kind")
    ) == [(going.pk, "1h"), (going.pk, "24h")]
    assert _kinds(going) == [NotificationKind.MEETING_REMINDER] * 2
    assert _kinds(maybe) == []


def test_send_due_reminders_include_maybe_when_the_meeting_asks(meeting, host, community):
    maybe = make_member(community)
    services.rsvp(meeting=meeting, user=maybe, answer=MAYBE)
    soon = meeting.starts_at - timedelta(minutes=30)
    assert services.send_due_reminders(now=soon) == 0
    services.update_meeting(meeting=meeting, by=host, remind_maybe=True)
    assert services.send_due_reminders(now=soon) == 1
    assert _kinds(maybe) == [NotificationKind.MEETING_REMINDER]


def test_series_passes_remind_maybe_to_its_meetings(community, host):
    series = _weekly_series(community, host, remind_maybe=True)
    assert set(series.meetings.values_list("remind_maybe", flat=True)) == {True}


def test_send_due_reminders_skips_cancelled_and_waitlisted(meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    first, waiting = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=first, answer=GOING)
    services.rsvp(meeting=meeting, user=waiting, answer=GOING)
    assert services.send_due_reminders(now=meeting.starts_at - timedelta(hours=2)) == 1
    assert _kinds(waiting) == []
    services.cancel_meeting(meeting=meeting, by=host)
    assert services.send_due_reminders(now=meeting.starts_at - timedelta(minutes=30)) == 0


def test_send_reminder_claimed_row_blocks_a_second_send(meeting, member):
    assert services.send_reminder(meeting=meeting, user=member, kind="24h") is True
    assert services.send_reminder(meeting=meeting, user=member, kind="24h") is False
    assert Notification.objects.filter(recipient=member).count() == 1


# --- feed tokens ----------------------------------------------------------------------------


def test_revoke_feed_token_replaces_it(member):
    old = services.feed_token_for(user=member).token
    assert services.feed_token_for(user=member).token == old
    new = services.revoke_feed_token(user=member).token
    assert new != old and len(new) >= 40


def test_meeting_factory_future_meeting_is_scheduled():
    meeting = MeetingFactory()
    assert Meeting.objects.get().status == MeetingStatus.SCHEDULED
    assert meeting.starts_at > timezone.now()


def test_pending_member_cannot_rsvp(meeting, community):
    pending = UserFactory()
    MembershipFactory(community=community, user=pending, status=MembershipStatus.PENDING)
    with pytest.raises(ValidationError, match="Only members"):
        services.rsvp(meeting=meeting, user=pending, answer=GOING)


def test_rsvp_going_or_maybe_is_a_first_step_worth_no_points(meeting, community):
    member = make_member(community)
    services.rsvp(meeting=meeting, user=member, answer=GOING)
    services.rsvp(meeting=meeting, user=member, answer=RSVPAnswer.MAYBE)
    event = ParticipationEvent.objects.get(kind=ParticipationKind.RSVPED)
    assert (event.membership.user_id, event.weight) == (member.pk, 0)


def test_problem_proposed_for_agenda_once_and_linked(meeting, community, client):

    member = make_member(community)
    problem = ask_problem(
        community=community, author=member, title="Flaky DNS", context="It flaps.", tried=""
    )
    item = services.propose_agenda_item(meeting=meeting, by=member, problem=problem)
    assert (item.title, item.problem) == ("Flaky DNS", problem)
    with pytest.raises(ValidationError, match="already proposed"):
        services.propose_agenda_item(meeting=meeting, by=member, problem=problem)
    client.force_login(member)
    page = client.get(problem.get_absolute_url())
    assert b"Propose for the agenda" in page.content
    detail = client.get(meeting.get_absolute_url())
    assert problem.get_absolute_url().encode() in detail.content


def test_propose_problem_through_page(meeting, community, client):

    member = make_member(community)
    problem = ask_problem(
        community=community, author=member, title="Slow deploys", context="Why?", tried=""
    )
    client.force_login(member)
    response = client.post(
        f"/c/{community.slug}/meetings/agenda/problem/",
        {"problem": problem.pk, "meeting": meeting.pk},
    )
    assert response.status_code == 302
    assert meeting.agenda_items.get().problem == problem


def test_mentions_in_meeting_texts_notify_once(meeting, host, community):

    mira = make_member(community, email="mira@example.org")
    services.update_meeting(meeting=meeting, by=host, description="Bring slides, @mira")
    services.update_meeting(meeting=meeting, by=host, description="Bring slides, @mira!")
    with time_machine.travel(meeting.ends_at + timedelta(minutes=5)):
        services.write_notes(meeting=meeting, by=host, notes="Thanks @mira for the demo")
    mentions = Notification.objects.filter(recipient=mira, kind=NotificationKind.MENTION)
    assert mentions.count() == 2
