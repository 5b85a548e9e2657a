import re
import socket
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cop.enums import (
    InvitationStatus,
    JoinPolicy,
    MembershipStatus,
    NotificationKind,
    ParticipationKind,
    Role,
    Visibility,
)
from cop.models import Membership, Notification
from cop.services import communities as services
from cop.services.notifications import notify
from tests.factories import CommunityFactory, MembershipFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


def _community(**kwargs):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator, **kwargs)
    return community, coordinator


def test_create_community_makes_creator_coordinator_and_vocabulary():
    creator = UserFactory()
    community = services.create_community(
        creator=creator,
        name="Data Engineers",
        slug="data-engineers",
        domain="Pipelines that don't wake us at night.",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.APPROVAL,
        tags=["Airflow", "dbt", "airflow ", "Data quality"],
    )
    membership = Membership.objects.get(community=community, user=creator)
    assert membership.role == Role.COORDINATOR and membership.status == MembershipStatus.ACTIVE
    assert community.license == "CC-BY-SA-4.0"
    assert sorted(community.tags.values_list("slug", flat=True)) == [
        "airflow",
        "data-quality",
        "dbt",
    ]


def test_create_community_refuses_taken_slug():
    CommunityFactory(slug="taken")
    with pytest.raises(ValidationError) as info:
        services.create_community(
            creator=UserFactory(),
            name="X",
            slug="taken",
            domain="d",
            visibility="public",
            join_policy="open",
        )
    assert "slug" in info.value.message_dict


def test_set_vocabulary_replaces_tags():
    community = CommunityFactory()
    services.set_vocabulary(community=community, names=["a", "b"])
    services.set_vocabulary(community=community, names=["b", "c"])
    assert sorted(community.tags.values_list("name", flat=True)) == ["b", "c"]


def test_join_open_community_is_immediate():
    community, _ = _community(join_policy=JoinPolicy.OPEN)
    user = UserFactory()
    membership = services.join_community(community=community, user=user)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.joined_at is not None


def test_join_approval_community_is_pending_and_coordinators_told():
    community, coordinator = _community(join_policy=JoinPolicy.APPROVAL)
    user = UserFactory(display_name="Asker")
    membership = services.join_community(community=community, user=user, message="Hello!")
    assert membership.status == MembershipStatus.PENDING
    assert membership.request_message == "Hello!"
    notification = Notification.objects.get(recipient=coordinator)
    assert notification.kind == NotificationKind.JOIN_REQUEST
    assert "Asker" in notification.title


def test_join_invitation_only_refused():
    community, _ = _community(join_policy=JoinPolicy.INVITATION)
    with pytest.raises(ValidationError, match="invitation only"):
        services.join_community(community=community, user=UserFactory())


def test_join_twice_returns_same_membership():
    community, _ = _community()
    user = UserFactory()
    first = services.join_community(community=community, user=user)
    assert services.join_community(community=community, user=user).pk == first.pk


def test_removed_member_cannot_rejoin_by_themselves():
    community, coordinator = _community()
    membership = MembershipFactory(community=community)
    services.remove_member(membership=membership, by=coordinator)
    with pytest.raises(ValidationError, match="removed"):
        services.join_community(community=community, user=membership.user)


def test_left_member_can_rejoin():
    community, _ = _community()
    membership = MembershipFactory(community=community)
    services.leave_community(membership=membership)
    again = services.join_community(community=community, user=membership.user)
    assert again.pk == membership.pk and again.status == MembershipStatus.ACTIVE


def test_approve_request_activates_and_tells_requester():
    community, coordinator = _community(join_policy=JoinPolicy.APPROVAL)
    membership = services.join_community(community=community, user=UserFactory())
    services.approve_request(membership=membership, by=coordinator)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    told = Notification.objects.get(recipient=membership.user)
    assert told.kind == NotificationKind.JOIN_ANSWER and "approved" in told.title


def test_decline_request_tells_requester_with_reason():
    community, coordinator = _community(join_policy=JoinPolicy.APPROVAL)
    membership = services.join_community(community=community, user=UserFactory())
    services.decline_request(membership=membership, by=coordinator, reason="Clinicians only.")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.DECLINED
    told = Notification.objects.get(recipient=membership.user)
    assert "declined" in told.title and told.body == "Clinicians only."


def test_answering_twice_is_refused():
    community, coordinator = _community(join_policy=JoinPolicy.APPROVAL)
    membership = services.join_community(community=community, user=UserFactory())
    services.approve_request(membership=membership, by=coordinator)
    with pytest.raises(ValidationError, match="already been answered"):
        services.decline_request(membership=membership, by=coordinator)


def _token_from_mail() -> str:
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    return link.group(1)


def test_invite_sends_signed_link_and_accept_makes_member(django_capture_on_commit_callbacks):
    community, coordinator = _community(join_policy=JoinPolicy.INVITATION)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(
            community=community, by=coordinator, email="New@Example.org", message="Join us"
        )
    assert invitation.email == "new@example.org"
    assert mail.outbox[-1].to == ["new@example.org"]
    assert "Join us" in mail.outbox[-1].body
    token = _token_from_mail()
    invitee = UserFactory(email="new@example.org")
    membership = services.accept_invitation(token=token, user=invitee)
    assert membership.status == MembershipStatus.ACTIVE and membership.role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == invitee


def test_invitation_link_expires_after_14_days(django_capture_on_commit_callbacks):
    community, coordinator = _community()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(community=community, by=coordinator, email="late@example.org")
    token = _token_from_mail()
    late = UserFactory(email="late@example.org")
    with (
        time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)),
        pytest.raises(ValidationError, match="expired"),
    ):
        services.accept_invitation(token=token, user=late)
    with time_machine.travel(timezone.now() + timedelta(days=13)):
        assert services.accept_invitation(token=token, user=late).is_active


def test_invitation_used_once_and_tampered_token_refused(django_capture_on_commit_callbacks):
    community, coordinator = _community()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(community=community, by=coordinator, email="x@example.org")
    token = _token_from_mail()
    services.accept_invitation(token=token, user=UserFactory(email="x@example.org"))
    with pytest.raises(ValidationError, match="already been used"):
        services.accept_invitation(token=token, user=UserFactory())
    with pytest.raises(ValidationError, match="not valid"):
        services.accept_invitation(token=token[:-2] + "xx", user=UserFactory())


def test_reinviting_revokes_the_older_link(django_capture_on_commit_callbacks):
    community, coordinator = _community()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(community=community, by=coordinator, email="y@example.org")
    old = _token_from_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(community=community, by=coordinator, email="y@example.org")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.accept_invitation(token=old, user=UserFactory())
    invitee = UserFactory(email="y@example.org")
    assert services.accept_invitation(token=_token_from_mail(), user=invitee).is_active


def test_invitation_needs_its_verified_address_and_sets_joined_at(
    django_capture_on_commit_callbacks,
):

    community, coordinator = _community(join_policy=JoinPolicy.INVITATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(community=community, by=coordinator, email="invited@example.org")
    token = _token_from_mail()
    other = UserFactory(email="someone-else@example.org")
    with pytest.raises(ValidationError, match=r"sent to invited@example\.org"):
        services.accept_invitation(token=token, user=other)
    # The address on the account but not verified yet is not enough either.
    address = EmailAddress.objects.create(user=other, email="invited@example.org", verified=False)
    with pytest.raises(ValidationError, match="verify"):
        services.accept_invitation(token=token, user=other)
    assert not community.memberships.filter(user=other).exists()
    address.verified = True
    address.save()
    membership = services.accept_invitation(token=token, user=other)
    assert membership.is_active and membership.joined_at is not None


def test_invite_existing_member_refused():
    community, coordinator = _community()
    member = MembershipFactory(community=community).user
    with pytest.raises(ValidationError, match="already a member"):
        services.invite(community=community, by=coordinator, email=member.email)


def test_last_coordinator_cannot_leave():
    community, coordinator = _community()
    membership = Membership.objects.get(community=community, user=coordinator)
    with pytest.raises(ValidationError, match="last coordinator"):
        services.leave_community(membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_last_coordinator_cannot_be_demoted_or_removed():
    community, coordinator = _community()
    membership = Membership.objects.get(community=community, user=coordinator)
    with pytest.raises(ValidationError, match="at least one coordinator"):
        services.set_role(membership=membership, role=Role.MEMBER, by=coordinator)
    with pytest.raises(ValidationError, match="last coordinator"):
        services.remove_member(membership=membership, by=coordinator)


def test_coordinator_can_leave_once_another_exists():
    community, coordinator = _community()
    other = MembershipFactory(community=community)
    services.set_role(membership=other, role=Role.COORDINATOR, by=coordinator)
    membership = Membership.objects.get(community=community, user=coordinator)
    services.leave_community(membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT and membership.role == Role.MEMBER
    assert Notification.objects.filter(
        recipient=other.user, kind=NotificationKind.MEMBERSHIP
    ).exists()


def test_removed_member_stops_hearing_from_private_community():

    community, coordinator = _community(visibility=Visibility.PRIVATE)
    membership = MembershipFactory(community=community)
    services.remove_member(membership=membership, by=coordinator)
    result = notify(
        recipient=membership.user,
        kind=NotificationKind.MEETING_CHANGED,
        title="secret",
        community=community,
    )
    assert result is None


def test_membership_profile_records_first_introduction_once():
    community, _ = _community()
    tag = TagFactory(community=community)
    membership = MembershipFactory(community=community)
    services.update_membership_profile(
        membership=membership, introduction="Hi, I'm new.", expertise=[tag]
    )
    services.update_membership_profile(
        membership=membership, introduction="Hi again.", expertise=[tag]
    )
    assert list(membership.expertise.all()) == [tag]
    assert (
        membership.participation_events.filter(kind=ParticipationKind.INTRODUCED_SELF).count() == 1
    )


def test_membership_expertise_must_come_from_community():
    community, _ = _community()
    membership = MembershipFactory(community=community)
    with pytest.raises(ValidationError, match="this community's topics"):
        services.update_membership_profile(
            membership=membership, introduction="", expertise=[TagFactory()]
        )


def test_invitation_saved_when_the_mail_server_is_down(
    settings, django_capture_on_commit_callbacks
):
    """The mail server refusing the connection after the commit is logged, not raised:
    the invitation exists and the coordinator's committed request succeeds (an SMTP
    error used to turn it into a 500)."""

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    community, coordinator = _community(join_policy=JoinPolicy.INVITATION)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(community=community, by=coordinator, email="a@example.org")
    assert community.invitations.filter(pk=invitation.pk, email="a@example.org").exists()
