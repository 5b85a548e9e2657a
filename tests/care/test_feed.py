"""The member's home feed: merged sources, newest first, "Older" paging by cursor, a
fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import Role
from cop.models import Announcement
from cop.pagination import decode_feed_cursor, encode_feed_cursor
from cop.selectors.communities import home_feed
from cop.services.comments import post_comment
from knowledge.enums import EntryStatus
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    StoryFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _world(community, count, *, at=None):
    """`count` of each source, all at the same instant when `at` is given (ties)."""
    now = timezone.now()
    made = []
    for n in range(count):
        when = at or now - timedelta(minutes=n * 4)
        made.append(StoryFactory(community=community, created_at=when))
        made.append(ProblemFactory(community=community, created_at=when - timedelta(minutes=1)))
        entry = PracticeEntryFactory(community=community, status=EntryStatus.NOT_VALIDATED)
        type(entry).objects.filter(pk=entry.pk).update(updated_at=when - timedelta(minutes=2))
        made.append(entry)
        made.append(MeetingFactory(community=community, created_at=when - timedelta(minutes=3)))
    return made


def _walk(user, size):
    seen, older, pages = [], "", 0
    while True:
        page = home_feed(user, older=older, size=size)
        seen.extend((item.source, item.pk, item.at) for item in page.items)
        pages += 1
        if not page.older:
            return seen, pages
        older = page.older


def test_feed_merges_sources_newest_first(member, community):
    _world(community, 2)
    items = home_feed(member).items
    assert [item.source for item in items] == ["story", "problem", "practice", "meeting"] * 2
    assert [item.at for item in items] == sorted((item.at for item in items), reverse=True)


@pytest.mark.parametrize("ties", [False, True])
def test_older_pages_cover_everything_once(member, community, ties):
    _world(community, 7, at=timezone.now() if ties else None)
    seen, pages = _walk(member, size=5)
    assert len(seen) == 28 and len(set(seen)) == 28
    assert pages == 6
    keys = [(at, source) for source, _pk, at in seen]
    assert [at for at, _s in keys] == sorted((at for at, _s in keys), reverse=True)


def test_feed_leaves_out_other_communities_hidden_deleted_drafts_and_past_meetings(
    member, community
):
    StoryFactory(community=CommunityFactory())  # not theirs
    StoryFactory(community=community, hidden_at=timezone.now())
    StoryFactory(community=community, deleted_at=timezone.now())
    PracticeEntryFactory(community=community, status=EntryStatus.DRAFT)
    MeetingFactory(
        community=community,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-1),
    )
    shown = StoryFactory(community=community)
    assert [(item.source, item.pk) for item in home_feed(member).items] == [("story", shown.pk)]


def test_a_cursor_that_does_not_parse_starts_from_the_newest(member, community):
    _world(community, 1)
    assert decode_feed_cursor("nonsense") is None
    assert decode_feed_cursor(encode_feed_cursor(timezone.now(), 3, 9)).pk == 9
    assert len(home_feed(member, older="1-x-2").items) == 4


def _talk(community, count):
    """`count` announcements, and `count` comments on stories and on practices."""
    coordinator = make_member(community, role=Role.COORDINATOR)
    for n in range(count):
        Announcement.objects.create(
            community=community, author=coordinator, title=f"News {n}", body="Read this."
        )
        post_comment(target=StoryFactory(community=community), author=coordinator, body="Yes")
        entry = PracticeEntryFactory(community=community, status=EntryStatus.VALIDATED)
        post_comment(target=entry, author=coordinator, body="Works")


@pytest.mark.parametrize("count", [1, 15])
def test_home_page_queries_do_not_grow(client, member, community, count, django_assert_num_queries):
    _world(community, count)
    _talk(community, count)
    client.force_login(member)
    client.get(reverse("home"))  # warm up (records last-seen)
    # session, user, memberships (cards), feed communities, six sources, the commented
    # items' titles (one query per kind: stories, practices); the bell's count is kept
    with django_assert_num_queries(12):
        response = client.get(reverse("home"))
    assert response.content.decode().count('class="card feed-item"') == min(count * 9, 20)


def test_feed_lists_announcements_and_comments_members_may_all_see(member, community):
    coordinator = make_member(community, role=Role.COORDINATOR)
    story = StoryFactory(community=community, title="Handover at six")
    comment = post_comment(target=story, author=coordinator, body="> quoted\n\nWe **do** this.")
    draft = PracticeEntryFactory(community=community, status=EntryStatus.DRAFT, author=coordinator)
    post_comment(target=draft, author=coordinator, body="Only for the draft's readers")
    hidden = StoryFactory(community=community)
    post_comment(target=hidden, author=coordinator, body="On something hidden later")
    type(hidden).objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    gone = post_comment(target=story, author=coordinator, body="Deleted")
    type(gone).objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    elsewhere = CommunityFactory()
    post_comment(target=StoryFactory(community=elsewhere), author=make_member(elsewhere), body="x")
    news = Announcement.objects.create(
        community=community, author=coordinator, title="Room change", body="Room 4."
    )
    items = {(item.source, item.pk): item for item in home_feed(member).items}
    assert ("announcement", news.pk) in items
    shown = items[("comment", comment.pk)]
    assert shown.title == "Handover at six" and shown.detail == "quoted We do this."
    assert shown.url == f"{story.get_absolute_url()}#comment-{comment.pk}"
    assert [key for key in items if key[0] == "comment"] == [("comment", comment.pk)]


def test_home_feed_empty_state(client):
    loner = make_member(CommunityFactory())
    client.force_login(loner)
    assert "Nothing new in your communities yet" in client.get(reverse("home")).content.decode()
