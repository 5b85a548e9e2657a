"""Every text on the main pages reads at 4.5:1 at least (3:1 when large), and the focus
ring of the community tabs is not clipped."""

import pytest
from playwright.sync_api import expect

from cop.enums import Level, Role
from cop.models import Membership, Notification
from tests.browser.contrast import contrast_failures
from tests.browser.utils import log_in
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_have_enough_contrast(browser_page):
    page = browser_page
    coordinator = UserFactory(email="coord@example.org", display_name="Coord")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    for level in (Level.ACTIVE, Level.CORE, Level.PERIPHERAL, Level.NEWCOMER):
        member = make_member(community, display_name=f"A {level}")
        Membership.objects.filter(user=member).update(level=level)
    Membership.objects.filter(user=coordinator).update(role=Role.COORDINATOR, level=Level.ACTIVE)
    MeetingFactory(community=community, hosts=[coordinator], title="Handover")
    StoryFactory(community=community, author=coordinator, title="The long shift")
    ProblemFactory(community=community, author=coordinator, title="Pumps alarm")
    entry = PracticeEntryFactory(community=community, author=coordinator, title="Checklist")
    Notification.objects.create(recipient=coordinator, kind="reply", title="A reply", body="Hi")
    log_in(page, "coord@example.org")
    pages = [
        "/",
        "/communities/",
        "/c/night-nurses/",
        "/c/night-nurses/members/",
        f"/c/night-nurses/members/{coordinator.pk}/",
        "/c/night-nurses/meetings/",
        "/c/night-nurses/knowledge/",
        entry.get_absolute_url(),
        "/c/night-nurses/mentoring/",
        "/notifications/",
        "/accounts/profile/",
        "/meetings/",
    ]
    failures = {}
    for address in pages:
        page.goto(address)
        found = contrast_failures(page)
        if found:
            failures[address] = found
    assert failures == {}


def test_focus_ring_of_community_tabs_is_not_clipped(browser_page):
    page = browser_page
    UserFactory(email="coord@example.org", display_name="Coord")
    CommunityFactory(name="Night Nurses", slug="night-nurses")
    page.goto("/c/night-nurses/")
    tab = page.locator(".tabs a").first
    tab.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    expect(tab).to_be_focused()
    clipped = page.evaluate(
        """(el) => {
            const ring = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            const width = parseFloat(style.outlineWidth) || 0;
            const offset = parseFloat(style.outlineOffset) || 0;
            const reach = width + offset;  // how far the ring extends beyond the box
            for (let p = el.parentElement; p; p = p.parentElement) {
                const s = getComputedStyle(p);
                if (s.overflowX === "visible" && s.overflowY === "visible") continue;
                const box = p.getBoundingClientRect();
                if (ring.top - reach < box.top || ring.bottom + reach > box.bottom
                    || ring.left - reach < box.left || ring.right + reach > box.right) {
                    return p.className || p.tagName;
                }
            }
            return "";
        }""",
        tab.element_handle(),
    )
    assert clipped == ""


def test_members_table_keeps_manage_on_screen_on_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    coordinator = UserFactory(email="coord@example.org", display_name="Coord")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    make_member(community, display_name="Mo Member")
    log_in(page, "coord@example.org")
    page.goto("/c/night-nurses/members/")
    remove = page.get_by_role("row").filter(has_text="Mo Member").get_by_role("link", name="Remove")
    box = remove.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0


def test_health_dashboard_fits_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    coordinator = UserFactory(email="coord@example.org", display_name="Coord")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    for n in range(4):
        make_member(community, display_name=f"Member {n}")
    log_in(page, "coord@example.org")
    page.goto("/c/night-nurses/health/")
    expect(page.get_by_role("heading", name="Participation mix")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    wider = page.evaluate(
        """() => [...document.querySelectorAll('.card table')].filter(t => {
            const card = t.closest('.card').getBoundingClientRect();
            return t.getBoundingClientRect().right > card.right + 0.5;
        }).length"""
    )
    assert wider == 0
    label_sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')].map(
            t => t.getBoundingClientRect().height)"""
    )
    assert label_sizes and min(label_sizes) >= 9
