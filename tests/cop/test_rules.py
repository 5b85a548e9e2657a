import pytest
from django.contrib.auth.models import AnonymousUser

from cop import rules as cop_rules
from cop.enums import JoinPolicy, MembershipStatus, Role, Visibility
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public():
    return CommunityFactory(visibility=Visibility.PUBLIC, join_policy=JoinPolicy.OPEN)


@pytest.fixture
def private():
    return CommunityFactory(visibility=Visibility.PRIVATE, join_policy=JoinPolicy.APPROVAL)


def _member(community, role=Role.MEMBER, status=MembershipStatus.ACTIVE):
    return MembershipFactory(community=community, role=role, status=status).user


def test_view_public_community_anyone(public):
    assert cop_rules.can_view_community(AnonymousUser(), public)
    assert cop_rules.can_view_community(UserFactory(), public)


def test_view_private_community_members_only(private):
    assert not cop_rules.can_view_community(AnonymousUser(), private)
    assert not cop_rules.can_view_community(UserFactory(), private)
    assert not cop_rules.can_view_community(
        _member(private, status=MembershipStatus.PENDING), private
    )
    assert not cop_rules.can_view_community(
        _member(private, status=MembershipStatus.REMOVED), private
    )
    assert cop_rules.can_view_community(_member(private), private)


def test_is_coordinator_only_active_coordinators(public):
    assert cop_rules.is_coordinator(_member(public, role=Role.COORDINATOR), public)
    assert not cop_rules.is_coordinator(_member(public), public)
    assert not cop_rules.is_coordinator(
        _member(public, role=Role.COORDINATOR, status=MembershipStatus.LEFT), public
    )
    assert not cop_rules.is_coordinator(AnonymousUser(), public)


def test_can_join_open_community_when_not_member(public):
    assert cop_rules.can_join_community(UserFactory(), public)
    assert not cop_rules.can_join_community(AnonymousUser(), public)
    assert not cop_rules.can_join_community(_member(public), public)
    assert not cop_rules.can_join_community(
        _member(public, status=MembershipStatus.REMOVED), public
    )
    assert cop_rules.can_join_community(_member(public, status=MembershipStatus.LEFT), public)


def test_can_join_not_for_approval_or_invitation():
    approval = CommunityFactory(join_policy=JoinPolicy.APPROVAL)
    invitation = CommunityFactory(join_policy=JoinPolicy.INVITATION)
    user = UserFactory()
    assert not cop_rules.can_join_community(user, approval)
    assert not cop_rules.can_join_community(user, invitation)


def test_can_request_to_join_approval_community():
    approval = CommunityFactory(join_policy=JoinPolicy.APPROVAL)
    assert cop_rules.can_request_to_join(UserFactory(), approval)
    assert not cop_rules.can_request_to_join(AnonymousUser(), approval)
    assert not cop_rules.can_request_to_join(
        _member(approval, status=MembershipStatus.PENDING), approval
    )
    assert not cop_rules.can_request_to_join(_member(approval), approval)
    assert cop_rules.can_request_to_join(
        _member(approval, status=MembershipStatus.DECLINED), approval
    )


def test_cannot_request_to_join_private_community_one_cannot_see(private):
    # A private approval community is found only through an invitation or a member.
    assert not cop_rules.can_request_to_join(UserFactory(), private)


def test_edit_and_manage_only_coordinators(public):
    coordinator = _member(public, role=Role.COORDINATOR)
    member = _member(public)
    for perm in ("cop.change_community", "cop.manage_members"):
        assert coordinator.has_perm(perm, public)
        assert not member.has_perm(perm, public)
        assert not UserFactory().has_perm(perm, public)


def test_leave_for_active_or_pending(public):
    assert cop_rules.can_leave_community(_member(public), public)
    assert cop_rules.can_leave_community(_member(public, status=MembershipStatus.PENDING), public)
    assert not cop_rules.can_leave_community(UserFactory(), public)


def test_start_community_needs_verified_email():
    assert UserFactory().has_perm("cop.add_community")
    assert not UserFactory(verified=False).has_perm("cop.add_community")
    assert not AnonymousUser().has_perm("cop.add_community")


def test_membership_lookup_is_cached_per_user(public, django_assert_num_queries):
    user = _member(public)
    cop_rules.forget_memberships(user)
    with django_assert_num_queries(1):
        assert cop_rules.is_active_member(user, public)
        assert cop_rules.can_view_community(user, public)
        assert not cop_rules.is_coordinator(user, public)
