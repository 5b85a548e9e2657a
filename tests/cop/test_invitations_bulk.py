"""Bulk invitations: parsing, the per-row check, all-or-nothing invitation, retries."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from cop.enums import InvitationStatus
from cop.models import Invitation
from cop.services import communities as community_services
from cop.services import invitations_bulk as bulk
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _list_of_500_with_20_bad(community) -> str:
    """480 good new addresses and 20 bad rows of every kind."""
    lines = [f"person{n}@example.net,Person {n}" for n in range(480)]
    members = [make_member(community).email for _ in range(5)]
    for n in range(5):
        community_services.invite(
            community=community,
            by=community.created_by or UserFactory(),
            email=f"old{n}@example.net",
        )
    bad = (
        ["not-an-address", "a@", "@example.net", "two@@example.net", "x" * 300 + "@example.net"]
        + [f"person{n}@example.net,Again" for n in range(5)]  # duplicates in the list
        + members
        + [f"old{n}@example.net" for n in range(5)]
    )
    return "\n".join(["email,name", *lines[:240], *bad, *lines[240:]])


def test_invite_many_500_rows_with_20_bad_invites_480_once_and_reports_20(
    django_capture_on_commit_callbacks,
):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    mail.outbox.clear()
    rows = bulk.parse_rows(_list_of_500_with_20_bad(community))
    assert len(rows) == 500

    with django_capture_on_commit_callbacks(execute=True):
        result = bulk.invite_many(community=community, by=coordinator, rows=rows)

    assert len(result.valid) == 480
    reasons = sorted({row.reason.split(" (")[0] for row in result.invalid})
    assert len(result.invalid) == 20
    assert reasons == [
        "already a member",
        "already invited",
        "duplicate in the list",
        "not an email address",
    ]
    new = Invitation.objects.filter(community=community, email__startswith="person")
    assert new.count() == 480
    assert new.filter(email_sent_at__isnull=False).count() == 480
    assert len([m for m in mail.outbox if m.to[0].startswith("person")]) == 480
    assert Invitation.objects.get(email="person7@example.net").name == "Person 7"

    # The same list again (a retry, a double submit): nobody is invited twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = bulk.invite_many(
            community=community, by=coordinator, rows=bulk.parse_rows(_list_of_500_again())
        )
    assert len(again.valid) == 0
    assert Invitation.objects.filter(community=community, email__startswith="person").count() == 480
    assert mail.outbox == []


def _list_of_500_again() -> str:
    lines = [f"person{n}@example.net,Person {n}" for n in range(480)]
    return "\n".join(lines)


def test_dry_run_writes_nothing():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    rows = bulk.parse_rows("a@example.net\nb@example.net\nbad")
    result = bulk.invite_many(community=community, by=coordinator, rows=rows, dry_run=True)
    assert [row.status for row in result.rows] == ["valid", "valid", "invalid"]
    assert not Invitation.objects.exists()


def test_invite_many_is_all_or_nothing(monkeypatch):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    rows = bulk.parse_rows("a@example.net\nb@example.net")
    # Another open invitation appears between the check and the insert: the unique
    # constraint refuses the batch and nothing of it is kept.
    real_check = bulk.check_rows

    def racing_check(**kwargs):
        checked = real_check(**kwargs)
        Invitation.objects.create(
            community=community,
            email="b@example.net",
            invited_by=coordinator,
            expires_at=community.created_at.replace(year=2100),
        )
        return checked

    monkeypatch.setattr(bulk, "check_rows", racing_check)
    with pytest.raises(IntegrityError):
        bulk.invite_many(community=community, by=coordinator, rows=rows)
    assert not Invitation.objects.filter(email="a@example.net").exists()


def test_parse_rows_bounds():
    with pytest.raises(ValidationError):
        bulk.parse_rows("\n".join(f"p{n}@example.net" for n in range(bulk.MAX_ROWS + 1)))
    with pytest.raises(ValidationError):
        bulk.parse_rows("x" * (bulk.MAX_BYTES + 1))
    with pytest.raises(ValidationError):
        bulk.parse_rows("\n\n")
    rows = bulk.parse_rows("Email;Name\nA@Example.NET;  Ada \x07 Lovelace ")
    assert (rows[0].email, rows[0].name, rows[0].line) == ("A@Example.NET", "Ada Lovelace", 2)


def test_expired_invitation_is_replaced():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    old = Invitation.objects.create(
        community=community,
        email="a@example.net",
        invited_by=coordinator,
        expires_at=community.created_at,
    )
    result = bulk.invite_many(
        community=community, by=coordinator, rows=bulk.parse_rows("a@example.net")
    )
    assert len(result.valid) == 1
    old.refresh_from_db()
    assert old.status == InvitationStatus.REVOKED


def test_send_invitation_email_twice_sends_once(django_capture_on_commit_callbacks):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        result = bulk.invite_many(
            community=community, by=coordinator, rows=bulk.parse_rows("a@example.net")
        )
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    assert bulk.send_invitation_email(invitation_id=result.valid[0].invitation_id) is False
    assert mail.outbox == []


def test_a_single_invitation_goes_through_the_task_after_commit(django_capture_on_commit_callbacks):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = community_services.invite(
            community=community, by=coordinator, email="solo@example.net", message="Come"
        )
    assert mail.outbox == [] and len(callbacks) == 1  # nothing sent before the commit
    callbacks[0]()
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None and invitation.email_claimed_until is None
    [sent] = mail.outbox
    assert sent.to == ["solo@example.net"] and "Come" in sent.body
    assert bulk.send_invitation_email(invitation_id=invitation.pk) is False


def test_a_lost_invitation_task_is_picked_up_by_the_sweeper_once(
    django_capture_on_commit_callbacks,
):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=False):  # the tasks are lost
        invitation = community_services.invite(
            community=community, by=coordinator, email="lost@example.net"
        )
        bulk.invite_many(
            community=community, by=coordinator, rows=bulk.parse_rows("lost2@example.net")
        )
    now = timezone.now()
    assert bulk.resend_lost_invitations(now=now) == 0  # too early to call them lost
    later = now + bulk.LOST_AFTER + timedelta(seconds=1)
    assert bulk.resend_lost_invitations(now=later) == 2
    assert bulk.resend_lost_invitations(now=later) == 0  # run twice: sent once
    assert sorted(m.to[0] for m in mail.outbox) == ["lost2@example.net", "lost@example.net"]
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None


def test_an_invitation_whose_worker_died_mid_send_is_sent_again_once_its_lease_ran_out(
    django_capture_on_commit_callbacks,
):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=False):
        invitation = community_services.invite(
            community=community, by=coordinator, email="killed@example.net"
        )
    # A worker claimed it, then died before the mail server answered.
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(email_claimed_until=now + bulk.EMAIL_LEASE)
    later = now + bulk.LOST_AFTER + timedelta(seconds=1)
    assert bulk.send_invitation_email(invitation_id=invitation.pk) is False  # claimed
    assert bulk.resend_lost_invitations(now=later - timedelta(seconds=2)) == 0  # lease holds
    assert mail.outbox == []

    after_lease = now + bulk.EMAIL_LEASE + timedelta(seconds=1)
    with time_machine.travel(after_lease):
        assert bulk.resend_lost_invitations(now=after_lease) == 1
        assert bulk.resend_lost_invitations(now=after_lease) == 0
    assert [m.to[0] for m in mail.outbox] == ["killed@example.net"]
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None and invitation.email_claimed_until is None


def test_the_sweeper_leaves_closed_and_expired_invitations(django_capture_on_commit_callbacks):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=False):
        revoked = community_services.invite(community=community, by=coordinator, email="r@x.net")
        expired = community_services.invite(community=community, by=coordinator, email="e@x.net")
    Invitation.objects.filter(pk=revoked.pk).update(status=InvitationStatus.REVOKED)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert bulk.resend_lost_invitations(now=timezone.now() + timedelta(minutes=5)) == 0
    assert mail.outbox == []
