"""Start a community, invite by email, the invitee signs up through the link;
someone asks to join an approval community and the coordinator approves."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cop.enums import JoinPolicy, MembershipStatus
from cop.models import Membership
from tests.browser.utils import log_in, log_out
from tests.factories import CommunityFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_invite_and_invitee_signs_up_as_member(browser_page):
    page = browser_page
    UserFactory(email="founder@example.org", display_name="Founder")
    log_in(page, "founder@example.org")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Communities", exact=True).click()
    page.get_by_role("link", name="Start a community").click()
    page.get_by_label("Name").fill("Bread Bakers")
    page.get_by_label("Address").fill("bread-bakers")
    page.get_by_label("Domain").fill("Baking sourdough at home, reliably.")
    page.get_by_label("Visibility").select_option("private")
    page.get_by_label("Who may join").select_option("invitation")
    page.get_by_label("Topics").fill("starters, hydration")
    page.get_by_role("button", name="Start the community").click()
    expect(page.get_by_role("heading", name="Bread Bakers", level=1)).to_be_visible()
    expect(page.get_by_text("You are its coordinator")).to_be_visible()

    page.get_by_role("link", name="Invite people").first.click()
    page.get_by_label("Email addresses").fill("newbaker@example.org")
    page.get_by_label("Personal message").fill("Come bake with us")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("Invitations sent to newbaker@example.org")).to_be_visible()
    log_out(page)

    message = mail.outbox[-1]
    assert message.to == ["newbaker@example.org"]
    link = re.search(r"https?://\S+(/invitations/\S+/)", message.body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Bread Bakers")).to_be_visible()
    page.get_by_role("link", name="Sign up and join").click()
    page.get_by_label("Email").fill("newbaker@example.org")
    page.get_by_label("Display name").fill("New Baker")
    page.get_by_label("Password:", exact=True).fill("a-long-enough-passphrase")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign Up").click()

    # Back on the invitation, now logged in: the address must be confirmed first.
    expect(page.get_by_text("Confirm newbaker@example.org first")).to_be_visible()
    confirm = re.search(r"(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm").click()
    page.goto(link)
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text("Welcome to Bread Bakers!")).to_be_visible()
    expect(page.get_by_role("heading", name="Bread Bakers", level=1)).to_be_visible()
    membership = Membership.objects.get(user__email="newbaker@example.org")
    assert membership.status == MembershipStatus.ACTIVE
    assert page.dialogs == []


def test_request_to_join_and_coordinator_approves(browser_page):
    page = browser_page
    coordinator = UserFactory(email="coord@example.org", display_name="Coord")
    community = CommunityFactory(
        name="Night Nurses", join_policy=JoinPolicy.APPROVAL, coordinator=coordinator
    )
    UserFactory(email="asker@example.org", display_name="Asker Person")

    log_in(page, "asker@example.org")
    page.goto(community.get_absolute_url())
    page.get_by_role("link", name="Ask to join").click()
    page.get_by_label("Message to the coordinators").fill("I work nights on ward 4.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request is sent")).to_be_visible()
    log_out(page)

    log_in(page, "coord@example.org")
    page.goto(community.get_absolute_url())
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_text("I work nights on ward 4.")).to_be_visible()
    page.get_by_role("button", name="Approve Asker Person").click()
    expect(page.get_by_text("Asker Person is now a member.")).to_be_visible()
    expect(page.get_by_role("link", name="Asker Person")).to_be_visible()
    assert Membership.objects.get(user__email="asker@example.org").status == MembershipStatus.ACTIVE
