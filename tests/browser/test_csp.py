"""The Content-Security-Policy holds on the real pages: Chromium opens the main pages
(crawled from the demo data as a coordinator and as the site admin, the API docs and
the admin included), uses htmx on them, and records no CSP violation."""

import re
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.browser.utils import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "copse-demo"
MAX_PAGES = 70
# Links not to follow: downloads, feeds, JSON, and what would end the session.
SKIP = re.compile(r"logout|\.ics$|\.csv$|/export/|/static/|^/api/v1/|^/api/schema/|unsubscribe")

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
                    + `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(browser_page):
    page = browser_page
    page.violations = []
    page.missing_header = []
    page.add_init_script(WATCH)

    def on_console(message):
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            page.violations.append(f"{page.url}: {message.text}")

    def on_response(response):
        kind = response.headers.get("content-type", "")
        if kind.startswith("text/html") and "content-security-policy" not in response.headers:
            page.missing_header.append(response.url)

    page.on("console", on_console)
    page.on("response", on_response)
    return page


def _collect(page) -> None:
    for text in page.evaluate("window.__csp || []"):
        page.violations.append(f"{page.url}: {text}")


def _crawl(page, start: str, limit: int) -> list[str]:
    """Open pages breadth-first from `start`, following same-site links."""
    origin = urlparse(page.url).netloc or None
    queue, seen = [start], set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(path)
        _collect(page)
        origin = origin or urlparse(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlparse(urljoin(page.url, href))
            if url.netloc != origin or SKIP.search(url.path):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in seen and link not in queue:
                queue.append(link)
    return sorted(seen)


def test_policy_catches_an_inline_script(watched):
    """The check works: an inline script put into a page is blocked and reported."""
    page = watched
    page.goto("/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.append(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in text for text in page.evaluate("window.__csp"))


def test_main_pages_have_no_csp_violation(watched):
    page = watched
    call_command("seed_demo", verbosity=0)

    seen = _crawl(page, "/", 12)  # anonymous
    log_in(page, "ada@example.org", DEMO_PASSWORD)
    seen += _crawl(page, "/", MAX_PAGES)
    # A pending change of address shows allauth's hidden re-send form.
    page.goto("/accounts/email/")
    page.get_by_label("Change to").fill("ada.new@example.org")
    page.get_by_role("button", name="Change Email").click()
    expect(page.get_by_text("still pending verification")).to_be_visible()
    _collect(page)
    for path in (
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/tokens/",
        "/knowledge/search/?q=incident",
        "/c/sre-guild/meetings/?month=2026-02",
    ):
        page.goto(path)
        _collect(page)

    # htmx at work: a preview swapped into the page, then an RSVP.
    page.goto("/c/sre-guild/knowledge/problems/new/")
    page.get_by_label("Title").fill("Why is the pager so loud?")
    page.get_by_label("Context").fill("**Bold** and a <script>alert(1)</script> try")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview strong")).to_have_text("Bold")
    _collect(page)

    meeting = Meeting.objects.filter(
        community__slug="sre-guild", starts_at__gt=timezone.now(), status="scheduled"
    ).first()
    page.goto(meeting.get_absolute_url())
    page.locator("#rsvp").get_by_role("button", name="Maybe").click()
    expect(page.locator("#rsvp")).to_contain_text("You might come.")
    _collect(page)

    # The API docs (Swagger UI) and the admin, as the site admin.
    page.context.clear_cookies()
    log_in(page, "admin@example.org", DEMO_PASSWORD)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=15_000)
    _collect(page)
    for path in ("/admin/", "/admin/cop/user/", "/admin/cop/community/add/"):
        page.goto(path)
        _collect(page)
    page.goto("/admin/cop/user/")
    page.locator("#result_list tbody th a").first.click()
    _collect(page)

    assert len(seen) > 30, seen
    assert not page.missing_header, page.missing_header
    assert not page.violations, "\n".join(page.violations)
