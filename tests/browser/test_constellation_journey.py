"""Two communities become related and one shares a practice with the other: coordinator
A asks, coordinator B accepts, A shares a practice, and a member of B reads it,
read-only, with its attribution and a link back, and finds it in B's search. Then A
schedules a meeting co-hosted by B from the meeting form, and B's member sees it."""

import pytest
from playwright.sync_api import expect

from cop.services import constellations
from knowledge.search import index_object
from tests.browser.utils import log_in, log_out
from tests.factories import CommunityFactory, PracticeEntryFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _two_communities():
    """Coordinators Ada (Site reliability) and Bea (Incident response)."""
    ada = UserFactory(email="ada@example.org", display_name="Ada Coordinator")
    bea = UserFactory(email="bea@example.org", display_name="Bea Coordinator")
    sre = CommunityFactory(name="Site reliability", slug="sre", coordinator=ada)
    incidents = CommunityFactory(name="Incident response", slug="incidents", coordinator=bea)
    return ada, bea, sre, incidents


def test_relate_share_and_read_in_the_other_community(browser_page):
    page = browser_page
    ada, _bea, sre, incidents = _two_communities()
    reader = make_member(incidents, email="carl@example.org")
    entry = PracticeEntryFactory(
        community=sre, author=ada, title="Roll back before debugging", body="Roll back **first**."
    )
    index_object(entry)

    log_in(page, "ada@example.org")
    page.goto("/c/sre/related/")
    page.get_by_label("Community").select_option(label="Incident response")
    page.get_by_label("Message to its coordinators").fill("We share the on-call rota.")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Asked Incident response.")).to_be_visible()
    log_out(page)

    log_in(page, "bea@example.org")
    page.goto("/c/incidents/related/")
    expect(page.get_by_text("We share the on-call rota.")).to_be_visible()
    page.get_by_role("link", name="Accept").click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Site reliability is now related.")).to_be_visible()
    log_out(page)

    log_in(page, "ada@example.org")
    page.goto(entry.get_absolute_url())
    page.get_by_role("link", name="Share with a related community").click()
    page.get_by_label("Related community").select_option(label="Incident response")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_text("Shared with Incident response")).to_be_visible()
    log_out(page)

    log_in(page, reader.email)
    page.goto("/c/incidents/knowledge/practices/")
    expect(page.get_by_text("shared from Site reliability")).to_be_visible()
    page.get_by_role("link", name="Roll back before debugging").click()
    expect(page.get_by_text("Shared from Site reliability, read-only here.")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("first")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.get_by_role("link", name="Open it in Site reliability").click()
    expect(page.get_by_role("heading", name="Roll back before debugging")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)

    # B's search finds it, attributed, and leads to the read-only copy.
    page.goto("/knowledge/search/")
    search = page.locator("form.k-search")
    search.get_by_label("Search:").fill("roll back")
    search.get_by_label("Community").select_option(label="Incident response")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_text("shared from Site reliability")).to_be_visible()
    page.get_by_role("link", name="Roll back before debugging").click()
    expect(page.get_by_text("Shared from Site reliability, read-only here.")).to_be_visible()


def test_choose_a_cohost_in_the_meeting_form(browser_page):
    page = browser_page
    ada, bea, sre, incidents = _two_communities()
    relation = constellations.request_relation(community=sre, other=incidents, by=ada)
    constellations.accept_relation(relation=relation, by=bea)
    reader = make_member(incidents, email="carl@example.org")

    log_in(page, "ada@example.org")
    page.goto("/c/sre/meetings/new/")
    page.get_by_label("Title").fill("Joint game day")
    page.get_by_label("Date").fill("2031-03-04")
    page.get_by_label("Starts").fill("17:00")
    page.get_by_label("Ends").fill("18:30")
    page.get_by_label("Online link").fill("https://meet.example.org/game-day")
    page.get_by_label("Incident response").check()
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("The meeting is scheduled.")).to_be_visible()
    cohosted = page.locator(".cohosted")
    expect(cohosted).to_contain_text("Co-hosted with Incident response")
    expect(cohosted.get_by_role("link", name="Incident response")).to_have_attribute(
        "href", "/c/incidents/"
    )
    log_out(page)

    log_in(page, reader.email)
    page.goto("/c/incidents/meetings/")
    expect(page.get_by_role("link", name="Joint game day")).to_be_visible()
    expect(page.get_by_text("joint, hosted by Site reliability")).to_be_visible()
