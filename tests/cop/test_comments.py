"""Comments and reactions: who may comment, edit, delete, react; counters; hiding;
participation; notifications and mentions (only to people who may see the target)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cop.enums import (
    AuditAction,
    MembershipStatus,
    NotificationKind,
    ParticipationKind,
    ReactionKind,
    Role,
    Visibility,
)
from cop.models import AuditEntry, Comment, Notification, ParticipationEvent, Reaction, ValueStory
from cop.permissions import allowed
from cop.rules import forget_memberships
from cop.selectors.conversation import comment_thread
from cop.services import comments as service
from knowledge.enums import EntryStatus
from tests.api_permissions import refused
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coordinator = UserFactory(display_name="Cora Coordinator")
    community = CommunityFactory(coordinator=coordinator)
    author = make_member(community, display_name="Ada Author")
    member = make_member(community, display_name="Mo Member")
    story = StoryFactory(community=community, author=author)
    return community, coordinator, author, member, story


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- who may comment ------------------------------------------------------------------------


def test_member_comments_on_story_counts_and_participation(world):
    community, _coordinator, _author, member, story = world
    comment = service.post_comment(target=story, author=member, body="  Thanks for this!  ")
    assert comment.body == "Thanks for this!"
    assert comment.community == community
    assert _fresh(story).comment_count == 1
    event = ParticipationEvent.objects.get(kind=ParticipationKind.COMMENTED)
    assert event.membership.user == member
    assert event.weight == 3  # weighted like an answer


def test_outsider_cannot_comment(world):
    _community, _coordinator, _author, _member, story = world
    outsider = UserFactory()
    url = f"/api/v1/stories/{story.pk}/comments/"
    assert "Only active members" in refused(outsider, "post", url, body="Hello")
    assert Comment.objects.count() == 0
    assert _fresh(story).comment_count == 0


def test_removed_member_cannot_comment(world):
    community, _coordinator, _author, member, story = world
    member.memberships.filter(community=community).update(status=MembershipStatus.REMOVED)
    forget_memberships(member)
    assert not allowed(member, "cop.comment_on", story)
    refused(member, "post", f"/api/v1/stories/{story.pk}/comments/", body="Hello")
    assert Comment.objects.count() == 0


def test_draft_practice_only_author_and_coordinators_may_comment(world):
    community, coordinator, author, member, _story = world
    draft = PracticeEntryFactory(community=community, author=author, status=EntryStatus.DRAFT)
    assert allowed(author, "cop.comment_on", draft)
    assert allowed(coordinator, "cop.comment_on", draft)
    assert not allowed(member, "cop.comment_on", draft)


def test_private_community_item_not_commentable_by_outsider():
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    meeting = MeetingFactory(community=community)
    outsider = UserFactory()
    assert not allowed(outsider, "cop.view_comments", meeting)
    assert not allowed(outsider, "cop.comment_on", meeting)
    assert allowed(make_member(community), "cop.comment_on", meeting)


def test_comment_on_meeting_and_value_story_keep_their_counters(world):
    community, _coordinator, author, member, _story = world
    meeting = MeetingFactory(community=community)
    value = ValueStory.objects.create(
        community=community, narrator=author, title="It helped", immediate="We met."
    )
    service.post_comment(target=meeting, author=member, body="See you there")
    service.post_comment(target=value, author=member, body="Lovely")
    service.post_comment(target=value, author=author, body="Thanks")
    assert _fresh(meeting).comment_count == 1
    assert _fresh(value).comment_count == 2


def test_blank_and_overlong_commentsrefused(world):
    _community, _coordinator, _author, member, story = world
    with pytest.raises(ValidationError):
        service.post_comment(target=story, author=member, body=" \n\t ")
    with pytest.raises(ValidationError):
        service.post_comment(target=story, author=member, body="x" * 10001)
    comment = service.post_comment(target=story, author=member, body="a\x00b\x07c")
    assert comment.body == "a b c"


def test_deleted_story_cannot_be_commented(world):
    _community, _coordinator, _author, member, story = world

    type(story).objects.filter(pk=story.pk).update(deleted_at=timezone.now())
    with pytest.raises(ValidationError):
        service.post_comment(target=story, author=member, body="late")


# --- replies -----------------------------------------------------------------------------------


def test_reply_to_a_reply_joins_the_parent_thread(world):
    _community, coordinator, author, member, story = world
    top = service.post_comment(target=story, author=member, body="Top")
    reply = service.post_comment(target=story, author=author, body="Reply", parent=top)
    deeper = service.post_comment(target=story, author=coordinator, body="Deeper", parent=reply)
    assert reply.parent == top
    assert deeper.parent == top  # one level only
    thread = comment_thread(story, member)
    assert [item.comment.pk for item in thread] == [top.pk]
    assert [c.pk for c in thread[0].replies] == [reply.pk, deeper.pk]


def test_parent_on_another_targetrefused(world):
    community, _coordinator, _author, member, story = world
    other = StoryFactory(community=community)
    elsewhere = service.post_comment(target=other, author=member, body="Elsewhere")
    with pytest.raises(ValidationError):
        service.post_comment(target=story, author=member, body="x", parent=elsewhere)


# --- edit and delete -----------------------------------------------------------------------


def test_only_author_may_edit(world):
    _community, coordinator, author, member, story = world
    comment = service.post_comment(target=story, author=member, body="First")
    for other in (coordinator, author):
        refused(other, "patch", f"/api/v1/comments/{comment.pk}/", body="Changed")
    assert _fresh(comment).body == "First"
    service.edit_comment(comment=comment, by=member, body="Second")
    comment.refresh_from_db()
    assert comment.body == "Second"
    assert comment.edited_at is not None


def test_author_and_coordinator_may_delete_others_not(world):
    _community, coordinator, author, member, story = world
    mine = service.post_comment(target=story, author=member, body="Mine")
    theirs = service.post_comment(target=story, author=author, body="Theirs")
    refused(member, "delete", f"/api/v1/comments/{theirs.pk}/")
    assert _fresh(theirs).deleted_at is None
    service.delete_comment(comment=mine, by=member)
    service.delete_comment(comment=theirs, by=coordinator)
    assert _fresh(story).comment_count == 0
    assert Comment.objects.filter(deleted_at__isnull=False).count() == 2  # soft
    # A coordinator's deletion of someone else's comment is in the audit log.
    assert AuditEntry.objects.filter(action=AuditAction.ITEM_DELETED).count() == 1
    # Deleting twice counts once; a deleted comment cannot be edited.
    service.delete_comment(comment=_fresh(mine), by=member)
    with pytest.raises(ValidationError):
        service.edit_comment(comment=_fresh(mine), by=member, body="again")
    assert _fresh(story).comment_count == 0


def test_undelete_by_coordinator_counts_again(world):
    _community, coordinator, _author, member, story = world
    comment = service.post_comment(target=story, author=member, body="Oops")
    service.delete_comment(comment=comment, by=member)
    assert not allowed(member, "cop.moderate_comment", _fresh(comment))
    service.undelete_comment(comment=comment, by=coordinator)
    assert _fresh(story).comment_count == 1


# --- hide and restore (the moderation API) ------------------------------------------------


def test_hidden_comment_shows_to_author_and_coordinators_only(world):
    _community, coordinator, author, member, story = world
    comment = service.post_comment(target=story, author=member, body="Borderline")
    client = Client()
    client.force_login(author)
    hide = reverse("comment_hide", kwargs={"slug": story.community.slug, "pk": comment.pk})
    assert client.post(hide).status_code == 403
    assert _fresh(comment).hidden_at is None
    service.hide_comment(comment=comment, by=coordinator)
    assert _fresh(story).comment_count == 0
    assert [i.comment.pk for i in comment_thread(story, member)] == [comment.pk]
    assert [i.comment.pk for i in comment_thread(story, coordinator)] == [comment.pk]
    assert comment_thread(story, author) == []
    assert comment_thread(story, UserFactory()) == []
    # Nobody reacts to a hidden comment.
    assert not allowed(author, "cop.react_to_comment", _fresh(comment))
    service.restore_comment(comment=comment, by=coordinator)
    assert _fresh(story).comment_count == 1
    assert [i.comment.pk for i in comment_thread(story, author)] == [comment.pk]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.COMMENT_HIDDEN, AuditAction.COMMENT_RESTORED} <= actions


def test_hide_by_rule_without_actor_and_delete_of_hidden_counts_once(world):
    _community, _coordinator, _author, member, story = world
    comment = service.post_comment(target=story, author=member, body="Flagged")
    service.hide_comment(comment=comment, by=None)
    service.hide_comment(comment=_fresh(comment), by=None)  # twice: counted once
    assert _fresh(story).comment_count == 0
    service.delete_comment(comment=_fresh(comment), by=member)
    assert _fresh(story).comment_count == 0


# --- reactions ------------------------------------------------------------------------------


def test_reactions_one_per_kind_per_member(world):
    _community, coordinator, author, member, story = world
    comment = service.post_comment(target=story, author=member, body="Useful tip")
    assert service.react(comment=comment, user=author, kind=ReactionKind.THANKS)
    assert not service.react(comment=comment, user=author, kind=ReactionKind.THANKS)
    assert service.react(comment=comment, user=author, kind=ReactionKind.HELPED)
    assert service.react(comment=comment, user=coordinator, kind=ReactionKind.THANKS)
    comment.refresh_from_db()
    assert (comment.thanks_count, comment.helped_count, comment.plus_one_count) == (2, 1, 0)
    assert Reaction.objects.filter(comment=comment).count() == 3
    assert service.unreact(comment=comment, user=author, kind=ReactionKind.THANKS)
    assert not service.unreact(comment=comment, user=author, kind=ReactionKind.THANKS)
    comment.refresh_from_db()
    assert comment.thanks_count == 1


def test_reaction_rules(world):
    _community, _coordinator, author, member, story = world
    comment = service.post_comment(target=story, author=member, body="Mine")
    url = f"/api/v1/comments/{comment.pk}/reactions/"
    refused(member, "post", url, kind=ReactionKind.THANKS)  # own comment
    refused(UserFactory(), "post", url, kind=ReactionKind.THANKS)
    assert not Reaction.objects.exists()
    with pytest.raises(ValidationError):
        service.react(comment=comment, user=author, kind="love")  # not one of the few
    assert service.toggle_reaction(comment=comment, user=author, kind=ReactionKind.PLUS_ONE)
    assert not service.toggle_reaction(comment=comment, user=author, kind=ReactionKind.PLUS_ONE)


# --- notifications --------------------------------------------------------------------------


def test_story_author_and_parent_author_are_told(world, django_capture_on_commit_callbacks):
    _community, _coordinator, author, member, story = world
    with django_capture_on_commit_callbacks(execute=True):
        top = service.post_comment(target=story, author=member, body="Question?")
    assert Notification.objects.filter(recipient=author, kind=NotificationKind.COMMENT).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        service.post_comment(target=story, author=author, body="Answer", parent=top)
    told = Notification.objects.get(recipient=member, kind=NotificationKind.COMMENT)
    assert f"#comment-{Comment.objects.last().pk}" in told.url
    # Nobody is told about their own comment.
    assert not Notification.objects.filter(recipient=author, actor=author).exists()


def test_mentions_notify_only_people_who_may_see_the_target(
    world, django_capture_on_commit_callbacks
):
    community, coordinator, author, _member, _story = world
    draft = PracticeEntryFactory(community=community, author=author, status=EntryStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        service.post_comment(
            target=draft, author=author, body="@MoMember and @CoraCoordinator, thoughts?"
        )
    mentioned = set(
        Notification.objects.filter(kind=NotificationKind.MENTION).values_list(
            "recipient", flat=True
        )
    )
    assert mentioned == {coordinator.pk}  # Mo may not see the draft


def test_edit_mentions_only_the_newly_mentioned(world, django_capture_on_commit_callbacks):
    _community, _coordinator, _author, member, story = world
    with django_capture_on_commit_callbacks(execute=True):
        comment = service.post_comment(target=story, author=member, body="@CoraCoordinator hi")
    with django_capture_on_commit_callbacks(execute=True):
        service.edit_comment(comment=comment, by=member, body="@CoraCoordinator @AdaAuthor hi")
    counts = {
        user: Notification.objects.filter(recipient__display_name=user, kind="mention").count()
        for user in ("Cora Coordinator", "Ada Author")
    }
    assert counts == {"Cora Coordinator": 1, "Ada Author": 1}


def test_coordinator_role_change_applies_at_once(world):
    community, _coordinator, _author, member, story = world
    comment = service.post_comment(target=story, author=make_member(community), body="x")
    assert not allowed(member, "cop.moderate_comment", comment)
    member.memberships.filter(community=community).update(role=Role.COORDINATOR)
    forget_memberships(member)
    assert allowed(member, "cop.moderate_comment", comment)
