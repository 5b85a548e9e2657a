"""In Chromium: a member comments on a story, another quotes it in a reply and thanks
it; a coordinator hides it pending review; a coordinator's pinned announcement heads
the community home. At phone and desktop widths (screenshots kept in the tmp dir)."""

import pytest
from playwright.sync_api import expect

from cop.services.announcements import post_announcement
from tests.browser.utils import log_in, log_out
from tests.factories import (
    CommunityFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user):
    """Sign out whoever is signed in, then sign in as `user` through the real forms."""
    if page.get_by_role("button", name="Sign out").count():
        log_out(page)
    log_in(page, user.email)


def _shots(page, folder, name: str) -> None:
    """The page at phone and desktop widths."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def test_comment_quote_react_hide_and_pinned_announcement(browser_page, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    coordinator = UserFactory(display_name="Cora Coordinator")
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community, display_name="Ada Author")
    member = make_member(community, display_name="Mo Member")
    story = StoryFactory(community=community, author=author, title="The pager story")

    _log_in(page, member)
    page.goto(story.get_absolute_url())
    page.get_by_label("Your comment").fill("Rotating by hand **worked** for us too.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment strong")).to_have_text("worked")
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()

    _log_in(page, author)
    page.goto(story.get_absolute_url())
    page.get_by_role("button", name="Thanks").click()
    expect(page.get_by_role("button", name="Thanks · 1")).to_be_visible()
    page.get_by_role("link", name="Quote").click()
    expect(page.get_by_label("Comment")).to_contain_text("> Rotating by hand")
    page.get_by_label("Comment").press("Control+End")
    page.get_by_label("Comment").type("Glad it helped.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-replies blockquote")).to_contain_text("Rotating by hand")
    _shots(page, tmp_path, "comments")

    _log_in(page, coordinator)
    page.goto(story.get_absolute_url())
    page.get_by_role("button", name="Hide pending review").first.click()
    expect(page.get_by_text("Hidden pending review").first).to_be_visible()
    post_announcement(
        community=community,
        author=coordinator,
        title="Summer meetup",
        body="Bring a story.",
        pinned_until=story.created_at.date().replace(year=story.created_at.year + 1),
    )
    page.goto(community.get_absolute_url())
    expect(page.locator(".announcement-pinned")).to_contain_text("Summer meetup")
    _shots(page, tmp_path, "home")
    page.get_by_role("link", name="Summer meetup").click()
    expect(page.get_by_text("Sent to 2 of 2 members.")).to_be_visible()
    _shots(page, tmp_path, "announcement")

    _log_in(page, author)
    page.goto(story.get_absolute_url())
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()  # hidden one out
    assert page.dialogs == []
