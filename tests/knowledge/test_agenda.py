"""Agenda suggestions on constructed data whose ranking is known by hand, accepting one
from the page and the API, the page's fixed query count, and privacy: only the
meeting's own community's visible items, only for its hosts and coordinators."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Role, Visibility
from cop.extensions import agenda_suggestions
from knowledge.agenda import suggest_agenda, topic_trends, trend_ratio
from knowledge.enums import EntryStatus, ProblemStatus
from meetings.enums import AgendaItemStatus
from meetings.models import AgendaItem, AgendaVote
from tests.browser.utils import log_in
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    TagFactory,
    make_member,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _ago(days):
    return NOW - timedelta(days=days)


def _world():
    """Hand-ranked (scores in brackets):

    - votes: "Secrets in CI" proposed for a meeting 10 days ago, 2 votes, never taken up
      [3 + 2 = 5];
    - unanswered: "Disk full at night" open 14 days without a reply [2 + min(14/7, 2) =
      4], "Slow restores" 5 days [2 + 5/7 = 2.714]; "Brand new" 1 day: too young;
    - trending "Testing": 3 stories in the last 30 days, 3 in the 90 days before:
      (3/30) / (3/90) = 3 times the rate [2 + 3/4 = 2.75]; "Backups": 1 recent: too few;
    - gap "Networking": a solved problem, no validated practice [2.0].
    A hidden problem, a deleted one, a draft practice and another (private) community's
    problem are never suggested.
    """
    community = CommunityFactory(slug="sre")
    host = make_member(community, role=Role.COORDINATOR, display_name="Hosta")
    member = make_member(community, display_name="Mem")
    testing = TagFactory(community=community, name="Testing", slug="testing")
    backups = TagFactory(community=community, name="Backups", slug="backups")
    networking = TagFactory(community=community, name="Networking", slug="networking")
    rosa = make_member(community)
    rosa.memberships.get().recognised_expertise.add(networking)

    earlier = MeetingFactory(community=community, title="June meetup", starts_at=_ago(10))
    item = AgendaItem.objects.create(meeting=earlier, title="Secrets in CI", proposed_by=member)
    AgendaVote.objects.create(item=item, user=member)
    AgendaVote.objects.create(item=item, user=host)
    AgendaItem.objects.create(meeting=earlier, title="Nobody voted", proposed_by=member)

    ProblemFactory(community=community, title="Disk full at night", created_at=_ago(14))
    ProblemFactory(community=community, title="Slow restores", created_at=_ago(5))
    ProblemFactory(community=community, title="Brand new", created_at=_ago(1))
    ProblemFactory(
        community=community, title="Hidden by moderation", created_at=_ago(20), hidden_at=NOW
    )
    ProblemFactory(community=community, title="Deleted one", created_at=_ago(20), deleted_at=NOW)
    solved = ProblemFactory(
        community=community, title="VLAN trouble", created_at=_ago(20), status=ProblemStatus.SOLVED
    )
    solved.tags.set([networking])
    ReplyFactory(problem=solved, created_at=_ago(19), is_solution=True)
    for days in (5, 10, 20, 40, 60, 100):
        StoryFactory(community=community, created_at=_ago(days)).tags.set([testing])
    StoryFactory(community=community, created_at=_ago(3)).tags.set([backups])
    for days in (2, 3, 4):  # drafts are not counted: "Backups" stays under the minimum
        PracticeEntryFactory(
            community=community, status=EntryStatus.DRAFT, created_at=_ago(days)
        ).tags.set([backups])

    secret = CommunityFactory(
        slug="secret", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.INVITATION
    )
    ProblemFactory(community=secret, title="Private unanswered", created_at=_ago(30))
    meeting = MeetingFactory(
        community=community, title="July meetup", starts_at=NOW + timedelta(days=7), hosts=[host]
    )
    return community, host, member, meeting


@pytest.mark.django_db
def test_suggestions_are_ranked_as_worked_out_by_hand():
    _community, host, _member, meeting = _world()
    with time_machine.travel(NOW, tick=False):
        found = suggest_agenda(user=host, meeting=meeting)
    found.sort(key=lambda s: -s.score)
    assert [(s.kind, s.title, round(s.score, 3)) for s in found] == [
        ("votes", "Secrets in CI", 5),
        ("unanswered", "Disk full at night", 4),
        ("trending", "What is new on “Testing”", 2.75),
        ("unanswered", "Slow restores", 2.714),
        ("gap", "A practice for “Networking”", 2.0),
    ]
    reasons = {s.title: s.reason for s in found}
    assert reasons["Secrets in CI"] == (
        "2 members voted for it for “June meetup”, and it was not taken up."
    )
    assert reasons["Disk full at night"] == "Asked 14 days ago and nobody has answered yet."
    assert reasons["What is new on “Testing”"] == (
        "Rising: 3 new problems, stories and practices in the last 30 days, against 3 in "
        "the 90 days before (about 1.0 a month then)."
    )
    assert reasons["A practice for “Networking”"] == (
        "1 solved problems, no validated practice on the topic."
    )


@pytest.mark.django_db
def test_trend_counts_and_rule():
    community, *_rest = _world()
    trends = topic_trends(community, NOW)
    testing = community.tags.get(slug="testing")
    backups = community.tags.get(slug="backups")
    assert trends[testing.pk] == (3, 3)
    assert trends[backups.pk] == (1, 0)
    assert trend_ratio(3, 3) == pytest.approx(3.0)
    assert trend_ratio(3, 5) is None  # 1.8 times: under the ratio
    assert trend_ratio(2, 0) is None  # too few recent items
    assert trend_ratio(3, 0) == 4.0


@pytest.mark.django_db
def test_what_is_on_the_agenda_is_not_suggested_again():
    _community, host, member, meeting = _world()
    AgendaItem.objects.create(meeting=meeting, title="secrets in ci", proposed_by=member)
    disk = meeting.community.problems.get(title="Disk full at night")
    AgendaItem.objects.create(meeting=meeting, title="Our disks", problem=disk, proposed_by=member)
    with time_machine.travel(NOW, tick=False):
        titles = {s.title for s in suggest_agenda(user=host, meeting=meeting)}
    assert "Secrets in CI" not in titles and "Disk full at night" not in titles
    assert "Slow restores" in titles


@pytest.mark.django_db
def test_private_content_never_reaches_a_non_member():
    _community, host, _member, meeting = _world()
    secret = meeting.community.__class__.objects.get(slug="secret")
    secret_meeting = MeetingFactory(community=secret, starts_at=NOW + timedelta(days=3))
    with time_machine.travel(NOW, tick=False):
        mine = agenda_suggestions(user=host, meeting=meeting)
        theirs = suggest_agenda(user=host, meeting=secret_meeting)
    assert all("Private" not in s.title for s in mine)
    assert all("Hidden" not in s.title and "Deleted" not in s.title for s in mine)
    assert theirs == []  # not a member of the private community: nothing at all


@pytest.mark.django_db
def test_page_accepts_a_suggestion_linked_to_its_problem(client):
    community, host, member, meeting = _world()
    url = reverse(
        "meetings:agenda_suggestions", kwargs={"slug": community.slug, "meeting_id": meeting.pk}
    )
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(host)
    with time_machine.travel(NOW, tick=False):
        html = client.get(url).content.decode()
        assert "Asked 14 days ago and nobody has answered yet." in html
        disk = community.problems.get(title="Disk full at night")
        response = client.post(url, {"key": f"problem:{disk.pk}"})
        assert response.status_code == 302
        item = meeting.agenda_items.get()
        assert (item.title, item.problem, item.status) == (
            "Disk full at night",
            disk,
            AgendaItemStatus.ACCEPTED,
        )
        assert "nobody has answered yet" in item.details
        assert disk.get_absolute_url() in item.details
        html = client.get(url).content.decode()
        assert "Asked 14 days ago" not in html
        response = client.post(url, {"key": "problem:999999"}, follow=True)
        assert "That suggestion is no longer offered." in response.content.decode()
        assert meeting.agenda_items.count() == 1


@pytest.mark.django_db
def test_page_in_fixed_queries_and_empty_state(client, django_assert_max_num_queries):
    community = CommunityFactory()
    host = make_member(community, role=Role.COORDINATOR)
    meeting = MeetingFactory(community=community, starts_at=NOW + timedelta(days=2), hosts=[host])
    url = reverse(
        "meetings:agenda_suggestions", kwargs={"slug": community.slug, "meeting_id": meeting.pk}
    )
    client.force_login(host)
    with time_machine.travel(NOW, tick=False):
        client.get(url)
        with django_assert_max_num_queries(24):
            html = client.get(url).content.decode()
        assert "Nothing to suggest right now" in html
        for n in range(8):
            ProblemFactory(community=community, created_at=_ago(10 + n))
            tag = TagFactory(community=community)
            for days in (1, 2, 3):
                StoryFactory(community=community, created_at=_ago(days)).tags.set([tag])
        with django_assert_max_num_queries(24):
            html = client.get(url).content.decode()
    assert html.count("Add to agenda") == 10


@pytest.mark.django_db
def test_api_lists_and_accepts_suggestions():
    community, host, member, meeting = _world()
    api = APIClient()
    url = f"/api/v1/meetings/{meeting.pk}/agenda/suggestions/"
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(member)
    assert api.get(url).status_code == 403
    outsider = make_member(CommunityFactory())
    secret = community.__class__.objects.get(slug="secret")
    secret_meeting = MeetingFactory(community=secret, starts_at=NOW + timedelta(days=3))
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/meetings/{secret_meeting.pk}/agenda/suggestions/").status_code == 404
    api.force_authenticate(host)
    with time_machine.travel(NOW, tick=False):
        body = api.get(url).json()
        assert body[0]["kind"] == "votes" and body[0]["title"] == "Secrets in CI"
        assert body[0]["reason"].startswith("2 members voted for it")
        trending = next(s for s in body if s["kind"] == "trending")
        response = api.post(url, {"key": trending["key"]}, format="json")
        assert response.status_code == 201
        assert response.json()["status"] == "accepted"
        assert api.post(url, {"key": trending["key"]}, format="json").status_code == 400
        assert api.post(url, {"key": "x" * 500}, format="json").status_code == 400


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_host_accepts_an_agenda_suggestion_in_the_browser(browser_page):
    page = browser_page
    community = CommunityFactory()
    host = make_member(community, role=Role.COORDINATOR)
    ProblemFactory(
        community=community,
        title="Backups fail every Sunday",
        created_at=timezone.now() - timedelta(days=10),
    )
    meeting = MeetingFactory(community=community, title="Monthly clinic", hosts=[host])
    log_in(page, host.email)
    page.goto(meeting.get_absolute_url())
    page.get_by_role("link", name="Suggestions for the agenda, with the reason for each").click()
    expect(page.get_by_text("Asked 10 days ago and nobody has answered yet.")).to_be_visible()
    page.get_by_role("button", name="Add “Backups fail every Sunday” to the agenda").click()
    expect(page.get_by_text("“Backups fail every Sunday” is on the agenda.")).to_be_visible()
    page.get_by_role("link", name="Monthly clinic").click()
    agenda = page.locator("#agenda ol.agenda-list")
    expect(agenda.get_by_role("strong")).to_have_text("Backups fail every Sunday")
    expect(agenda.get_by_role("link", name="(the problem)")).to_be_visible()
