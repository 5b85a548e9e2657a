"""A member follows the bell, reads a notification, marks the rest read in place, and
sets their preferences; at phone and desktop width."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cop.enums import NotificationKind
from cop.services import notifications as service
from tests.factories import DEFAULT_PASSWORD, CommunityFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=folder / f"notifications-{name}.png", full_page=True)


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.parametrize("width", [390, 1200])
def test_bell_list_read_all_and_preferences(browser_page, tmp_path, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    community = CommunityFactory(name="Site Reliability", slug="sre")
    member = make_member(community, display_name="Ada Lovelace", email="ada@example.org")
    ben = make_member(community, display_name="Ben Ng")
    for title in ("Ben Ng replied to “Pager fatigue”", "Ben Ng mentioned you in a story"):
        service.notify(
            recipient=member,
            kind=NotificationKind.REPLY,
            title=title,
            body="Have you tried a quieter rotation?",
            url="/notifications/preferences/",
            community=community,
            actor=ben,
        )
    service.notify(
        recipient=member,
        kind=NotificationKind.MEETING_CHANGED,
        title="Incident review moved to Thursday 17:00",
        url="/",
        community=community,
    )

    _log_in(page, "ada@example.org")
    bell = page.locator("#nav-bell a")
    expect(bell).to_have_attribute("aria-label", "Notifications: 3 unread")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".notification.unread")).to_have_count(3)
    _shot(page, tmp_path, f"list-{width}")

    page.get_by_role("link", name="Ben Ng replied to “Pager fatigue”").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()  # its link
    expect(page.locator("#nav-bell a")).to_have_attribute("aria-label", "Notifications: 2 unread")

    page.goto("/notifications/")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#nav-bell a")).to_have_attribute("aria-label", "Notifications")
    expect(page.locator(".bell-count")).to_have_count(0)

    page.get_by_role("link", name="Email preferences").click()
    page.get_by_label("Someone mentioned me: In the digest").check()
    page.get_by_label("Daily, in the morning").check()
    page.get_by_label("Site Reliability").check()
    _shot(page, tmp_path, f"preferences-{width}")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your notification preferences are saved.")).to_be_visible()
    assert service.channel_for(user=member, kind=NotificationKind.MENTION) == "digest"
    assert member.community_mutes.filter(community=community).exists()

    token = service.unsubscribe_token(user=member, kind=NotificationKind.REPLY)
    page.goto(f"/notifications/unsubscribe/{token}/")
    _shot(page, tmp_path, f"unsubscribe-{width}")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert service.channel_for(user=member, kind=NotificationKind.REPLY) == "off"
    assert page.dialogs == []
