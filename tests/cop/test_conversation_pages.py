"""The pages of comments and announcements: the flows, fixed query counts with one and
many comments, hidden comments, and the XSS corpus through every new field."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import ReactionKind
from cop.models import Announcement, Comment, Reaction, ValueStory
from cop.services import comments as service
from knowledge.enums import EntryStatus
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    StoryFactory,
    UserFactory,
    make_member,
)
from tests.knowledge.test_xss import CORPUS, assert_no_executable_markup

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coordinator = UserFactory(display_name="Cora Coordinator")
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community, display_name="Ada Author")
    member = make_member(community, display_name="Mo Member")
    story = StoryFactory(community=community, author=author, title="The pager story")
    return community, coordinator, author, member, story


def _targets(community, author):
    return [
        StoryFactory(community=community, author=author),
        PracticeEntryFactory(community=community, author=author, status=EntryStatus.VALIDATED),
        MeetingFactory(community=community),
        ValueStory.objects.create(
            community=community, narrator=author, title="It helped", immediate="We met."
        ),
    ]


def test_member_comments_replies_and_quotes_through_the_pages(client, world):
    community, _coordinator, author, member, story = world
    client.force_login(member)
    create = reverse("comment_create", args=[community.slug, "story", story.pk])
    response = client.post(create, {"body": "This **helped** me, @AdaAuthor"})
    comment = Comment.objects.get()
    assert response.url == f"{story.get_absolute_url()}#comment-{comment.pk}"
    page = client.get(story.get_absolute_url()).content.decode()
    assert "<strong>helped</strong>" in page
    assert "1 comment" in page
    # The author quotes it in a reply: the form starts with the quoted text.
    client.force_login(author)
    form = client.get(f"{create}?quote={comment.pk}").content.decode()
    assert "&gt; This **helped** me, @AdaAuthor" in form
    client.post(create, {"body": "> This helped me\n\nGlad!", "parent": comment.pk})
    reply = Comment.objects.exclude(pk=comment.pk).get()
    assert reply.parent == comment
    page = client.get(story.get_absolute_url()).content.decode()
    assert "<blockquote>" in page
    assert "2 comments" in page


def test_blank_comment_gets_a_form_error(client, world):
    community, _coordinator, _author, member, story = world
    client.force_login(member)
    create = reverse("comment_create", args=[community.slug, "story", story.pk])
    response = client.post(create, {"body": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    response = client.post(create, {"body": "x", "parent": "99999999999999999999999"})
    assert response.status_code == 200  # a form error, not a 500
    assert not Comment.objects.exists()


def test_outsider_gets_403_and_private_target_is_404(client, world):
    community, _coordinator, _author, _member, story = world
    client.force_login(UserFactory())
    create = reverse("comment_create", args=[community.slug, "story", story.pk])
    assert client.post(create, {"body": "hi"}).status_code == 403
    private = CommunityFactory(visibility="private")
    secret = StoryFactory(community=private)
    url = reverse("comment_create", args=[private.slug, "story", secret.pk])
    assert client.post(url, {"body": "hi"}).status_code == 404
    unknown_kind = reverse("comment_create", args=[community.slug, "poll", 1])
    assert client.get(unknown_kind).status_code == 404
    assert not Comment.objects.exists()


def test_edit_delete_react_and_hide_through_the_pages(client, world):
    community, coordinator, author, member, story = world
    comment = service.post_comment(target=story, author=member, body="First version")
    client.force_login(author)
    edit = reverse("comment_edit", args=[community.slug, comment.pk])
    assert client.post(edit, {"body": "Hijacked"}).status_code == 403
    react = reverse("comment_react", args=[community.slug, comment.pk])
    client.post(react, {"kind": ReactionKind.HELPED})
    client.post(react, {"kind": ReactionKind.THANKS})
    client.post(react, {"kind": ReactionKind.THANKS})  # a second click takes it back
    assert list(Reaction.objects.values_list("kind", flat=True)) == [ReactionKind.HELPED]
    client.force_login(member)
    client.post(edit, {"body": "Second version"})
    assert Comment.objects.get().body == "Second version"
    client.force_login(coordinator)
    client.post(reverse("comment_hide", args=[community.slug, comment.pk]))
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Hidden pending review" in page and "Second version" in page
    client.force_login(author)
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Second version" not in page and "0 comments" in page
    client.force_login(member)
    assert "Hidden pending review" in client.get(story.get_absolute_url()).content.decode()
    delete = reverse("comment_delete", args=[community.slug, comment.pk])
    assert "Delete this comment?" in client.get(delete).content.decode()
    client.post(delete)
    assert Comment.objects.get().deleted_at is not None
    assert client.get(edit).status_code == 404


@pytest.mark.parametrize("count", [1, 15])
def test_detail_pages_query_count_with_comments(client, world, count, django_assert_num_queries):
    community, coordinator, author, member, _story = world
    targets = _targets(community, author)
    others = [make_member(community) for _ in range(3)]
    for target in targets:
        for i in range(count):
            comment = service.post_comment(target=target, author=others[i % 3], body=f"Note {i}")
            service.react(comment=comment, user=member, kind=ReactionKind.THANKS)
            if i % 2:
                service.post_comment(target=target, author=author, body="Reply", parent=comment)
            if i == 3:
                service.hide_comment(comment=comment, by=coordinator)
    client.force_login(member)
    # The page itself, the comment thread and the viewer's reactions; the story and the
    # practice also ask whether the viewer saved, follows and thanked them, the meeting
    # its speakers and co-hosts.
    expected = {"Story": 10, "PracticeEntry": 14, "Meeting": 14, "ValueStory": 10}
    for target in targets:
        url = target.get_absolute_url()
        client.get(url)
        with django_assert_num_queries(expected[type(target).__name__]):
            response = client.get(url)
        assert response.content.decode().count("Note ") >= min(count, 3), url


def test_comment_markdown_is_sanitised_on_every_target(client, world):
    community, coordinator, author, member, _story = world
    targets = _targets(community, author)
    client.force_login(member)
    frames = [client.get(t.get_absolute_url()).content.decode() for t in targets]
    for target in targets:
        comment = service.post_comment(target=target, author=member, body=CORPUS)
        service.post_comment(target=target, author=coordinator, body=CORPUS, parent=comment)
    for target in targets:
        html = client.get(target.get_absolute_url()).content.decode()
        assert_no_executable_markup(html, target.get_absolute_url(), frames=frames)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    first = Comment.objects.first()
    for url in (
        reverse("comment_create", args=[community.slug, "story", targets[0].pk])
        + f"?quote={first.pk}",
        reverse("comment_edit", args=[community.slug, first.pk]),
        reverse("comment_delete", args=[community.slug, first.pk]),
    ):
        html = client.get(url).content.decode()
        assert_no_executable_markup(html, url, frames=frames)


# --- Announcements -------------------------------------------------------------------------


def test_coordinator_posts_announcement_and_sees_progress(
    client, world, django_capture_on_commit_callbacks
):
    community, coordinator, _author, member, _story = world
    client.force_login(member)
    assert client.get(reverse("announcement_create", args=[community.slug])).status_code == 403
    client.force_login(coordinator)
    pin = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("announcement_create", args=[community.slug]),
            {"title": "Summer meetup", "body": "Come **along**", "pinned_until": pin},
        )
    announcement = Announcement.objects.get()
    assert response.url == announcement.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "Sent to 2 of 2 members." in page
    home = client.get(community.get_absolute_url()).content.decode()
    assert "Summer meetup" in home and "<strong>along</strong>" in home
    client.force_login(member)
    page = client.get(announcement.get_absolute_url()).content.decode()
    assert "Summer meetup" in page and "Sent to" not in page  # progress is the coordinators'


def test_announcement_form_errors(client, world):
    community, coordinator, _author, _member, _story = world
    client.force_login(coordinator)
    url = reverse("announcement_create", args=[community.slug])
    response = client.post(url, {"title": "T", "body": "B", "pinned_until": "2001-01-01"})
    assert response.status_code == 200
    assert "Pick today or a later day." in response.content.decode()
    response = client.post(url, {"title": "T", "body": "B", "pinned_until": "99999-01-01"})
    assert response.status_code == 200
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("count", [1, 25])
def test_announcement_pages_query_count(client, world, count, django_assert_num_queries):
    community, coordinator, _author, member, _story = world
    # Pinned until tomorrow: the reader's zone may already be a day ahead of the server's.
    today = timezone.localdate() + timedelta(days=1)
    Announcement.objects.bulk_create(
        [
            Announcement(
                community=community,
                author=coordinator,
                title=f"News {i}",
                body=f"Body {i}",
                pinned_until=today if i < 2 else None,
            )
            for i in range(count)
        ]
    )
    client.force_login(member)
    for url, queries in (
        (reverse("announcements", args=[community.slug]), 5),
        # the home page, with the spotlight and the related communities
        (community.get_absolute_url(), 17),
    ):
        client.get(url)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert "News " in response.content.decode()


def test_announcement_xss(client, world, django_capture_on_commit_callbacks):
    community, coordinator, _author, member, _story = world
    client.force_login(member)
    frames = [client.get(community.get_absolute_url()).content.decode()]
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("announcement_create", args=[community.slug]),
            {"title": "<script>alert(1)</script>", "body": CORPUS, "pinned_until": ""},
        )
    announcement = Announcement.objects.get()
    Announcement.objects.update(pinned_until=timezone.localdate())
    client.force_login(member)
    for url in (
        community.get_absolute_url(),
        reverse("announcements", args=[community.slug]),
        announcement.get_absolute_url(),
        reverse("notification_list"),
    ):
        html = client.get(url).content.decode()
        assert_no_executable_markup(html, url, frames=frames)


def test_private_community_announcements_are_404_to_outsiders(client):
    community = CommunityFactory(visibility="private", coordinator=UserFactory())
    announcement = Announcement.objects.create(community=community, title="Secret", body="x")
    client.force_login(UserFactory())
    assert client.get(reverse("announcements", args=[community.slug])).status_code == 404
    assert client.get(announcement.get_absolute_url()).status_code == 404
