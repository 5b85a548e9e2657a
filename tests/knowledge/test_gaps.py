"""Knowledge gaps on constructed data whose answer is known by hand, the page (only for
coordinators, fixed queries) and a coordinator following a gap to its evidence."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cop.enums import Role
from knowledge.enums import EntryStatus, ProblemStatus
from knowledge.gaps import knowledge_gaps
from tests.browser.utils import log_in
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    TagFactory,
    make_member,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _problem(community, tag, *, days_ago, reply_after_hours=None, solved=False, by=None):
    created = NOW - timedelta(days=days_ago)
    problem = ProblemFactory(
        community=community,
        created_at=created,
        status=ProblemStatus.SOLVED if solved else ProblemStatus.OPEN,
    )
    problem.tags.set([tag])
    if reply_after_hours is not None:
        ReplyFactory(
            problem=problem,
            created_at=created + timedelta(hours=reply_after_hours),
            is_solution=solved,
            **({"author": by} if by else {}),
        )
    return problem


def _world():
    """Topic "Backups": 4 problems older than 7 days: replies after 2 h and 30 h, one
    after 10 days (late), one never (late): 2 of 4 late = 50 %, a gap; median first
    reply of the 3 answered = 30 h. Topic "Networking": 2 problems, both answered in an
    hour, one solved, no validated practice: a "no practice" gap, not "unanswered"; a
    coordinator recognised Rosa as its expert, so no "no expert" gap for it; Backups has
    no recognised expert. One validated practice past its review date."""
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR, display_name="Cora")
    helper = make_member(community, display_name="Hana Helper")
    rosa = make_member(community, display_name="Rosa")
    backups = TagFactory(community=community, name="Backups", slug="backups")
    networking = TagFactory(community=community, name="Networking", slug="networking")
    rosa.memberships.get().recognised_expertise.add(networking)
    _problem(community, backups, days_ago=20, reply_after_hours=2, by=helper)
    _problem(community, backups, days_ago=15, reply_after_hours=30, by=helper)
    _problem(community, backups, days_ago=12, reply_after_hours=240)
    _problem(community, backups, days_ago=9)
    _problem(community, backups, days_ago=2)  # too young to count as late
    solved = _problem(community, networking, days_ago=30, reply_after_hours=1, solved=True)
    _problem(community, networking, days_ago=25, reply_after_hours=1)
    PracticeEntryFactory(
        community=community, status=EntryStatus.VALIDATED, review_date=date(2026, 6, 1)
    )
    return community, coordinator, solved


@pytest.mark.django_db
def test_gaps_match_the_figures_worked_out_by_hand():
    community, _coordinator, solved = _world()
    gaps = knowledge_gaps(community, now=NOW)
    assert [(g.kind, g.topic.name if g.topic else None) for g in gaps] == [
        ("unanswered", "Backups"),
        ("no_practice", "Networking"),
        ("no_expert", "Backups"),
        ("review_due", None),
    ]
    unanswered = gaps[0]
    assert unanswered.figure == (
        "2 of 4 problems older than 7 days had no reply within 7 days (50 %); "
        "median time to a first reply: 30 hours."
    )
    assert unanswered.evidence_url.endswith("/knowledge/problems/?tag=backups&status=unanswered")
    assert unanswered.next_steps[0][0] == "Ask Hana Helper, who answered problems on it"
    no_practice = gaps[1]
    assert no_practice.figure == "1 solved problems, no validated practice on the topic."
    assert no_practice.next_steps[0][1].endswith(f"/problems/{solved.pk}/promote/")
    assert gaps[2].figure == "5 problems in the last year, no recognised expert."
    assert gaps[3].figure == "1 published practices are past their review date."


@pytest.mark.django_db
def test_a_validated_practice_and_prompt_answers_close_the_gaps():
    community, _coordinator, _solved = _world()
    networking = community.tags.get(slug="networking")
    entry = PracticeEntryFactory(community=community, status=EntryStatus.VALIDATED)
    entry.tags.set([networking])
    kinds = [(g.kind, g.topic and g.topic.slug) for g in knowledge_gaps(community, now=NOW)]
    assert ("no_practice", "networking") not in kinds


@pytest.mark.django_db
def test_gaps_page_is_for_coordinators_in_fixed_queries(client, django_assert_max_num_queries):
    community, coordinator, _solved = _world()
    url = reverse("knowledge:gaps", kwargs={"slug": community.slug})
    client.force_login(make_member(community))
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    with time_machine.travel(NOW, tick=False):
        client.get(url)
        with django_assert_max_num_queries(16):
            response = client.get(url)
    html = response.content.decode()
    assert "“Backups”: problems stay unanswered" in html
    assert "Evidence: Unanswered problems on “Backups”" in html


@pytest.mark.django_db
def test_review_due_evidence_lists_only_overdue_practices(client):
    community = CommunityFactory()
    client.force_login(make_member(community))
    overdue = PracticeEntryFactory(community=community, review_date=date(2020, 1, 1))
    fresh = PracticeEntryFactory(community=community, review_date=date(2999, 1, 1))
    url = reverse("knowledge:entry_list", kwargs={"slug": community.slug}) + "?review=due"
    html = client.get(url).content.decode()
    assert overdue.title in html and fresh.title not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coordinator_follows_a_gap_to_its_evidence(browser_page):
    page = browser_page
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    tag = TagFactory(community=community, name="Backups", slug="backups")
    old = timezone.now() - timedelta(days=10)
    for n in range(2):
        problem = ProblemFactory(community=community, title=f"Backup job {n} fails", created_at=old)
        problem.tags.set([tag])
    log_in(page, coordinator.email)
    page.goto(f"/c/{community.slug}/knowledge/")
    page.get_by_role("link", name="Knowledge gaps").click()
    expect(page.get_by_role("heading", name="“Backups”: problems stay unanswered")).to_be_visible()
    page.get_by_role("link", name="Evidence: Unanswered problems on “Backups”").click()
    expect(page).to_have_url(
        f"{page.url.split('/c/')[0]}/c/{community.slug}/knowledge/problems/?tag=backups&status=unanswered"
    )
    expect(page.get_by_role("link", name="Backup job 0 fails")).to_be_visible()
    expect(page.get_by_role("link", name="Backup job 1 fails")).to_be_visible()
