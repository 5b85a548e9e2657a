"""In Chromium: typing a title that duplicates a solved problem shows it before posting
(HTMX as the member types), and a coordinator merges a duplicate from the related list."""

import pytest
from playwright.sync_api import expect

from cop.enums import Role
from knowledge.services import problems
from tests.browser.utils import log_in
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _solved(community, title):
    asker = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title=title, context="…")
    reply = problems.post_reply(problem=problem, author=make_member(community), body="Pin it.")
    problems.accept_solution(reply=reply, by=asker)
    return problem


def test_typing_a_duplicate_title_shows_the_solved_problem(browser_page, tmp_path):
    page = browser_page
    community = CommunityFactory(coordinator=UserFactory())
    original = _solved(community, "Docker image builds take 20 minutes")
    member = make_member(community)
    log_in(page, member.email)
    page.goto(f"/c/{community.slug}/knowledge/problems/new/")
    expect(page.locator("#similar")).not_to_contain_text("Asked before")
    page.get_by_label("Title").press_sequentially("Why are our docker builds so slow", delay=20)
    box = page.locator("#similar")
    expect(box).to_contain_text("Asked before? These look similar")
    link = box.get_by_role("link", name=original.title)
    expect(link).to_have_attribute("href", original.get_absolute_url())
    expect(box).to_contain_text("Solved problem")
    expect(box).to_contain_text("Shares the words “docker”, “builds”")
    assert page.url.endswith("/problems/new/")  # nothing was posted
    page.screenshot(path=tmp_path / "similar-box.png", full_page=True)


def test_coordinator_merges_a_duplicate_from_related(browser_page):
    page = browser_page
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    original = _solved(community, "Wiki backups fail at night")
    duplicate = problems.ask_problem(
        community=community,
        author=make_member(community),
        title="Backups of the wiki fail every night",
        context="…",
    )
    log_in(page, coordinator.email)
    page.goto(duplicate.get_absolute_url())
    related = page.locator("section.related")
    expect(related.get_by_role("link", name=original.title)).to_be_visible()
    related.get_by_role("link", name="Merge this problem into it…").click()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("heading", name=original.title)).to_be_visible()
    expect(page.locator(".messages, [role=status], .flash").first).to_contain_text("merged")
    page.goto(duplicate.get_absolute_url())
    expect(page).to_have_url(f"http://{page.url.split('/')[2]}{original.get_absolute_url()}")
