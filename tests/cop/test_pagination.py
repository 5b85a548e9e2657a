from datetime import timedelta

import pytest
from django.utils import timezone

from cop.pagination import decode_cursor, encode_cursor, keyset_page
from knowledge.models import Problem
from tests.factories import CommunityFactory, ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def problems():
    """25 problems, five of them sharing one timestamp (the tie-break by id matters)."""
    community = CommunityFactory()
    start = timezone.now() - timedelta(days=1)
    made = []
    for i in range(25):
        moment = start + timedelta(minutes=min(i, 20))
        made.append(ProblemFactory(community=community, created_at=moment))
    return Problem.objects.filter(community=community)


def _titles(page):
    return [p.title for p in page.object_list]


def test_keyset_pages_walk_older_and_back_newer_without_gaps_or_repeats(problems):
    expected = list(problems.order_by("-created_at", "-id"))
    first = keyset_page(problems, field="created_at", size=10)
    second = keyset_page(problems, field="created_at", size=10, older=first.older)
    third = keyset_page(problems, field="created_at", size=10, older=second.older)
    walked = first.object_list + second.object_list + third.object_list
    assert walked == expected
    assert first.newer == "" and first.older
    assert second.newer and second.older
    assert third.older == "" and len(third) == 5
    back = keyset_page(problems, field="created_at", size=10, newer=third.newer)
    assert _titles(back) == _titles(second)
    again = keyset_page(problems, field="created_at", size=10, newer=back.newer)
    assert _titles(again) == _titles(first)
    assert again.newer == ""


@pytest.mark.parametrize(
    "cursor", ["", "abc", "1-", "-1-2", "99999999999999999-1", "1" * 40 + "-1", "12-\x00"]
)
def test_keyset_page_ignores_a_cursor_that_does_not_parse(problems, cursor):
    page = keyset_page(problems, field="created_at", size=10, older=cursor)
    assert page.object_list == list(problems.order_by("-created_at", "-id")[:10])


def test_keyset_page_past_the_end_starts_again_from_the_newest(problems):
    oldest = problems.order_by("created_at", "id").first()
    cursor = encode_cursor(oldest.created_at - timedelta(days=1), 1)
    page = keyset_page(problems, field="created_at", size=10, older=cursor)
    assert len(page) == 10 and page.newer == ""


def test_cursor_round_trips_to_the_microsecond():
    moment = timezone.now()
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)


def test_problem_list_pages_by_older_and_newer_links(client):
    community = CommunityFactory()
    for _ in range(45):
        ProblemFactory(community=community)
    url = f"/c/{community.slug}/knowledge/problems/"
    first = client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page) == 20 and page.older and not page.newer
    html = first.content.decode()
    assert f"?older={page.older}" in html and "?newer=" not in html
    last = client.get(f"{url}?older={page.older}")
    last = client.get(f"{url}?older={last.context['page'].older}")
    assert len(last.context["page"]) == 5
    assert "?older=" not in last.content.decode()
    assert f"?newer={last.context['page'].newer}" in last.content.decode()
