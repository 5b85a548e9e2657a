"""The demo community's coordinator opens the health dashboard; a plain member cannot."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cop.demo import DEMO_PASSWORD
from tests.browser.utils import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sees_every_chart_with_its_table(browser_page):
    call_command("seed_demo", verbosity=0)
    page = browser_page
    log_in(page, "ada@example.org", DEMO_PASSWORD)
    page.goto("/c/sre-guild/")
    page.get_by_role("link", name="Health").click()
    expect(page.get_by_role("heading", name="Community health")).to_be_visible()
    charts = page.locator("svg.chart")
    assert charts.count() >= 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 100 and box["height"] > 100
        # Each chart sits beside a table with its numbers.
        section = chart.locator("xpath=ancestor::section[1]")
        assert section.locator("table").count() >= 1
    page.get_by_label("Period").select_option("12m")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Period")).to_have_value("12m")
    page.get_by_role("link", name="Value matrix: stories and indicators").click()
    expect(page.get_by_role("heading", name="Value matrix")).to_be_visible()
    log_out(page)

    log_in(page, "eli@example.org", DEMO_PASSWORD)
    response = page.goto("/c/sre-guild/health/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    assert page.dialogs == []
