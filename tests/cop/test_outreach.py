"""Outreach: the quiet-members list (stored columns, bounded pages) and personal notes."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cop.enums import NotificationKind, ParticipationKind
from cop.models import Membership, Notification
from cop.services import outreach
from cop.services.participation import record_participation
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    return coordinator, community


def test_record_participation_keeps_last_active_at(world):
    _, community = world
    member = make_member(community)
    record_participation(kind=ParticipationKind.TOLD_STORY, user=member, community=community)
    assert Membership.objects.get(user=member, community=community).last_active_at is not None


def test_quiet_members_lists_the_quiet_and_not_the_active(world):
    _, community = world
    with time_machine.travel(timezone.now() - timedelta(days=90)):
        quiet = make_member(community)
        active = make_member(community)
    record_participation(kind=ParticipationKind.TOLD_STORY, user=active, community=community)
    make_member(community)  # joined today: not quiet yet
    members, more = outreach.quiet_members(community=community, days=30)
    assert {m.user_id for m in members} == {quiet.pk}
    assert more is None


def test_quiet_members_bounds_days(world):
    _, community = world
    with pytest.raises(ValidationError):
        outreach.quiet_members(community=community, days=3)
    with pytest.raises(ValidationError):
        outreach.quiet_members(community=community, days=1000)


def test_quiet_members_pages_by_keyset(world):
    _, community = world
    with time_machine.travel(timezone.now() - timedelta(days=90)):
        for _ in range(outreach.PAGE_SIZE + 3):
            make_member(community)
    first, after = outreach.quiet_members(community=community, days=30)
    assert len(first) == outreach.PAGE_SIZE and after is not None
    rest, end = outreach.quiet_members(community=community, days=30, after=after)
    assert end is None
    # The coordinator joined 90 days ago too? No: today. So 53 quiet members in all.
    assert len(first) + len(rest) == outreach.PAGE_SIZE + 3


def test_send_personal_note_notifies_and_limits(world, django_capture_on_commit_callbacks):
    coordinator, community = world
    member = make_member(community)
    outreach.send_personal_note(community=community, by=coordinator, recipient=member, body="Hi!")
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == NotificationKind.PERSONAL_NOTE
    assert notification.body == "Hi!"
    assert member.email not in notification.title
    with pytest.raises(ValidationError, match="already wrote"):
        outreach.send_personal_note(
            community=community, by=coordinator, recipient=member, body="Again"
        )
    with pytest.raises(ValidationError):
        outreach.send_personal_note(
            community=community, by=coordinator, recipient=coordinator, body="Me"
        )
    with pytest.raises(ValidationError):
        outreach.send_personal_note(
            community=community, by=coordinator, recipient=make_member(community), body=" \x00 "
        )
    with pytest.raises(ValidationError):
        outreach.send_personal_note(
            community=community, by=coordinator, recipient=UserFactory(), body="Outsider"
        )


def test_outreach_page_query_count_is_fixed(world, client, django_assert_num_queries):
    coordinator, community = world
    client.force_login(coordinator)
    url = reverse("outreach", kwargs={"slug": community.slug})
    with time_machine.travel(timezone.now() - timedelta(days=90)):
        make_member(community)
    client.get(url)  # warm caches (session, content types)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    with time_machine.travel(timezone.now() - timedelta(days=90)):
        for _ in range(20):
            make_member(community)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count("Send a note") == 21
    assert "@example.org" not in response.content.decode()


def test_outreach_page_refuses_members(world, client):
    _, community = world
    client.force_login(make_member(community))
    response = client.get(reverse("outreach", kwargs={"slug": community.slug}))
    assert response.status_code == 403


def test_personal_note_page_sends(world, client):
    coordinator, community = world
    member = make_member(community)
    membership = Membership.objects.get(user=member, community=community)
    client.force_login(coordinator)
    url = reverse("personal_note", kwargs={"slug": community.slug, "membership_id": membership.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "How are you?"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member, kind="personal_note").exists()
    response = client.post(url, {"body": "x" * 5000})
    assert response.status_code == 200
