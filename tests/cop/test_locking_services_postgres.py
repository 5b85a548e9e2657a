"""The core services that lock rows, called as a view calls them: in autocommit on
PostgreSQL, where `select_for_update` outside `transaction.atomic` raises."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cop.enums import JoinPolicy, MembershipStatus, NotificationKind, Role
from cop.models import EmailDelivery, EmailStatus, Invitation, Membership
from cop.services import communities as services
from cop.services import notifications
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(coordinator=coordinator, join_policy=JoinPolicy.APPROVAL)


def _membership(community, **fields):
    return MembershipFactory(community=community, **fields)


def test_join_community_asks_to_join(community):
    membership = services.join_community(community=community, user=UserFactory(), message="Hi")
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.PENDING


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (lambda m, by: services.approve_request(membership=m, by=by), MembershipStatus.ACTIVE),
        (lambda m, by: services.decline_request(membership=m, by=by), MembershipStatus.DECLINED),
    ],
    ids=["approve_request", "decline_request"],
)
def test_answering_a_join_request(community, coordinator, answer, status):
    pending = _membership(community, status=MembershipStatus.PENDING)
    answer(pending, coordinator)
    assert Membership.objects.get(pk=pending.pk).status == status


def test_accept_invitation_makes_an_active_member(community, coordinator):
    invitee = UserFactory()
    invitation = Invitation.objects.create(
        community=community,
        email=invitee.email,
        invited_by=coordinator,
        expires_at=timezone.now() + timedelta(days=1),
    )
    token = services.invitation_token(invitation)
    membership = services.accept_invitation(token=token, user=invitee)
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACTIVE
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == invitee


@pytest.mark.parametrize(
    ("act", "status", "role"),
    [
        (
            lambda m, by: services.leave_community(membership=m),
            MembershipStatus.LEFT,
            Role.MEMBER,
        ),
        (
            lambda m, by: services.remove_member(membership=m, by=by),
            MembershipStatus.REMOVED,
            Role.MEMBER,
        ),
        (
            lambda m, by: services.set_role(membership=m, role=Role.MEMBER, by=by),
            MembershipStatus.ACTIVE,
            Role.MEMBER,
        ),
    ],
    ids=["leave_community", "remove_member", "set_role"],
)
def test_changing_a_coordinator_locks_the_coordinators(community, coordinator, act, status, role):
    """Each goes through `_lock_coordinators` (the last coordinator must stay)."""
    second = _membership(community, role=Role.COORDINATOR)
    act(second, coordinator)
    assert Membership.objects.values_list("status", "role").get(pk=second.pk) == (status, role)


def test_undo_removal_restores_the_member_with_their_role(community, coordinator):
    second = _membership(community, role=Role.COORDINATOR)
    services.remove_member(membership=second, by=coordinator)
    services.undo_removal(membership=second, by=coordinator)
    assert Membership.objects.values_list("status", "role").get(pk=second.pk) == (
        MembershipStatus.ACTIVE,
        Role.COORDINATOR,
    )


def test_retry_email_deliveries_queues_the_failed_ones_again(community):
    member = make_member(community)
    notification = notifications.notify(
        recipient=member,
        kind=NotificationKind.MEMBERSHIP,
        title="Welcome",
        url="/",
        community=community,
    )
    EmailDelivery.objects.filter(notification=notification).update(
        status=EmailStatus.FAILED, attempts=5
    )
    retried = notifications.retry_email_deliveries(deliveries=EmailDelivery.objects.all())
    assert retried == 1
    assert EmailDelivery.objects.get(notification=notification).status != EmailStatus.FAILED
