import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cop.enums import Role, Visibility
from knowledge import rules as r
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def private():
    return CommunityFactory(visibility=Visibility.PRIVATE)


def test_view_public_anyone_private_members_only(community, private):
    anonymous = AnonymousUser()
    assert r.can_view(anonymous, StoryFactory(community=community))
    story = StoryFactory(community=private)
    assert not r.can_view(anonymous, story)
    assert not r.can_view(UserFactory(), story)
    assert r.can_view(make_member(private), story)


def test_post_needs_active_membership(community):
    assert r.can_post(make_member(community), community)
    assert not r.can_post(UserFactory(), community)
    pending = UserFactory()
    MembershipFactory(community=community, user=pending, status="pending")
    assert not r.can_post(pending, community)


def test_edit_only_author_while_member(community):
    author = make_member(community)
    story = StoryFactory(community=community, author=author)
    assert r.can_edit(author, story)
    assert not r.can_edit(make_member(community), story)
    assert not r.can_edit(make_member(community, role=Role.COORDINATOR), story)
    author.memberships.update(status="left")
    author.__dict__.pop("_copse_memberships", None)
    assert not r.can_edit(author, story)


def test_edit_entry_author_or_owner(community):
    author, owner = make_member(community), make_member(community)
    entry = PracticeEntryFactory(community=community, author=author, owner=owner)
    assert r.can_edit_entry(author, entry)
    assert r.can_edit_entry(owner, entry)
    assert not r.can_edit_entry(make_member(community), entry)


def test_delete_author_or_coordinator(community):
    author = make_member(community)
    problem = ProblemFactory(community=community, author=author)
    assert r.can_delete(author, problem)
    assert r.can_delete(make_member(community, role=Role.COORDINATOR), problem)
    assert not r.can_delete(make_member(community), problem)
    assert not r.can_delete(AnonymousUser(), problem)


def test_deleted_item_cannot_be_edited_or_deleted_again(community):

    author = make_member(community)
    story = StoryFactory(community=community, author=author, deleted_at=timezone.now())
    assert not r.can_edit(author, story)
    assert not r.can_delete(author, story)


def test_accept_solution_asker_or_coordinator(community):
    asker = make_member(community)
    reply = ReplyFactory(problem=ProblemFactory(community=community, author=asker))
    assert r.can_accept_solution(asker, reply)
    assert r.can_accept_solution(make_member(community, role=Role.COORDINATOR), reply)
    assert not r.can_accept_solution(make_member(community), reply)
    assert not r.can_accept_solution(reply.author, reply)


def test_validate_as_expert_coordinator_or_expert_in_a_tag(community):
    tag, other_tag = TagFactory(community=community), TagFactory(community=community)
    entry = PracticeEntryFactory(community=community)
    entry.tags.add(tag)
    expert = UserFactory()
    MembershipFactory(community=community, user=expert).recognised_expertise.add(tag)
    elsewhere = UserFactory()
    MembershipFactory(community=community, user=elsewhere).recognised_expertise.add(other_tag)
    assert r.can_validate_as_expert(expert, entry)
    assert r.can_validate_as_expert(make_member(community, role=Role.COORDINATOR), entry)
    assert not r.can_validate_as_expert(elsewhere, entry)
    assert not r.can_validate_as_expert(make_member(community), entry)


def test_declared_expertise_alone_does_not_validate(community):
    tag = TagFactory(community=community)
    entry = PracticeEntryFactory(community=community)
    entry.tags.add(tag)
    claimant = UserFactory()
    MembershipFactory(community=community, user=claimant).expertise.add(tag)
    assert not r.can_validate_as_expert(claimant, entry)


def test_expertise_earned_by_an_accepted_solution_or_a_validated_practice(community):
    tag, other = TagFactory(community=community), TagFactory(community=community)
    entry = PracticeEntryFactory(community=community)
    entry.tags.add(tag)
    solver = make_member(community)
    problem = ProblemFactory(community=community)
    problem.tags.add(tag)
    ReplyFactory(problem=problem, author=solver, is_solution=False)
    assert not r.can_validate_as_expert(solver, entry)
    ReplyFactory(problem=problem, author=solver, is_solution=True)
    assert r.can_validate_as_expert(solver, entry)
    writer = make_member(community)
    elsewhere = PracticeEntryFactory(community=community, author=writer, status="validated")
    elsewhere.tags.add(other)
    assert not r.can_validate_as_expert(writer, entry)
    mine = PracticeEntryFactory(community=community, author=writer, status="validated")
    mine.tags.add(tag)
    assert r.can_validate_as_expert(writer, entry)


def test_validate_as_expert_not_own_entry_nor_draft(community):
    coordinator = make_member(community, role=Role.COORDINATOR)
    own = PracticeEntryFactory(community=community, author=coordinator)
    assert not r.can_validate_as_expert(coordinator, own)
    draft = PracticeEntryFactory(community=community, status="draft")
    assert not r.can_validate_as_expert(coordinator, draft)


def test_endorse_member_not_author(community):
    entry = PracticeEntryFactory(community=community, author=make_member(community))
    assert r.can_endorse(make_member(community), entry)
    assert not r.can_endorse(entry.author, entry)
    assert not r.can_endorse(UserFactory(), entry)


def test_export_coordinators_only(community):
    assert r.can_export(make_member(community, role=Role.COORDINATOR), community)
    assert not r.can_export(make_member(community), community)


def test_promote_asker_or_coordinator(community):
    asker = make_member(community)
    problem = ProblemFactory(community=community, author=asker)
    assert r.can_promote(asker, problem)
    assert r.can_promote(make_member(community, role=Role.COORDINATOR), problem)
    assert not r.can_promote(make_member(community), problem)
