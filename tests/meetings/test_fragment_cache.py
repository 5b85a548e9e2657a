"""Kept fragments of the Meetings tab (`meetings.listing`): every path that changes what
its rows and month grid show makes the next read fresh, the viewer's own answer is
theirs, a private meeting never reaches a viewer who may not see it through the cache,
a meeting that ends moves to the past list, and a failing cache is only slower."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cop.enums import Visibility
from cop.models import Membership
from cop.services import constellations
from cop.services.communities import update_community
from meetings import cohosts, services
from meetings.enums import RSVPAnswer
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def host():
    return UserFactory()


@pytest.fixture
def community(host):
    return CommunityFactory(name="SRE", slug="sre", coordinator=host)


@pytest.fixture
def meeting(community, host):
    return MeetingFactory(community=community, hosts=[host], title="Game day", capacity=10)


def _tab(client, community) -> str:
    response = client.get(reverse("meetings:community", args=[community.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _warm(client, community) -> str:
    """The page twice: the second read is served from what the first kept."""
    _tab(client, community)
    return _tab(client, community)


def test_schedule_edit_and_cancel_show_at_once(client, community, host, meeting):
    client.force_login(make_member(community))
    assert "Game day" in _warm(client, community)
    services.update_meeting(meeting=meeting, by=host, title="Chaos day")
    html = _tab(client, community)
    assert "Chaos day" in html and "Game day" not in html
    MeetingFactory(community=community, hosts=[host], title="Postmortem club")
    assert "Postmortem club" in _tab(client, community)
    services.cancel_meeting(meeting=meeting, by=host)
    assert "is-cancelled" in _tab(client, community)
    meeting.delete()
    assert "Chaos day" not in _tab(client, community)


def test_answers_show_their_count_and_the_viewers_own_answer(client, community, meeting):
    viewer, other = make_member(community), make_member(community)
    client.force_login(viewer)
    assert "0/10 going" in _warm(client, community)
    services.rsvp(meeting=meeting, user=other, answer=RSVPAnswer.GOING)
    html = _tab(client, community)
    assert "1/10 going" in html and "You're going" not in html  # another's answer
    services.rsvp(meeting=meeting, user=viewer, answer=RSVPAnswer.GOING)
    html = _tab(client, community)
    assert "2/10 going" in html and "You're going" in html
    services.rsvp(meeting=meeting, user=viewer, answer=RSVPAnswer.MAYBE)
    html = _tab(client, community)
    assert "1/10 going" in html and ">Maybe<" in html
    services.drop_rsvp(meeting=meeting, user=other)
    assert "0/10 going" in _tab(client, community)
    client.force_login(other)  # the same rows, another viewer: no answer of theirs
    html = _tab(client, community)
    assert ">Maybe<" not in html and "You're going" not in html


def test_a_meeting_that_ends_moves_to_the_past_and_attendance_shows(
    client, community, host, meeting
):
    member = make_member(community)
    client.force_login(member)
    _warm(client, community)
    with time_machine.travel(meeting.ends_at + timedelta(minutes=1)):
        html = _tab(client, community)
        assert "attendance not marked" in html
        services.mark_attendance(meeting=meeting, by=host, attendees=[member])
        assert "1 came" in _tab(client, community)


def test_a_deleted_account_leaves_the_counts(client, community, meeting):
    gone = make_member(community)
    services.rsvp(meeting=meeting, user=gone, answer=RSVPAnswer.GOING)
    client.force_login(make_member(community))
    assert "1/10 going" in _warm(client, community)
    gone.delete()
    assert "0/10 going" in _tab(client, community)


@pytest.fixture
def pair(community, host):
    other_host = UserFactory()
    other = CommunityFactory(name="Incidents", slug="incidents", coordinator=other_host)
    relation = constellations.request_relation(community=community, other=other, by=host)
    relation = constellations.accept_relation(relation=relation, by=other_host)
    return other, relation, other_host


def test_cohosts_relations_and_names_show_at_once(client, community, host, meeting, pair):
    other, relation, other_host = pair
    client.force_login(make_member(other))
    assert "Game day" not in _warm(client, other)
    cohosts.set_cohosts(meeting=meeting, communities=[other], by=host)
    assert "Game day" in _tab(client, other)
    client.force_login(make_member(community))
    assert "Incidents" in _warm(client, community)  # "Co-hosted with Incidents"
    update_community(community=other, by=other_host, name="Incident review")
    assert "Incident review" in _tab(client, community)
    constellations.end_relation(relation=relation, by=host, side=community)
    assert "Incident review" not in _tab(client, community)
    client.force_login(make_member(other))
    assert "Game day" not in _tab(client, other)


def test_a_private_meeting_never_reaches_an_outsider_through_the_cache(client):
    cp, cq = UserFactory(), UserFactory()
    vault = CommunityFactory(slug="vault", visibility=Visibility.PRIVATE, coordinator=cp)
    red = CommunityFactory(slug="red-team", visibility=Visibility.PRIVATE, coordinator=cq)
    Membership.objects.create(community=vault, user=cq, status="active")
    relation = constellations.request_relation(community=vault, other=red, by=cp)
    constellations.accept_relation(relation=relation, by=cq)
    secret = MeetingFactory(community=vault, hosts=[cp], title="Key ceremony")
    cohosts.set_cohosts(meeting=secret, communities=[red], by=cp)
    MeetingFactory(community=red, hosts=[cq], title="Tabletop")
    client.force_login(cq)  # sees the host: the co-hosted meeting is listed and kept
    html = _warm(client, red)
    assert "Key ceremony" in html and "Tabletop" in html
    newcomer = make_member(red)  # joined later: not a member of the host
    client.force_login(newcomer)
    html = _warm(client, red)
    assert "Tabletop" in html and "Key ceremony" not in html


def test_a_failing_cache_serves_fresh_pages(client, community, meeting, failing_cache):
    viewer = make_member(community)
    client.force_login(viewer)
    assert "Game day" in _tab(client, community)
    services.rsvp(meeting=meeting, user=viewer, answer=RSVPAnswer.GOING)  # bump fails: logged
    html = _tab(client, community)
    assert "1/10 going" in html and "You're going" in html


def _today_cell(html: str) -> str | None:
    found = re.search(r'class=" today">\s*<span class="num">(\d+)</span>', html)
    return found[1] if found else None


def test_the_month_grid_follows_edits_and_the_day(client, community, host, meeting):
    client.force_login(make_member(community))
    month = timezone.localtime(meeting.starts_at).strftime("%Y-%m")
    url = reverse("meetings:community", args=[community.slug]) + f"?month={month}"
    client.get(url)
    before = client.get(url).content.decode()
    assert "Game day" in before
    services.update_meeting(meeting=meeting, by=host, title="Chaos day")
    assert "Chaos day" in client.get(url).content.decode()
    with time_machine.travel(meeting.starts_at):  # a week later: another day is today
        after = client.get(url).content.decode()
    assert _today_cell(after) is not None
    assert _today_cell(after) != _today_cell(before)
