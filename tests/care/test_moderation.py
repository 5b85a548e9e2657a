"""Flags, threshold hiding and the coordinators' decisions (services and rules)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from care.enums import CaseStatus, FlagReason, ModerationAction, Resolution
from care.models import ModerationCase
from care.services.moderation import flag_content, moderate
from cop.enums import AuditAction, MembershipStatus, NotificationKind
from cop.models import AuditEntry, Membership, Notification
from cop.permissions import allowed
from cop.services.comments import post_comment
from knowledge import selectors as knowledge_selectors
from knowledge.models import SearchDocument, Story
from knowledge.search import index_object
from tests.factories import (
    CommunityFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _notes(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk"))


def test_flag_rule_members_only_and_not_ones_own(community, author, member, coordinator):
    story = StoryFactory(community=community, author=author)
    outsider = UserFactory()
    assert allowed(member, "care.flag", story)
    assert allowed(coordinator, "care.flag", story)
    assert not allowed(author, "care.flag", story)  # one's own
    assert not allowed(outsider, "care.flag", story)  # public, but not a member
    Membership.objects.filter(user=member).update(status=MembershipStatus.REMOVED)
    member.__dict__.pop("_copse_memberships", None)
    assert not allowed(member, "care.flag", story)


def test_moderate_rule_coordinators_of_that_community_only(community, author, member, coordinator):
    case = flag_content(user=member, obj=StoryFactory(community=community, author=author),
                        reason=FlagReason.SPAM).case  # fmt: skip
    other_coordinator = make_member(CommunityFactory(), role="coordinator")
    assert allowed(coordinator, "care.moderate", case)
    assert not allowed(member, "care.moderate", case)
    assert not allowed(other_coordinator, "care.moderate", case)
    assert allowed(coordinator, "care.view_queue", community)
    assert not allowed(member, "care.view_queue", community)


def test_first_flag_opens_a_case_and_tells_the_coordinators(community, author, member, coordinator):
    story = StoryFactory(community=community, author=author, title="Hot take")
    flag = flag_content(user=member, obj=story, reason=FlagReason.HARASSMENT, note="Rude.")
    case = flag.case
    assert (case.status, case.flag_count, case.community_id) == (CaseStatus.OPEN, 1, community.pk)
    assert case.title == "Story: Hot take"
    [note] = _notes(coordinator, NotificationKind.FLAG_RAISED)
    assert "Hot take" in note.title and note.url.endswith("/moderation/")
    assert not _notes(author, NotificationKind.MODERATION)  # one flag hides nothing


def test_a_member_flags_an_item_once(community, author, member):
    story = StoryFactory(community=community, author=author)
    flag_content(user=member, obj=story, reason=FlagReason.SPAM)
    with pytest.raises(ValidationError, match="already flagged"):
        flag_content(user=member, obj=story, reason=FlagReason.OTHER)
    assert ModerationCase.objects.get().flag_count == 1


def test_flag_needs_a_known_reason_and_a_bounded_note(community, author, member):
    story = StoryFactory(community=community, author=author)
    with pytest.raises(ValidationError):
        flag_content(user=member, obj=story, reason="because")
    with pytest.raises(ValidationError):
        flag_content(user=member, obj=story, reason=FlagReason.SPAM, note="x" * 1001)
    assert not ModerationCase.objects.exists()


def test_threshold_hides_pending_review(
    community, author, coordinator, client, django_capture_on_commit_callbacks
):
    community.flag_threshold = 2
    community.save(update_fields=["flag_threshold"])
    story = StoryFactory(community=community, author=author, title="Flagged story")
    index_object(story)
    first, second, bystander = (make_member(community) for _ in range(3))
    flag_content(user=first, obj=story, reason=FlagReason.SPAM)
    story.refresh_from_db()
    assert story.hidden_at is None
    with django_capture_on_commit_callbacks(execute=True):
        flag_content(user=second, obj=story, reason=FlagReason.HARASSMENT)
    story.refresh_from_db()
    assert story.hidden_at is not None
    case = ModerationCase.objects.get()
    assert case.hidden_by_flags and case.flag_count == 2 and case.status == CaseStatus.OPEN
    # Out of lists and search for everyone; the page for its author and coordinators only.
    assert not knowledge_selectors.story_list(community).filter(pk=story.pk).exists()
    assert not SearchDocument.objects.filter(object_id=story.pk, kind="story").exists()
    url = story.get_absolute_url()
    client.force_login(bystander)
    assert client.get(url).status_code == 404
    for viewer in (author, coordinator):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert "Hidden pending review" in response.content.decode()
    # Told, audited, coordinators alerted that it was hidden.
    [told] = _notes(author, NotificationKind.MODERATION)
    assert "hidden pending review" in told.title
    assert "Spam" in told.body and "Harassment" in told.body
    assert AuditEntry.objects.filter(action=AuditAction.ITEM_AUTO_HIDDEN, actor=None).count() == 1
    assert len(_notes(coordinator, NotificationKind.FLAG_RAISED)) == 2


def test_coordinator_hides_and_author_is_told_why(community, author, member, coordinator):
    story = StoryFactory(community=community, author=author)
    case = flag_content(user=member, obj=story, reason=FlagReason.CONFIDENTIALITY).case
    moderate(case=case, by=coordinator, action=ModerationAction.HIDE, note="Names a patient.")
    story.refresh_from_db()
    case.refresh_from_db()
    assert story.hidden_at is not None
    assert (case.status, case.resolution, case.resolved_by) == (
        CaseStatus.RESOLVED, Resolution.HIDDEN, coordinator
    )  # fmt: skip
    [told] = _notes(author, NotificationKind.MODERATION)
    assert "hid your story" in told.title and "Names a patient." in told.body
    entry = AuditEntry.objects.get(action=AuditAction.ITEM_HIDDEN)
    assert entry.actor == coordinator and "Names a patient." in entry.summary
    with pytest.raises(ValidationError, match="already reviewed"):
        moderate(case=case, by=coordinator, action=ModerationAction.RESTORE)


def test_restore_shows_it_again_and_dismisses(community, author, coordinator):
    community.flag_threshold = 1
    community.save(update_fields=["flag_threshold"])
    problem = ProblemFactory(community=community, author=author)
    case = flag_content(user=make_member(community), obj=problem, reason=FlagReason.SPAM).case
    problem.refresh_from_db()
    assert problem.hidden_at is not None
    moderate(case=case, by=coordinator, action=ModerationAction.RESTORE)
    problem.refresh_from_db()
    assert problem.hidden_at is None
    assert AuditEntry.objects.filter(action=AuditAction.ITEM_UNHIDDEN).count() == 1
    assert "visible again" in _notes(author, NotificationKind.MODERATION)[-1].title


def test_dismissing_flags_on_visible_content_does_not_worry_the_author(
    community, author, member, coordinator
):
    story = StoryFactory(community=community, author=author)
    case = flag_content(user=member, obj=story, reason=FlagReason.OFF_TOPIC).case
    moderate(case=case, by=coordinator, action=ModerationAction.RESTORE)
    assert not _notes(author, NotificationKind.MODERATION)
    assert AuditEntry.objects.filter(action=AuditAction.FLAGS_DISMISSED).count() == 1


def test_warning_needs_a_reason_and_reaches_the_author(community, author, member, coordinator):
    reply = ReplyFactory(problem=ProblemFactory(community=community), author=author)
    case = flag_content(user=member, obj=reply, reason=FlagReason.HARASSMENT).case
    with pytest.raises(ValidationError):
        moderate(case=case, by=coordinator, action=ModerationAction.WARN, note="  ")
    moderate(case=case, by=coordinator, action=ModerationAction.WARN, note="Be kind.")
    [told] = _notes(author, NotificationKind.MODERATION)
    assert "warning" in told.title and "Be kind." in told.body
    assert AuditEntry.objects.filter(action=AuditAction.AUTHOR_WARNED, actor=coordinator).exists()


def test_remove_member_from_a_flagged_profile(community, author, member, coordinator):
    profile = Membership.objects.get(user=author, community=community)
    case = flag_content(user=member, obj=profile, reason=FlagReason.SPAM).case
    with pytest.raises(ValidationError):
        moderate(case=case, by=coordinator, action=ModerationAction.HIDE)
    moderate(case=case, by=coordinator, action=ModerationAction.REMOVE, note="Spam account.")
    profile.refresh_from_db()
    assert profile.status == MembershipStatus.REMOVED
    [told] = _notes(author, NotificationKind.MODERATION)
    assert "removed" in told.title and "Spam account." in told.body
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_REMOVED).exists()


def test_hidden_reply_stays_on_the_page_only_for_author_and_coordinators(
    community, author, member, coordinator
):
    problem = ProblemFactory(community=community)
    reply = ReplyFactory(problem=problem, author=author, body="Hidden words")
    case = flag_content(user=member, obj=reply, reason=FlagReason.SPAM).case
    moderate(case=case, by=coordinator, action=ModerationAction.HIDE)
    assert [r.pk for r in knowledge_selectors.problem_replies(problem, member)] == []
    assert [r.pk for r in knowledge_selectors.problem_replies(problem, author)] == [reply.pk]
    assert [r.pk for r in knowledge_selectors.problem_replies(problem, coordinator)] == [reply.pk]


def test_a_new_case_opens_after_one_was_resolved(community, author, member, coordinator):
    story = StoryFactory(community=community, author=author)
    case = flag_content(user=member, obj=story, reason=FlagReason.SPAM).case
    moderate(case=case, by=coordinator, action=ModerationAction.RESTORE)
    again = flag_content(user=member, obj=story, reason=FlagReason.SPAM).case
    assert again.pk != case.pk and again.flag_count == 1
    assert Story.objects.get(pk=story.pk).hidden_at is None


def test_a_flagged_comment_is_hidden_and_leaves_its_storys_count(
    community, author, member, coordinator
):
    story = StoryFactory(community=community, author=author)
    comment = post_comment(target=story, author=author, body="You are all wrong.")
    assert Story.objects.get(pk=story.pk).comment_count == 1
    case = flag_content(user=member, obj=comment, reason=FlagReason.HARASSMENT).case
    assert case.title.startswith("Comment")
    moderate(case=case, by=coordinator, action=ModerationAction.HIDE, note="Be kind.")
    comment.refresh_from_db()
    assert comment.hidden_at is not None
    assert Story.objects.get(pk=story.pk).comment_count == 0
    [told] = _notes(author, NotificationKind.MODERATION)
    assert "Be kind." in told.body
    # Restored after review: it counts again, once.
    case = flag_content(user=make_member(community), obj=comment, reason=FlagReason.SPAM).case
    moderate(case=case, by=coordinator, action=ModerationAction.RESTORE)
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert Story.objects.get(pk=story.pk).comment_count == 1


@pytest.mark.parametrize("cases", [1, 6])
def test_moderation_queue_queries_do_not_grow_with_cases(
    client, community, author, coordinator, cases, django_assert_max_num_queries
):
    flagger = make_member(community)
    for i in range(cases):
        story = StoryFactory(community=community, author=author, title=f"Flagged {i}")
        flag_content(user=flagger, obj=story, reason=FlagReason.SPAM)
    client.force_login(coordinator)
    url = reverse("care:queue", args=[community.slug])
    client.get(url)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Flagged ") >= cases


def test_a_case_is_decided_only_in_its_own_community(client, community, author, member):
    """The page and the API find a case through its community (`access_case`): a
    coordinator elsewhere gets 404 on both, and the case stays open."""
    case = flag_content(user=member, obj=StoryFactory(community=community, author=author),
                        reason=FlagReason.SPAM).case  # fmt: skip
    elsewhere = CommunityFactory()
    other_coordinator = make_member(elsewhere, role="coordinator")
    client.force_login(other_coordinator)
    page = client.post(
        reverse("care:moderate", kwargs={"slug": elsewhere.slug, "case_id": case.pk}),
        {f"case{case.pk}-action": ModerationAction.HIDE},
    )
    api = APIClient()
    api.force_authenticate(other_coordinator)
    answer = api.post(
        f"/api/v1/communities/{elsewhere.slug}/moderation/{case.pk}/",
        {"action": ModerationAction.HIDE},
        format="json",
    )
    case.refresh_from_db()
    assert (page.status_code, answer.status_code) == (404, 404)
    assert case.status == CaseStatus.OPEN
