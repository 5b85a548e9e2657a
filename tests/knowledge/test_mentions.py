"""@mentions in knowledge texts notify the people named, once, if they can see it."""

import pytest

from cop.enums import NotificationKind, Visibility
from cop.models import Notification
from knowledge.services import entries, problems, stories
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _mentions(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.MENTION)


def test_mention_in_story_reply_and_practice_notifies_once_per_text():
    community = CommunityFactory(coordinator=UserFactory())
    author = make_member(community)
    mira = make_member(community, email="mira@example.org", display_name="Mira Lo")
    story = stories.tell_story(
        community=community,
        author=author,
        title="Night shift",
        situation="I asked @mira for help.",
        action="",
        outcome="",
    )
    assert _mentions(mira).count() == 1
    assert _mentions(mira).get().url == story.get_absolute_url()
    # An edit that keeps the mention does not notify again.
    stories.edit_story(
        story=story, by=author, title="Night shift", situation="I asked @mira again.",
        action="", outcome="",
    )  # fmt: skip
    assert _mentions(mira).count() == 1

    problem = problems.ask_problem(community=community, author=author, title="Q", context="?")
    problems.post_reply(problem=problem, author=author, body="cc @MiraLo")
    assert _mentions(mira).count() == 2
    entries.write_entry(
        community=community, author=author, title="How-to", body="Thanks @mira", publish=True
    )
    assert _mentions(mira).count() == 3


def test_mention_of_outsider_in_private_community_notifies_nobody():
    community = CommunityFactory(coordinator=UserFactory(), visibility=Visibility.PRIVATE)
    author = make_member(community)
    outsider = UserFactory(email="zed@example.org")
    stories.tell_story(
        community=community, author=author, title="t", situation="hi @zed", action="",
        outcome="",
    )  # fmt: skip
    assert not _mentions(outsider).exists()
