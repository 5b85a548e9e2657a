"""A host invites an outside expert to one meeting of a private community; the guest
answers from the emailed links without an account, gets the calendar invitation, sees
that meeting and nothing else, and joins the community with one click."""

import re

import icalendar
import pytest
from django.core import mail
from playwright.sync_api import expect

from cop.enums import JoinPolicy, MembershipStatus, Visibility
from cop.models import Membership
from meetings.models import RSVP
from tests.browser.utils import log_in, log_out
from tests.factories import CommunityFactory, MeetingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_guest_invited_answers_and_sees_only_that_meeting(browser_page):
    page = browser_page
    host = UserFactory(email="host@example.org", display_name="Hana Host")
    community = CommunityFactory(
        name="Quiet Guild",
        slug="quiet",
        coordinator=host,
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.OPEN,
    )
    meeting = MeetingFactory(
        community=community, hosts=[host], title="Talk: chaos engineering", capacity=10
    )
    other = MeetingFactory(community=community, hosts=[host], title="Members-only retro")

    log_in(page, "host@example.org")
    page.goto(meeting.get_absolute_url())
    page.get_by_role("link", name="Guests and speakers").click()
    page.get_by_label("Email address").fill("ada@example.net")
    page.get_by_label("Name").fill("Ada Expert")
    page.get_by_label("Speaker", exact=True).check()
    bio = page.get_by_label("Short bio (shown on the meeting when a speaker)")
    bio.fill("Runs game days at a large bank.")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("ada@example.net is invited.")).to_be_visible()
    log_out(page)

    [message] = [m for m in mail.outbox if m.to == ["ada@example.net"]]
    [part] = [p for p in message.attachments if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert calendar["method"] == "REQUEST"
    assert str(event["uid"]).startswith(f"meeting-{meeting.uid}@")
    links = dict(re.findall(r"^(Going|Maybe|Not going|Open the meeting): (\S+)$",
                            message.body, re.M))  # fmt: skip

    # The one-click link only asks; the button answers.
    page.goto(_path(links["Going"]))
    expect(page.get_by_text("Answer “Going” for Ada Expert?")).to_be_visible()
    assert not RSVP.objects.filter(meeting=meeting).exists()
    page.get_by_role("button", name="Yes, answer “Going”").click()
    expect(page.get_by_text("Thank you: you’re going.")).to_be_visible()

    # The guest's own page of the meeting: details, speaker bio, their answer.
    page.goto(_path(links["Open the meeting"]))
    expect(page.get_by_role("heading", name="Talk: chaos engineering")).to_be_visible()
    expect(page.get_by_text("Runs game days at a large bank.")).to_be_visible()
    expect(page.get_by_text("You're going.")).to_be_visible()
    page.get_by_role("button", name="Maybe").click()
    expect(page.get_by_text("You might come.")).to_be_visible()
    assert RSVP.objects.get(meeting=meeting).answer == "maybe"

    # Nothing else of the private community opens.
    for url in (other.get_absolute_url(), community.get_absolute_url()):
        page.goto(url)
        expect(page.get_by_text("Members-only retro")).to_have_count(0)
    page.goto(_path(links["Open the meeting"]))
    page.get_by_role("button", name="Join Quiet Guild").click()
    expect(page.get_by_role("heading", name="Welcome to Quiet Guild")).to_be_visible()
    expect(page.get_by_role("link", name="Set a password")).to_be_visible()
    guest = Membership.objects.get(user__email="ada@example.net", community=community)
    assert guest.status == MembershipStatus.ACTIVE
    assert page.dialogs == []
