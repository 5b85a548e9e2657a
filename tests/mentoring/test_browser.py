"""A newcomer finds a mentor, the mentor accepts from the emailed link, a check-in is logged."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cop.celery import app
from mentoring.models import Mentorship
from tests.factories import (
    DEFAULT_PASSWORD,
    CommunityFactory,
    TagFactory,
    UserFactory,
    make_member,
    make_mentor,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_tasks():
    """Send notification emails in-process, also when REDIS_URL is set, so the emailed
    link lands in `mail.outbox` (the worker path is tested in test_tasks)."""

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _log_in(page, user, path):
    page.goto(path)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_newcomer_requests_mentor_accepts_from_email_both_see_it_and_log_a_checkin(
    browser_page, live_server, settings, eager_tasks
):
    settings.SITE_URL = live_server.url
    community = CommunityFactory(coordinator=UserFactory(), name="SRE Guild")
    incidents = TagFactory(community=community, name="Incidents", slug="incidents")
    mentor = make_mentor(community, display_name="Mina Mentor", topics=[incidents])
    make_mentor(community, display_name="Otto Other", timezone="Asia/Tokyo")
    newcomer = make_member(community, display_name="Newt Newcomer")

    page = browser_page
    _log_in(page, newcomer, f"/c/{community.slug}/mentoring/find/")
    page.get_by_label("Your goals").fill("Run my first incident review")
    page.get_by_label("Incidents").check()
    page.get_by_role("button", name="Show matches for these topics").click()
    ranking = page.locator(".ranking > li")
    expect(ranking.first).to_contain_text("Mina Mentor")
    expect(ranking.first).to_contain_text("1 topic in common: Incidents")
    mail.outbox.clear()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Your request went to Mina Mentor")).to_be_visible()

    [email] = [m for m in mail.outbox if m.to == [mentor.email]]
    assert "Newt Newcomer asks you to be their mentor" in email.subject
    link = re.search(r"https?://\S+/mentoring/requests/\d+/", email.body).group(0)

    mentor_page = page.context.browser.new_context(base_url=live_server.url).new_page()
    mentor_page.set_default_timeout(10_000)
    _log_in(mentor_page, mentor, link)
    expect(mentor_page.get_by_text("Run my first incident review")).to_be_visible()
    mentor_page.get_by_role("button", name="Accept and become their mentor").click()
    expect(
        mentor_page.get_by_role("heading", name="Mina Mentor mentors Newt Newcomer")
    ).to_be_visible()
    mentorship = Mentorship.objects.get()

    page.goto(f"/c/{community.slug}/mentoring/")
    page.get_by_role("link", name="Mina Mentor").click()
    expect(page.get_by_role("heading", name="Mina Mentor mentors Newt Newcomer")).to_be_visible()
    page.get_by_label("Notes:", exact=True).fill("We talked about **timelines**.")
    page.get_by_label("Next steps").fill("Draft the review")
    page.get_by_role("button", name="Log check-in").click()
    expect(page.get_by_text("Check-in logged.")).to_be_visible()
    expect(page.locator(".checkins strong", has_text="timelines")).to_be_visible()

    mentor_page.goto(mentorship.get_absolute_url())
    expect(mentor_page.get_by_text("logged by Newt Newcomer")).to_be_visible()
    expect(mentor_page.get_by_text("Draft the review")).to_be_visible()
    assert page.dialogs == []
    mentor_page.context.close()
