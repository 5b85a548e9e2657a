from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cop.enums import NotificationKind, ParticipationKind, Role
from cop.models import Notification, ParticipationEvent
from knowledge.enums import EntryStatus, ProblemStatus, TermStatus
from knowledge.models import Endorsement, PracticeEntry, SearchDocument
from knowledge.services import entries, glossary, problems, stories, validation
from knowledge.services.common import restore, soft_delete
from tests.api_permissions import refused
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return UserFactory(display_name="Cora")


@pytest.fixture
def community(coordinator):
    return CommunityFactory(coordinator=coordinator, validation_threshold=2)


def _events(user, kind):
    return ParticipationEvent.objects.filter(membership__user=user, kind=kind).count()


def _solved_problem(community):
    asker = make_member(community)
    problem = problems.ask_problem(
        community=community, author=asker, title="Slow builds", context="CI takes an hour."
    )
    reply = problems.post_reply(problem=problem, author=make_member(community), body="Cache it.")
    problems.accept_solution(reply=reply, by=asker)
    return problem, asker, reply


# --- stories ---------------------------------------------------------------------------


def test_tell_story_records_participation_and_indexes(community):
    author = make_member(community)
    tag = TagFactory(community=community)
    story = stories.tell_story(
        community=community,
        author=author,
        title="The long night",
        situation="Disk full",
        action="Rotated logs",
        outcome="Back up",
        tags=[tag],
    )
    assert list(story.tags.all()) == [tag]
    assert _events(author, ParticipationKind.TOLD_STORY) == 1
    assert SearchDocument.objects.filter(kind="story", object_id=story.pk).exists()


def test_tell_story_refused_for_non_member(community):
    with pytest.raises(ValidationError, match="Only members"):
        stories.tell_story(
            community=community,
            author=UserFactory(),
            title="x",
            situation="y",
            action="",
            outcome="",
        )


def test_tell_story_refuses_tag_of_another_community(community):
    other_tag = TagFactory()
    with pytest.raises(ValidationError, match="topics"):
        stories.tell_story(
            community=community,
            author=make_member(community),
            title="x",
            situation="y",
            action="",
            outcome="",
            tags=[other_tag],
        )


def test_edit_story_only_by_author(community):
    author = make_member(community)
    story = stories.tell_story(
        community=community, author=author, title="A", situation="S", action="", outcome=""
    )
    detail = refused(make_member(community), "patch", f"/api/v1/stories/{story.pk}/", title="B")
    assert "Only the author" in detail
    stories.edit_story(story=story, by=author, title="B", situation="S2", action="", outcome="")
    story.refresh_from_db()
    assert (story.title, story.situation) == ("B", "S2")


# --- problems and solutions ------------------------------------------------------------


def test_reply_notifies_asker_and_records_answer(community):
    asker = make_member(community)
    helper = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    assert _events(asker, ParticipationKind.ASKED_PROBLEM) == 1
    reply = problems.post_reply(problem=problem, author=helper, body="Try this")
    note = Notification.objects.get(recipient=asker)
    assert note.kind == NotificationKind.REPLY
    assert note.url.endswith(f"#reply-{reply.pk}")
    assert _events(helper, ParticipationKind.ANSWERED_PROBLEM) == 1


def test_own_reply_does_not_notify_asker(community):
    asker = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    problems.post_reply(problem=problem, author=asker, body="Update: still stuck")
    assert not Notification.objects.filter(recipient=asker).exists()


def test_multiple_solutions_accepted_problem_solved(community):
    asker = make_member(community)
    first, second = make_member(community), make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    r1 = problems.post_reply(problem=problem, author=first, body="One way")
    r2 = problems.post_reply(problem=problem, author=second, body="Another way")
    problems.accept_solution(reply=r1, by=asker)
    problems.accept_solution(reply=r2, by=asker)
    problem.refresh_from_db()
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert problem.status == ProblemStatus.SOLVED and problem.solved_at is not None
    assert r1.is_solution and r2.is_solution and r1.accepted_by == asker
    for helper in (first, second):
        assert _events(helper, ParticipationKind.SOLUTION_ACCEPTED) == 1
        assert Notification.objects.filter(
            recipient=helper, kind=NotificationKind.SOLUTION_ACCEPTED
        ).exists()


def test_coordinator_may_accept_solution(community, coordinator):
    asker = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    reply = problems.post_reply(problem=problem, author=make_member(community), body="x")
    problems.accept_solution(reply=reply, by=coordinator)
    reply.refresh_from_db()
    assert reply.is_solution and reply.accepted_by == coordinator


def test_other_member_cannot_accept_solution(community):
    asker = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    reply = problems.post_reply(problem=problem, author=make_member(community), body="x")
    url = f"/api/v1/problems/{problem.pk}/accept/"
    assert "Only the person who asked" in refused(
        make_member(community), "post", url, reply=reply.pk
    )
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_unaccepting_last_solution_reopens_problem(community):
    problem, asker, reply = _solved_problem(community)
    problems.unaccept_solution(reply=reply, by=asker)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.solved_at is None


# --- entries: life cycle, revisions, revert ---------------------------------------------


def test_write_entry_starts_as_draft_with_first_revision(community):
    author = make_member(community)
    entry = entries.write_entry(community=community, author=author, title="T", body="B")
    assert entry.status == EntryStatus.DRAFT
    assert entry.owner == author
    assert list(entry.revisions.values_list("number", "title", "body")) == [(1, "T", "B")]
    assert _events(author, ParticipationKind.WROTE_ENTRY) == 1


def test_life_cycle_moves(community, coordinator):
    author = make_member(community)
    entry = entries.write_entry(community=community, author=author, title="T", body="B")
    entry = entries.change_status(entry=entry, to=EntryStatus.NOT_VALIDATED, by=author)
    assert entry.status == EntryStatus.NOT_VALIDATED
    with pytest.raises(ValidationError, match="cannot become"):
        entries.change_status(entry=entry, to=EntryStatus.VALIDATED, by=author)
    with pytest.raises(ValidationError, match="cannot become"):
        entries.change_status(entry=entry, to=EntryStatus.DRAFT, by=author)
    entry = entries.change_status(entry=entry, to=EntryStatus.ARCHIVED, by=coordinator)
    assert entry.status == EntryStatus.ARCHIVED
    entry = entries.change_status(entry=entry, to=EntryStatus.NOT_VALIDATED, by=author)
    assert entry.status == EntryStatus.NOT_VALIDATED


def test_life_cycle_refused_for_other_member(community):
    entry = _published(community)
    url = f"/api/v1/practices/{entry.pk}/status/"
    detail = refused(make_member(community), "post", url, status=EntryStatus.ARCHIVED)
    assert "Only the author, the owner" in detail
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED


def test_every_edit_is_a_revision_and_author_stays(community):
    author = make_member(community)
    owner = make_member(community)
    entry = entries.write_entry(
        community=community, author=author, title="T", body="v1", owner=owner
    )
    entries.edit_entry(entry=entry, by=owner, title="T", body="v2")
    entries.edit_entry(entry=entry, by=author, title="T2", body="v2", summary="Better title")
    entries.edit_entry(entry=entry, by=author, title="T2", body="v2")  # no change, no revision
    entry.refresh_from_db()
    assert entry.author == author
    assert list(entry.revisions.order_by("number").values_list("number", "body", "author")) == [
        (1, "v1", author.pk),
        (2, "v2", owner.pk),
        (3, "v2", author.pk),
    ]
    assert entry.revisions.get(number=3).summary == "Better title"


def test_edit_refused_for_other_member(community):
    entry = _published(community)
    url = f"/api/v1/practices/{entry.pk}/"
    detail = refused(make_member(community), "patch", url, title="X", body="Y")
    assert "Only the author or the owner" in detail
    entry.refresh_from_db()
    assert (entry.title, entry.body) == ("T", "B")


def test_revert_adds_a_revision_with_old_content(community):
    author = make_member(community)
    entry = entries.write_entry(community=community, author=author, title="T1", body="v1")
    entries.edit_entry(entry=entry, by=author, title="T2", body="v2")
    revision = entries.revert_entry(entry=entry, to_number=1, by=author)
    entry.refresh_from_db()
    assert (entry.title, entry.body) == ("T1", "v1")
    assert revision.number == 3
    assert revision.summary == "Reverted to revision 1"
    assert entry.revisions.count() == 3


def test_revert_to_unknown_or_same_revisionrefused(community):
    author = make_member(community)
    entry = entries.write_entry(community=community, author=author, title="T1", body="v1")
    with pytest.raises(ValidationError, match="no revision 9"):
        entries.revert_entry(entry=entry, to_number=9, by=author)
    with pytest.raises(ValidationError, match="already reads like"):
        entries.revert_entry(entry=entry, to_number=1, by=author)


def test_note_beside_entry(community):
    entry = entries.write_entry(
        community=community, author=make_member(community), title="T", body="B"
    )
    note = entries.add_note(
        entry=entry, author=make_member(community), body="We do it the other way", kind="dissent"
    )
    assert list(entry.notes.all()) == [note]


# --- validation -------------------------------------------------------------------------


def _published(community, **kwargs):
    author = make_member(community)
    return entries.write_entry(
        community=community, author=author, title="T", body="B", publish=True, **kwargs
    )


def test_entry_validated_at_threshold_of_endorsements(community):
    entry = _published(community)  # threshold is 2
    first = make_member(community)
    validation.endorse_entry(entry=entry, user=first)
    validation.endorse_entry(entry=entry, user=first)  # twice counts once
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED
    assert Endorsement.objects.filter(entry=entry).count() == 1
    validation.endorse_entry(entry=entry, user=make_member(community))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED and entry.validated_at is not None
    assert (
        Notification.objects.filter(
            recipient=entry.owner, kind=NotificationKind.ENTRY_VALIDATED
        ).count()
        == 1
    )
    assert _events(first, ParticipationKind.VALIDATED_ENTRY) == 1


def test_threshold_follows_community_setting(community):
    community.validation_threshold = 1
    community.save(update_fields=["validation_threshold"])
    entry = _published(community)
    validation.endorse_entry(entry=entry, user=make_member(community))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED


def test_author_cannot_endorse_own_entry(community):
    entry = _published(community)
    url = f"/api/v1/practices/{entry.pk}/validate/"
    assert "other than the author" in refused(entry.author, "post", url)
    assert not Endorsement.objects.filter(entry=entry).exists()


def test_draft_cannot_be_endorsed(community):
    entry = entries.write_entry(
        community=community, author=make_member(community), title="T", body="B"
    )
    with pytest.raises(ValidationError, match="published"):
        validation.endorse_entry(entry=entry, user=make_member(community))


def test_one_expert_validation_is_enough(community):
    tag = TagFactory(community=community)
    entry = _published(community, tags=[tag])
    expert = UserFactory()
    membership = MembershipFactory(community=community, user=expert)
    membership.recognised_expertise.add(tag)
    validation.validate_as_expert(entry=entry, by=expert, comment="Matches what we do")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED
    assert entry.expert_validations.get().comment == "Matches what we do"
    assert _events(expert, ParticipationKind.VALIDATED_ENTRY) == 1
    assert Notification.objects.filter(
        recipient=entry.owner, kind=NotificationKind.ENTRY_VALIDATED
    ).exists()


def test_coordinator_validates_as_expert(community, coordinator):
    entry = _published(community)
    validation.validate_as_expert(entry=entry, by=coordinator)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED


def test_non_expert_cannot_validate(community):
    tag, other = TagFactory(community=community), TagFactory(community=community)
    entry = _published(community, tags=[tag])
    member = UserFactory()
    MembershipFactory(community=community, user=member).expertise.add(other)
    url = f"/api/v1/practices/{entry.pk}/validate/"
    assert "expertise" in refused(member, "post", url, expert=True)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOT_VALIDATED


def test_endorse_solution_only_when_accepted(community):
    problem, _asker, reply = _solved_problem(community)
    other = problems.post_reply(problem=problem, author=make_member(community), body="Meh")
    member = make_member(community)
    validation.endorse_solution(reply=reply, user=member)
    assert Endorsement.objects.filter(reply=reply, user=member).exists()
    with pytest.raises(ValidationError, match="accepted solution"):
        validation.endorse_solution(reply=other, user=member)


# --- promotion --------------------------------------------------------------------------


def test_promote_solved_problem_prefills_from_solutions_and_links_both_ways(community):
    tag = TagFactory(community=community)
    asker = make_member(community)
    problem = problems.ask_problem(
        community=community, author=asker, title="Slow builds", context="CI takes an hour.",
        tags=[tag],
    )  # fmt: skip
    helper1 = make_member(community, display_name="Helper One")
    helper2 = make_member(community, display_name="Helper Two")
    r1 = problems.post_reply(problem=problem, author=helper1, body="Cache dependencies.")
    problems.post_reply(problem=problem, author=helper2, body="Not a solution.")
    r3 = problems.post_reply(problem=problem, author=helper2, body="Split the test suite.")
    problems.accept_solution(reply=r1, by=asker)
    problems.accept_solution(reply=r3, by=asker)

    entry = entries.promote_problem(problem=problem, by=asker)

    assert entry.source_problem == problem
    problem.refresh_from_db()
    assert problem.promoted_entry == entry
    assert entry.title == "Slow builds"
    assert "CI takes an hour." in entry.body
    assert "Cache dependencies." in entry.body and "Split the test suite." in entry.body
    assert "Not a solution." not in entry.body
    assert "Helper One" in entry.body and "Helper Two" in entry.body
    assert list(entry.tags.all()) == [tag]
    assert entry.status == EntryStatus.DRAFT


def test_promote_open_problemrefused(community):
    asker = make_member(community)
    problem = problems.ask_problem(community=community, author=asker, title="T", context="C")
    with pytest.raises(ValidationError, match="solved"):
        entries.promote_problem(problem=problem, by=asker)


def test_promote_twicerefused(community):
    problem, asker, _reply = _solved_problem(community)
    entries.promote_problem(problem=problem, by=asker)
    with pytest.raises(ValidationError, match="already"):
        entries.promote_problem(problem=problem, by=asker)
    assert PracticeEntry.objects.filter(source_problem=problem).count() == 1


# --- glossary ---------------------------------------------------------------------------


def test_member_proposes_coordinator_accepts(community, coordinator):
    member = make_member(community)
    term = glossary.propose_term(
        community=community, by=member, term="Runbook", definition="Steps.", synonyms="playbook, "
    )
    assert term.status == TermStatus.PROPOSED and term.synonyms == "playbook"
    with pytest.raises(ValidationError, match="coordinator"):
        glossary.accept_term(term=term, by=member)
    glossary.accept_term(term=term, by=coordinator)
    term.refresh_from_db()
    assert term.status == TermStatus.ACCEPTED and term.accepted_by == coordinator


def test_coordinator_proposal_accepted_at_once(community, coordinator):
    term = glossary.propose_term(
        community=community, by=coordinator, term="SLO", definition="Objective."
    )
    assert term.status == TermStatus.ACCEPTED


def test_duplicate_termrefused(community):
    member = make_member(community)
    glossary.propose_term(community=community, by=member, term="Toil", definition="x")
    with pytest.raises(ValidationError, match="already in the glossary"):
        glossary.propose_term(community=community, by=member, term="toil", definition="y")


# --- soft delete ------------------------------------------------------------------------


def test_soft_delete_by_author_keeps_row_and_leaves_search(community):
    author = make_member(community)
    problem = problems.ask_problem(community=community, author=author, title="T", context="C")
    reply = problems.post_reply(problem=problem, author=make_member(community), body="R")
    soft_delete(item=problem, by=author)
    problem.refresh_from_db()
    assert problem.deleted_at is not None and problem.deleted_by == author
    assert not SearchDocument.objects.filter(kind="problem", object_id=problem.pk).exists()
    assert not SearchDocument.objects.filter(kind="reply", object_id=reply.pk).exists()


def test_soft_delete_by_coordinator_and_restore(community, coordinator):
    author = make_member(community)
    story = stories.tell_story(
        community=community, author=author, title="T", situation="S", action="", outcome=""
    )
    soft_delete(item=story, by=coordinator)
    restore(item=story, by=coordinator)
    story.refresh_from_db()
    assert story.deleted_at is None
    assert SearchDocument.objects.filter(kind="story", object_id=story.pk).exists()


def test_soft_delete_refused_for_other_member(community):
    entry = _published(community)
    url = f"/api/v1/practices/{entry.pk}/"
    assert "author or a coordinator" in refused(make_member(community), "delete", url)
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_removed_member_cannot_post(community):
    user = make_member(community)
    membership = user.memberships.get()
    membership.status = "removed"
    membership.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        problems.ask_problem(community=community, author=user, title="T", context="C")


def test_coordinator_role_is_enough_for_coordinator_actions(community):
    other = make_member(community, role=Role.COORDINATOR)
    _problem, _asker, reply = _solved_problem(community)
    problems.unaccept_solution(reply=reply, by=other)
    reply.refresh_from_db()
    assert not reply.is_solution


def test_story_links_to_the_meeting_it_came_from(community, client):

    author = make_member(community)
    meeting = MeetingFactory(community=community, starts_at=timezone.now() - timedelta(days=2))
    story = stories.tell_story(
        community=community,
        author=author,
        title="What the review taught us",
        situation="A tense review.",
        action="",
        outcome="",
        meeting=meeting,
    )
    assert story.meeting == meeting
    client.force_login(author)
    page = client.get(meeting.get_absolute_url())
    assert b"Stories from this meeting" in page.content
    assert b"What the review taught us" in page.content
    other = MeetingFactory()
    with pytest.raises(ValidationError):
        stories.tell_story(
            community=community,
            author=author,
            title="x",
            situation="y",
            action="",
            outcome="",
            meeting=other,
        )
