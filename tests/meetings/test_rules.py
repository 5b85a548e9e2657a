from datetime import time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cop.enums import MembershipStatus, Role, Visibility
from meetings import rules as meeting_rules
from meetings.enums import MeetingStatus
from meetings.rules import can_manage_series
from meetings.services import create_series
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_meeting(host):
    community = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    return MeetingFactory(community=community, hosts=[host])


def test_can_view_meeting_public_to_anyone(meeting):
    assert meeting_rules.can_view_meeting(AnonymousUser(), meeting)
    assert meeting_rules.can_view_meeting(UserFactory(), meeting)


def test_can_view_meeting_private_only_to_active_members(private_meeting, host):
    assert meeting_rules.can_view_meeting(host, private_meeting)
    assert not meeting_rules.can_view_meeting(UserFactory(), private_meeting)
    assert not meeting_rules.can_view_meeting(AnonymousUser(), private_meeting)
    leaver = make_member(private_meeting.community)
    leaver.memberships.update(status=MembershipStatus.LEFT)
    assert not meeting_rules.can_view_meeting(leaver, private_meeting)


def test_can_rsvp_active_members_of_scheduled_meetings_only(meeting, member, community):
    assert meeting_rules.can_rsvp(member, meeting)
    assert not meeting_rules.can_rsvp(UserFactory(), meeting)
    assert not meeting_rules.can_rsvp(AnonymousUser(), meeting)
    meeting.status = MeetingStatus.CANCELLED
    assert not meeting_rules.can_rsvp(member, meeting)


def test_can_rsvp_not_pending_member(meeting, community):
    pending = make_member(community)
    pending.memberships.update(status=MembershipStatus.PENDING)
    assert not meeting_rules.can_rsvp(pending, meeting)


def test_is_host_only_hosts_who_are_still_members(meeting, host, member):
    assert meeting_rules.is_host(host, meeting)
    assert not meeting_rules.is_host(member, meeting)
    assert not meeting_rules.is_host(AnonymousUser(), meeting)
    host.memberships.update(status=MembershipStatus.REMOVED)
    fresh = UserFactory._meta.model.objects.get(pk=host.pk)
    assert not meeting_rules.is_host(fresh, meeting)


def test_can_manage_meeting_hosts_and_coordinators(meeting, member, community):
    other_coordinator = make_member(community, role=Role.COORDINATOR)
    plain_host = make_member(community)
    meeting.hosts.add(plain_host)
    assert meeting_rules.can_manage_meeting(other_coordinator, meeting)
    assert meeting_rules.can_manage_meeting(plain_host, meeting)
    assert not meeting_rules.can_manage_meeting(member, meeting)
    assert not meeting_rules.can_manage_meeting(UserFactory(), meeting)


def test_can_schedule_meeting_coordinators_only(community, host, member):
    assert meeting_rules.can_schedule_meeting(host, community)
    assert not meeting_rules.can_schedule_meeting(member, community)
    assert not meeting_rules.can_schedule_meeting(AnonymousUser(), community)


def test_can_propose_and_vote_members_only(meeting, member):
    assert meeting_rules.can_propose_agenda_item(member, meeting)
    assert meeting_rules.can_vote_agenda_item(member, meeting)
    outsider = UserFactory()
    assert not meeting_rules.can_propose_agenda_item(outsider, meeting)
    assert not meeting_rules.can_vote_agenda_item(outsider, meeting)


def test_permissions_registered_for_has_perm(meeting, member):
    assert member.has_perm("meetings.rsvp", meeting)
    assert not member.has_perm("meetings.change_meeting", meeting)


def test_can_manage_series_hosts_and_coordinators_only(community, host, member, coordinator):

    series = create_series(
        community=community,
        by=host,
        title="Rhythm",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_on=timezone.localdate() + timedelta(days=2),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        horizon_days=14,
    )
    assert can_manage_series(host, series)
    assert can_manage_series(coordinator, series)
    assert not can_manage_series(member, series)
