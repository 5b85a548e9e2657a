"""Typing "@No" in a community's text box offers its members; Enter inserts the handle."""

import pytest
from playwright.sync_api import expect

from tests.browser.utils import log_in
from tests.factories import CommunityFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mention_autocomplete_offers_members(browser_page):
    page = browser_page
    community = CommunityFactory(name="Night Nurses", slug="night-nurses")
    make_member(community, email="asker@example.org", display_name="Asker")
    make_member(community, display_name="Nora Newbie")
    log_in(page, "asker@example.org")
    page.goto("/c/night-nurses/knowledge/problems/new/")
    context = page.get_by_label("Context")
    context.press_sequentially("Can @No")
    expect(page.get_by_role("option", name="Nora Newbie (@NoraNewbie)")).to_be_visible()
    context.press("Enter")
    expect(context).to_have_value("Can @NoraNewbie ")
