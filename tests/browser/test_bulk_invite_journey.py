"""A coordinator pastes a list with some bad lines, sees the preview with the reason for
each, confirms, and sees who was invited; each good address gets one email."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from cop.models import Invitation
from tests.browser.utils import log_in
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_pastes_a_list_previews_and_confirms(browser_page):
    page = browser_page
    coordinator = UserFactory(email="coord@example.org", display_name="Cora Coordinator")
    community = CommunityFactory(name="Ops Guild", slug="ops", coordinator=coordinator)
    member = make_member(community, email="already@example.org")
    pasted = "\n".join(
        [
            "ada@example.net, Ada Lovelace",
            "grace@example.net, Grace Hopper",
            "not an address",
            "ADA@example.net",
            member.email,
            "linus@example.net",
        ]
    )

    log_in(page, "coord@example.org")
    page.goto("/c/ops/invite/")
    page.get_by_role("link", name="Invite a longer list or a CSV file").click()
    page.get_by_label("Addresses").fill(pasted)
    page.get_by_role("button", name="Check the list").click()

    preview = page.locator("#bulk-preview")
    expect(preview.get_by_text("3 addresses can be invited.")).to_be_visible()
    expect(preview.get_by_text("not an email address")).to_be_visible()
    expect(preview.get_by_text("duplicate in the list (line 1)")).to_be_visible()
    expect(preview.get_by_text("already a member")).to_be_visible()
    assert not Invitation.objects.exists()

    mail.outbox.clear()
    page.get_by_role("button", name="Invite 3 people").click()
    result = page.locator("#bulk-result")
    expect(result.get_by_text("3 people were invited.")).to_be_visible()
    expect(result.get_by_text("already a member")).to_be_visible()
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ada@example.net",
        "grace@example.net",
        "linus@example.net",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.net",
        "grace@example.net",
        "linus@example.net",
    ]

    # Going back and confirming again invites nobody twice.
    page.go_back()
    page.get_by_role("button", name="Invite 3 people").click()
    expect(page.locator("#bulk-result").get_by_text("0 people were invited.")).to_be_visible()
    assert Invitation.objects.count() == 3
