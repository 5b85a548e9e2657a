"""Helpers for browser journeys."""

from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD


def log_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_text("Sign in")).to_be_visible()
