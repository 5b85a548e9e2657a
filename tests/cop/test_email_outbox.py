"""The email outbox: the delivery row is the truth, claimed with a lease, swept when lost,
sent with one Message-ID on every attempt, failed after the last attempt, retried by a
site admin."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import EmailDelivery, EmailStatus, User
from cop.services import notifications as service
from cop.tasks import sweep_email_outbox_task
from tests.cop.test_notifications import FlakySMTPBackend
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return make_member(CommunityFactory())


def _notify(member):
    return service.notify(
        recipient=member,
        kind=NotificationKind.REPLY,
        title="Ben replied to your problem",
        url="/c/ops/knowledge/problems/1/",
        community=member.memberships.get().community,
    )


def _queued(member, *, age=timedelta(0)):
    """A queued delivery whose task never ran (the broker lost it), made `age` ago."""
    with time_machine.travel(timezone.now() - age, tick=False):
        notification = _notify(member)
    # On embedded defaults the task ran eagerly at once: undo that, as if it was lost.
    mail.outbox.clear()
    EmailDelivery.objects.filter(notification=notification).update(
        status=EmailStatus.QUEUED, attempts=0, sent_at=None
    )
    return EmailDelivery.objects.get(notification=notification)


def _claimed_then_lost(member, *, lease_left: timedelta, attempts=1):
    """A delivery a worker claimed and then died with (killed, connection dropped)."""
    delivery = _queued(member, age=timedelta(minutes=10))
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailStatus.SENDING, attempts=attempts, lease_until=timezone.now() + lease_left
    )
    delivery.refresh_from_db()
    return delivery


def _message_id(message) -> str:
    return message.message()["Message-ID"]


# --- Message-ID ------------------------------------------------------------------------------


def test_each_delivery_gets_its_own_message_id_on_the_sent_message(member, settings):
    settings.SITE_URL = "https://copse.example.org"
    first, second = _notify(member), _notify(member)
    ids = [EmailDelivery.objects.get(notification=n).message_id for n in (first, second)]
    for notification in (first, second):
        service.deliver_notification_email(notification_id=notification.pk)
    assert ids[0] != ids[1]
    assert all(i.startswith("<") and i.endswith("@copse.example.org>") for i in ids)
    assert [_message_id(m) for m in mail.outbox] == ids


def test_message_id_is_the_same_on_a_retry_after_an_smtp_error(member, settings):
    settings.EMAIL_BACKEND = "tests.cop.test_notifications.FlakySMTPBackend"
    FlakySMTPBackend.failures = 1
    delivery = _queued(member)
    with pytest.raises(smtplib.SMTPException):
        service.deliver_notification_email(notification_id=delivery.notification_id)
    assert service.deliver_notification_email(notification_id=delivery.notification_id)
    [message] = mail.outbox
    assert _message_id(message) == delivery.message_id


# --- claim and lease ---------------------------------------------------------------------------


class RowSpyBackend(LocmemBackend):
    """Notes the delivery row as it is while the message is being sent."""

    seen: dict = {}

    def send_messages(self, messages):
        RowSpyBackend.seen = EmailDelivery.objects.values("status", "attempts", "lease_until").get()
        return super().send_messages(messages)


def test_claim_takes_the_row_with_a_lease_while_sending(member, settings):
    settings.EMAIL_BACKEND = "tests.cop.test_email_outbox.RowSpyBackend"
    delivery = _queued(member)
    started = timezone.now()
    assert service.deliver_notification_email(notification_id=delivery.notification_id)
    seen = {"row": RowSpyBackend.seen}
    assert seen["row"]["status"] == EmailStatus.SENDING
    assert seen["row"]["attempts"] == 1
    assert started + service.EMAIL_LEASE <= seen["row"]["lease_until"]
    assert seen["row"]["lease_until"] <= timezone.now() + service.EMAIL_LEASE
    delivery.refresh_from_db()
    assert (delivery.status, delivery.lease_until) == (EmailStatus.SENT, None)


def test_a_row_whose_lease_still_runs_is_not_sent_again(member):
    delivery = _claimed_then_lost(member, lease_left=timedelta(minutes=1))
    assert service.deliver_notification_email(notification_id=delivery.notification_id) is False
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailStatus.SENDING, 1)


def test_a_row_whose_lease_ran_out_is_sent_once_with_its_message_id(member):
    delivery = _claimed_then_lost(member, lease_left=-timedelta(seconds=1))
    assert service.deliver_notification_email(notification_id=delivery.notification_id) is True
    assert service.deliver_notification_email(notification_id=delivery.notification_id) is False
    [message] = mail.outbox
    assert _message_id(message) == delivery.message_id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailStatus.SENT, 2)


def test_a_database_error_at_claim_leaves_the_row_queued_for_the_sweeper(member):
    delivery = _queued(member, age=timedelta(minutes=5))

    def drop(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "emaildelivery" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    # The atomic block keeps the test's own transaction usable after the error.
    with connection.execute_wrapper(drop), pytest.raises(OperationalError), transaction.atomic():
        service.deliver_notification_email(notification_id=delivery.notification_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailStatus.QUEUED, 0)
    assert service.sweep_email_outbox() == 1
    delivery.refresh_from_db()
    assert delivery.status == EmailStatus.SENT
    assert len(mail.outbox) == 1


# --- failure and backoff -----------------------------------------------------------------------


def test_failures_back_off_then_the_row_fails_for_good(member, settings):
    settings.EMAIL_BACKEND = "tests.cop.test_notifications.FlakySMTPBackend"
    FlakySMTPBackend.failures = service.MAX_EMAIL_ATTEMPTS
    delivery = _queued(member)
    waits = []
    for _ in range(service.MAX_EMAIL_ATTEMPTS - 1):
        with pytest.raises(smtplib.SMTPException):
            service.deliver_notification_email(notification_id=delivery.notification_id)
        delivery.refresh_from_db()
        assert delivery.status == EmailStatus.QUEUED
        assert "SMTPServerDisconnected" in delivery.error
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 30))
    assert waits == [1, 2, 4, 8, 16]
    with pytest.raises(smtplib.SMTPException):
        service.deliver_notification_email(notification_id=delivery.notification_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailStatus.FAILED, service.MAX_EMAIL_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert service.deliver_notification_email(notification_id=delivery.notification_id) is False
    assert service.sweep_email_outbox(now=timezone.now() + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_a_row_lost_while_sending_on_its_last_attempt_is_marked_failed(member):
    delivery = _claimed_then_lost(
        member, lease_left=-timedelta(seconds=1), attempts=service.MAX_EMAIL_ATTEMPTS
    )
    assert service.sweep_email_outbox() == 0
    delivery.refresh_from_db()
    assert delivery.status == EmailStatus.FAILED
    assert "lost while sending" in delivery.error
    assert mail.outbox == []


# --- the sweeper -------------------------------------------------------------------------------


def test_sweeper_sends_queued_rows_older_than_a_minute_and_not_younger(member):
    old = _queued(member, age=timedelta(seconds=61))
    young = _queued(member, age=timedelta(seconds=30))
    assert service.sweep_email_outbox() == 1
    assert [_message_id(m) for m in mail.outbox] == [old.message_id]
    young.refresh_from_db()
    assert young.status == EmailStatus.QUEUED


def test_sweeper_waits_for_the_backoff_of_a_failed_attempt(member):
    delivery = _queued(member, age=timedelta(minutes=5))
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=30)
    )
    assert service.sweep_email_outbox() == 0
    assert service.sweep_email_outbox(now=timezone.now() + timedelta(seconds=31)) == 1
    assert len(mail.outbox) == 1


def test_sweeper_sends_sending_rows_whose_lease_expired_and_leaves_live_leases(member):
    lost = _claimed_then_lost(member, lease_left=-timedelta(seconds=1))
    busy = _claimed_then_lost(member, lease_left=timedelta(minutes=1))
    assert service.sweep_email_outbox() == 1
    assert [_message_id(m) for m in mail.outbox] == [lost.message_id]
    busy.refresh_from_db()
    assert busy.status == EmailStatus.SENDING


def test_sweeping_again_sends_nothing_twice(member):
    _queued(member, age=timedelta(minutes=2))
    _claimed_then_lost(member, lease_left=-timedelta(seconds=1))
    assert service.sweep_email_outbox() == 2
    later = timezone.now() + timedelta(hours=1)
    assert service.sweep_email_outbox(now=later) == 0
    assert len(mail.outbox) == 2
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_sweeper_runs_every_minute_on_beat(settings):

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == sweep_email_outbox_task.name
    ]
    assert entry["schedule"] == 60.0


# --- a site admin's retry ----------------------------------------------------------------------


@pytest.fixture
def site_admin():
    return User.objects.create_superuser(email="root@example.org", password="x" * 12)


def test_failed_rows_are_listed_for_site_admins_and_retried_with_the_same_message_id(
    member, site_admin, client, django_capture_on_commit_callbacks
):
    failed = _queued(member)
    EmailDelivery.objects.filter(pk=failed.pk).update(
        status=EmailStatus.FAILED, attempts=service.MAX_EMAIL_ATTEMPTS, error="SMTPDataError: 554"
    )
    sent = _queued(member)
    EmailDelivery.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT)
    client.force_login(site_admin)
    changelist = reverse("admin:cop_emaildelivery_changelist")

    listing = client.get(changelist, {"status__exact": EmailStatus.FAILED})
    assert listing.status_code == 200
    assert "SMTPDataError: 554" in listing.text
    assert f"{failed.notification_id}: failed" in listing.text
    assert f"{sent.notification_id}: sent" not in listing.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert "1 failed email queued again." in response.text
    [message] = mail.outbox
    assert _message_id(message) == failed.message_id
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailStatus.SENT, 1)


def test_the_admin_of_the_outbox_is_for_site_admins_only(member, client):
    client.force_login(member)
    response = client.get(reverse("admin:cop_emaildelivery_changelist"))
    assert response.status_code == 302
