"""A member makes a personal token on the settings page, a script uses it against the
API (here Playwright's request context, outside the browser session), and the member
revokes it on the same page: the script is then refused."""

import pytest
from playwright.sync_api import expect

from tests.browser.utils import log_in
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_token_made_on_the_settings_page_works_until_revoked(browser_page, live_server):
    community = CommunityFactory(slug="sre", name="SRE Guild", coordinator=UserFactory())
    member = make_member(community, display_name="Mo Member")
    page = browser_page
    log_in(page, member.email)
    page.goto("/accounts/tokens/")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    page.get_by_label("Token name").fill("team chat bot")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("cps_")
    expect(page.get_by_role("cell", name="team chat bot", exact=True)).to_be_visible()

    outside = page.context.browser.new_context(base_url=live_server.url)
    script = outside.request
    headers = {"Authorization": f"Bearer {secret}"}
    me = script.get("/api/v1/me/", headers=headers)
    assert me.status == 200
    assert me.json()["name"] == "Mo Member"
    mine = script.get("/api/v1/me/memberships/", headers=headers).json()["results"]
    assert [m["community"] for m in mine] == ["sre"]

    page.reload()
    expect(page.locator("code.secret")).to_have_count(0)  # shown once only
    page.get_by_role("button", name="Revoke team chat bot").click()
    expect(page.get_by_text("revoked", exact=True)).to_be_visible()
    refused = script.get("/api/v1/me/", headers=headers)
    assert refused.status == 401
    assert "revoked" in refused.json()["detail"]
    outside.close()  # its kept-alive connections end before the test server stops
