"""A member logs in, answers "going" to a full meeting, sees their waitlist place and
downloads the meeting's calendar file."""

from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from meetings import services
from meetings.models import RSVP
from tests.factories import DEFAULT_PASSWORD, MeetingFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_joins_waitlist_in_place_and_downloads_ics(browser_page, community, host):
    meeting = MeetingFactory(
        community=community, hosts=[host], title="Game day", capacity=1, location="Room 3"
    )
    services.rsvp(meeting=meeting, user=make_member(community), answer="going")
    member = make_member(community, email="rosa@example.org", display_name="Rosa")
    page = browser_page

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password:", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(meeting.get_absolute_url())
    expect(page.get_by_text("The meeting is full")).to_be_visible()

    url_before = page.url
    page.get_by_role("button", name="Going", exact=True).click()

    expect(page.get_by_text("You are number 1 on the waitlist.")).to_be_visible()
    assert page.url == url_before  # updated in place, no reload
    assert RSVP.objects.get(meeting=meeting, user=member).waitlisted
    expect(page.locator("#whos-coming")).to_contain_text("Rosa")
    expect(page.get_by_role("button", name="Going", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Game day"
    assert str(event["uid"]).startswith(f"meeting-{meeting.uid}@")
    assert event.decoded("dtstart") == meeting.starts_at
    assert page.dialogs == []
