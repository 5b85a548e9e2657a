"""The sponsor report: page, PDF, bounded dates, who may see it, fixed query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cop.models import ValueStory
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    return coordinator, community


def _story(community, narrator, n):
    return ValueStory.objects.create(
        community=community,
        narrator=narrator,
        title=f"Saved a week <b>{n}</b>",
        immediate="We met and shared runbooks.",
        realized="Outage time halved.",
    )


@pytest.mark.parametrize("stories", [1, 8])
def test_report_page_shows_stories_at_a_fixed_query_count(
    world, client, django_assert_max_num_queries, stories
):
    coordinator, community = world
    for n in range(stories):
        _story(community, coordinator, n)
    client.force_login(coordinator)
    url = reverse("sponsor_report", kwargs={"slug": community.slug})
    # The dashboard's figures and the apps' sections (the groupthink signals: 15), the
    # same for one story as for eight.
    with django_assert_max_num_queries(46):
        page = client.get(url).content.decode()
    assert page.count("Saved a week") == stories
    assert "<b>0</b>" not in page and "&lt;b&gt;0&lt;/b&gt;" in page
    assert "Download PDF" in page


def test_report_query_count_does_not_grow_with_stories(world, client):
    coordinator, community = world
    client.force_login(coordinator)
    url = reverse("sponsor_report", kwargs={"slug": community.slug})
    _story(community, coordinator, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 10):
        _story(community, coordinator, n)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(one.captured_queries) == len(many.captured_queries)


def test_report_pdf_downloads(world, client):
    coordinator, community = world
    _story(community, coordinator, 1)
    client.force_login(coordinator)
    today = timezone.localdate()
    url = reverse("sponsor_report_pdf", kwargs={"slug": community.slug})
    response = client.get(url, {"start": (today - timedelta(days=30)).isoformat(), "end": today})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-05-01", "2026-01-01"),
        ("1990-01-01", "1991-01-01"),
        ("2020-01-01", "2026-01-01"),
        ("x", "y"),
    ],
)
def test_report_bad_dates_are_form_errors(world, client, start, end):
    coordinator, community = world
    client.force_login(coordinator)
    page = client.get(
        reverse("sponsor_report", kwargs={"slug": community.slug}), {"start": start, "end": end}
    )
    assert page.status_code == 200
    assert "Download PDF" not in page.content.decode()
    pdf = client.get(
        reverse("sponsor_report_pdf", kwargs={"slug": community.slug}), {"start": start, "end": end}
    )
    assert pdf.status_code == 400


def test_report_for_coordinators_and_staff_only(world, client):
    _, community = world
    url = reverse("sponsor_report", kwargs={"slug": community.slug})
    client.force_login(make_member(community))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200
