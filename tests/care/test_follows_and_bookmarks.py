"""Following (notifications by the member's preferences) and bookmarks (the Saved page)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from care.models import Bookmark, Follow
from care.services.bookmarks import bookmark
from care.services.follows import follow
from cop.enums import NotificationKind, Visibility
from cop.models import DeliveryChannel, EmailDelivery, EmailStatus, Membership, Notification
from cop.permissions import allowed
from cop.services.notifications import set_channel
from knowledge.services import problems, stories
from tests.factories import (
    CommunityFactory,
    ProblemFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _followed(user):
    return list(Notification.objects.filter(recipient=user, kind=NotificationKind.FOLLOWED))


def test_following_a_topic_tells_of_new_stories_by_preference(
    community, author, member, django_capture_on_commit_callbacks
):
    topic = TagFactory(community=community, name="Night shifts")
    follow(user=member, obj=topic)
    set_channel(user=member, kind=NotificationKind.FOLLOWED, channel=DeliveryChannel.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        story = stories.tell_story(
            community=community, author=author, title="Handover", situation="S", action="A",
            outcome="O", tags=[topic],
        )  # fmt: skip
    [note] = _followed(member)
    assert "Handover" in note.title and note.url == story.get_absolute_url()
    assert EmailDelivery.objects.get(notification=note).status == EmailStatus.HELD
    assert not _followed(author)  # never about one's own


def test_following_a_member_and_a_problem(
    community, author, member, django_capture_on_commit_callbacks
):
    follow(user=member, obj=Membership.objects.get(user=author, community=community))
    with django_capture_on_commit_callbacks(execute=True):
        problem = problems.ask_problem(community=community, author=author, title="Q", context="C")
    assert [n.url for n in _followed(member)] == [problem.get_absolute_url()]
    other = make_member(community)
    follow(user=other, obj=problem)
    with django_capture_on_commit_callbacks(execute=True):
        reply = problems.post_reply(problem=problem, author=member, body="Try this")
    assert [n.url for n in _followed(other)] == [reply.get_absolute_url()]
    assert len(_followed(member)) == 1  # the replier hears nothing of their own reply


def test_follow_rules(community, author, member):
    problem = ProblemFactory(community=community, author=author)
    story = StoryFactory(community=community)
    assert allowed(member, "care.follow", problem)
    assert not allowed(member, "care.follow", story)  # stories are followed via topic/member
    assert not allowed(UserFactory(), "care.follow", problem)  # not a member
    with pytest.raises(ValidationError):
        follow(user=member, obj=story)
    assert follow(user=member, obj=problem) == follow(user=member, obj=problem)
    assert Follow.objects.count() == 1


def test_bookmarks_need_sight_of_the_item(community, member):
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    secret = StoryFactory(community=private)
    story = StoryFactory(community=community)
    assert allowed(member, "care.bookmark", story)
    assert not allowed(member, "care.bookmark", secret)
    assert bookmark(user=member, obj=story) == bookmark(user=member, obj=story)
    assert Bookmark.objects.count() == 1


def test_bookmark_and_follow_through_the_pages(client, community, author, member):
    problem = ProblemFactory(community=community, author=author, title="Saved problem")
    client.force_login(member)
    page = problem.get_absolute_url()
    assert (
        client.post(reverse("care:bookmark", args=["problem", problem.pk]), {"next": page})[
            "Location"
        ]
        == page
    )
    client.post(reverse("care:follow", args=["problem", problem.pk]))
    detail = client.get(page).content.decode()
    assert "Saved</button>" in detail and "Following</button>" in detail
    saved = client.get(reverse("care:saved")).content.decode()
    assert saved.count("Saved problem") == 2  # saved, and followed
    client.post(reverse("care:bookmark", args=["problem", problem.pk]), {"remove": "1"})
    assert not Bookmark.objects.exists()


def test_saved_page_marks_what_is_gone(client, community, member):
    story = StoryFactory(community=community, title="Soon gone")
    bookmark(user=member, obj=story)
    story.deleted_at = timezone.now()
    story.save(update_fields=["deleted_at"])
    client.force_login(member)
    page = client.get(reverse("care:saved")).content.decode()
    assert "No longer available" in page and "Soon gone" not in page


@pytest.mark.parametrize("count", [1, 12])
def test_saved_page_queries_do_not_grow(
    client, community, member, count, django_assert_num_queries
):
    for _ in range(count):
        bookmark(user=member, obj=StoryFactory(community=community))
        bookmark(user=member, obj=ProblemFactory(community=community))
    client.force_login(member)
    client.get(reverse("care:saved"))
    # session, user, bookmarks page, its two kinds (stories, problems), follows; the
    # bell's unread count is kept since the first visit
    with django_assert_num_queries(6):
        response = client.get(reverse("care:saved"))
    assert response.content.decode().count("No longer available") == 0
    assert response.status_code == 200


def test_saved_page_empty_state(client, member):
    client.force_login(member)
    assert "Nothing saved yet" in client.get(reverse("care:saved")).content.decode()
