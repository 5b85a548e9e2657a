"""A visitor signs up, verifies by the emailed link, logs out and back in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_verify_logout_login(browser_page):
    page = browser_page
    page.goto("/")
    page.get_by_role("link", name="Join Copse").click()
    page.get_by_label("Email").fill("walker@example.org")
    page.get_by_label("Display name").fill("Walker Smith")
    page.get_by_label("Time zone").fill("Europe/Rome")
    page.get_by_label("Password:", exact=True).fill("a-long-enough-passphrase")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign Up").click()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("You have confirmed walker@example.org")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()

    nav.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("walker@example.org")
    page.get_by_label("Password:", exact=True).fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Welcome, Walker Smith")).to_be_visible()
    assert page.dialogs == []
