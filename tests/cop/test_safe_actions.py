"""Consequential actions ask first (a page that works without JavaScript), soft deletions
and removals can be undone for a few minutes, and coordinators see an audit log."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cop.enums import AuditAction, MembershipStatus, Role
from cop.models import AuditEntry, Membership
from knowledge.enums import EntryStatus
from knowledge.models import PracticeEntry, Problem, Reply, Story
from meetings import services as meeting_services
from meetings.enums import SeriesStatus
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    coordinator = UserFactory(display_name="Coco")
    community = CommunityFactory(coordinator=coordinator)
    client.force_login(coordinator)
    return {"community": community, "coordinator": coordinator}


def _asks_first(client, address):
    page = client.get(address)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html and "Cancel" in html
    return html


def test_deleting_asks_first_then_offers_undo(client, world):
    community = world["community"]
    author = make_member(community)
    problem = ProblemFactory(community=community, author=author)
    items = {
        "story": StoryFactory(community=community, author=author),
        "problem": problem,
        "reply": ReplyFactory(problem=ProblemFactory(community=community), author=author),
        "entry": PracticeEntryFactory(community=community, author=author),
    }
    models = {"story": Story, "problem": Problem, "reply": Reply, "entry": PracticeEntry}
    client.force_login(author)
    for kind, item in items.items():
        address = reverse(f"knowledge:{kind}_delete", args=[community.slug, item.pk])
        _asks_first(client, address)
        assert models[kind].objects.get(pk=item.pk).deleted_at is None, kind  # GET did nothing
        response = client.post(address, follow=True)
        assert models[kind].objects.get(pk=item.pk).deleted_at is not None, kind
        html = response.content.decode()
        restore = reverse(f"knowledge:{kind}_restore", args=[community.slug, item.pk])
        assert f'action="{restore}"' in html and ">Undo<" in html, kind
        client.post(restore)
        assert models[kind].objects.get(pk=item.pk).deleted_at is None, kind
    actions = list(AuditEntry.objects.filter(community=community).values_list("action", flat=True))
    assert actions.count(AuditAction.ITEM_DELETED) == 4
    assert actions.count(AuditAction.ITEM_RESTORED) == 4


def test_undo_is_for_a_few_minutes_only(client, world):
    community = world["community"]
    author = make_member(community)
    story = StoryFactory(community=community, author=author)
    client.force_login(author)
    client.post(reverse("knowledge:story_delete", args=[community.slug, story.pk]))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        client.post(reverse("knowledge:story_restore", args=[community.slug, story.pk]))
    story.refresh_from_db()
    assert story.deleted_at is not None


def test_removing_a_member_asks_first_and_can_be_undone(client, world):
    community = world["community"]
    member = make_member(community, display_name="Mo")
    membership = Membership.objects.get(user=member, community=community)
    membership.role = Role.COORDINATOR
    membership.save()
    address = reverse("member_action", args=[community.slug, membership.pk, "remove"])
    assert "Remove Mo from" in _asks_first(client, address)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    response = client.post(address, follow=True)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REMOVED
    undo = reverse("member_action", args=[community.slug, membership.pk, "undo_remove"])
    assert f'action="{undo}"' in response.content.decode()
    client.post(undo)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.role == Role.COORDINATOR  # back as they were

    client.post(address)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        client.post(undo)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REMOVED


def test_demoting_asks_first_also_on_oneself(client, world):
    community, coordinator = world["community"], world["coordinator"]
    other = make_member(community, role=Role.COORDINATOR, display_name="Oli")
    mine = Membership.objects.get(user=coordinator, community=community)
    theirs = Membership.objects.get(user=other, community=community)
    members = client.get(reverse("community_members", args=[community.slug])).content.decode()
    assert "Make member" not in members
    assert "Step down as coordinator" in members and "Remove coordinator role" in members
    html = _asks_first(client, reverse("member_action", args=[community.slug, mine.pk, "demote"]))
    assert "Step down as coordinator of" in html
    html = _asks_first(client, reverse("member_action", args=[community.slug, theirs.pk, "demote"]))
    assert "Remove Oli&#x27;s coordinator role?" in html
    mine.refresh_from_db()
    assert mine.role == Role.COORDINATOR


def test_archiving_asks_first(client, world):
    community = world["community"]
    entry = PracticeEntryFactory(community=community, author=world["coordinator"])
    page = client.get(entry.get_absolute_url()).content.decode()
    address = reverse("knowledge:entry_status", args=[community.slug, entry.pk])
    assert f'href="{address}?to=archived"' in page
    html = _asks_first(client, address + "?to=archived")
    assert 'name="to" value="archived"' in html
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED
    client.post(address, {"to": "archived"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ARCHIVED


def test_ending_a_series_asks_first(client, world):
    community, coordinator = world["community"], world["coordinator"]
    series = meeting_services.create_series(
        community=community, by=coordinator, title="Weekly", rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_on=date.today(), start_time=time(17, 0), duration_minutes=60,
        timezone_name="Europe/Berlin", hosts=[coordinator],
    )  # fmt: skip
    address = reverse("meetings:series_end", args=[community.slug, series.pk])
    assert f'href="{address}"' in client.get(series.get_absolute_url()).content.decode()
    assert "future meetings are cancelled" in _asks_first(client, address)
    series.refresh_from_db()
    assert series.status == SeriesStatus.ACTIVE
    client.post(address)
    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert AuditEntry.objects.filter(action=AuditAction.SERIES_ENDED).count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.MEETING_CANCELLED).exists()


def test_audit_log_for_coordinators_only(client, world):
    community = world["community"]
    member = make_member(community, display_name="Mo")
    membership = Membership.objects.get(user=member, community=community)
    client.post(reverse("member_action", args=[community.slug, membership.pk, "remove"]))
    page = client.get(reverse("community_audit", args=[community.slug]))
    html = page.content.decode()
    assert "Removed a member" in html and "Mo" in html and "Coco" in html
    client.force_login(make_member(community))
    assert client.get(reverse("community_audit", args=[community.slug])).status_code == 403
