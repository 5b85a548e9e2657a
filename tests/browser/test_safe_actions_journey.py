"""A coordinator clicks Remove and Delete: each asks first, and each offers an Undo that
brings things back."""

import pytest
from playwright.sync_api import expect

from cop.enums import MembershipStatus
from cop.models import Membership
from knowledge.models import Story
from tests.browser.utils import log_in
from tests.factories import CommunityFactory, StoryFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_remove_and_delete_ask_first_and_can_be_undone(browser_page):
    page = browser_page
    coordinator = UserFactory(email="coord@example.org", display_name="Coord")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    make_member(community, display_name="Mo Member")
    story = StoryFactory(community=community, author=coordinator, title="The long shift")
    log_in(page, "coord@example.org")

    # Remove: a confirmation page, then an Undo.
    page.goto("/c/night-nurses/members/")
    row = page.get_by_role("row").filter(has_text="Mo Member")
    row.get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove Mo Member from Night Nurses?")).to_be_visible()
    assert Membership.objects.get(user__display_name="Mo Member").status == "active"
    page.get_by_role("button", name="Remove Mo Member").click()
    expect(page.get_by_text("Mo Member was removed.")).to_be_visible()
    assert Membership.objects.get(user__display_name="Mo Member").status == "removed"
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Mo Member is a member again.")).to_be_visible()
    assert Membership.objects.get(user__display_name="Mo Member").status == (
        MembershipStatus.ACTIVE
    )

    # Delete: a confirmation page, then an Undo.
    page.goto(story.get_absolute_url())
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete this story?")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted. You can undo this")).to_be_visible()
    assert Story.objects.get(pk=story.pk).deleted_at is not None
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("heading", name="The long shift")).to_be_visible()
    assert Story.objects.get(pk=story.pk).deleted_at is None

    # The audit log has all four.
    page.goto("/c/night-nurses/audit/")
    expect(page.get_by_role("cell", name="Removed a member: Mo Member")).to_be_visible()
    expect(page.get_by_role("cell", name="Restored: Story: The long shift")).to_be_visible()
    assert page.dialogs == []
