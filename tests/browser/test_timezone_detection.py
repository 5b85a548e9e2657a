"""The browser's own time zone is used: filled in at sign-up, and for visitors who are
not logged in from their second page on."""

import pytest
from playwright.sync_api import expect

from tests.factories import CommunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Asia/Tokyo"}


def test_sign_up_starts_from_the_browsers_zone(browser_page):
    page = browser_page
    page.goto("/accounts/signup/")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")


def test_visitors_see_times_in_their_browsers_zone(browser_page):
    page = browser_page
    CommunityFactory(name="Night Nurses", slug="night-nurses")
    page.goto("/c/night-nurses/meetings/")
    page.reload()
    expect(page.get_by_text("Times are shown in your time zone, Asia/Tokyo.")).to_be_visible()
