"""In Chromium: the XSS corpus shows no dialog on any page, and a member posts a problem
with an HTMX preview, gets a reply accepted and says “this worked for me”."""

import pytest
from playwright.sync_api import expect

from knowledge.services import entries
from tests.factories import DEFAULT_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.knowledge.test_xss import seed_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_xss_corpus_opens_no_dialog(browser_page):
    page = browser_page
    community = CommunityFactory(coordinator=UserFactory())
    member = make_member(community)
    pages = seed_corpus(community)
    _log_in(page, member)
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("load")
        # Hover and focus everything a payload could have hooked an event on.
        for link in page.locator(".prose a, .prose img").all()[:20]:
            link.hover()
        page.keyboard.press("Tab")
    assert page.dialogs == []


def test_member_previews_posts_and_endorses(browser_page):
    page = browser_page
    community = CommunityFactory(coordinator=UserFactory())
    member = make_member(community, display_name="Mina Member")
    _log_in(page, member)
    page.goto(f"/c/{community.slug}/knowledge/problems/new/")
    page.get_by_label("Title").fill("Flaky tests")
    page.get_by_label("Context").fill("They fail **sometimes** <img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview strong")).to_have_text("sometimes")
    assert page.url.endswith("/problems/new/")  # the preview came in place, nothing posted
    page.get_by_role("button", name="Post problem").click()
    expect(page.get_by_role("heading", name="Flaky tests")).to_be_visible()

    author = make_member(community)
    entry = entries.write_entry(
        community=community, author=author, title="Quarantine flaky tests", body="Steps",
        publish=True,
    )  # fmt: skip
    page.goto(entry.get_absolute_url())
    page.get_by_role("button", name="This worked for me").click()
    expect(page.locator("#endorse")).to_contain_text("1 member says this worked for them")
    expect(page.get_by_role("button", name="It worked for me ✓")).to_be_visible()
    assert page.dialogs == []
