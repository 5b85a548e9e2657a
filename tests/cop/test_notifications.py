"""The notification service: in-app rows, email by preference, privacy, delivery once."""

import smtplib
from datetime import UTC, datetime

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import DatabaseError

from cop.enums import MembershipStatus, NotificationKind, Visibility
from cop.models import (
    CommunityMute,
    DeliveryChannel,
    DigestFrequency,
    EmailDelivery,
    EmailStatus,
    Membership,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from cop.services import notifications as service
from cop.tasks import RETRYABLE, send_notification_email
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


class FlakySMTPBackend(LocmemBackend):
    """The outside world: an SMTP server that refuses the first `failures` messages."""

    failures = 1

    def send_messages(self, messages):
        if FlakySMTPBackend.failures > 0:
            FlakySMTPBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        return super().send_messages(messages)


def _notify(recipient, kind=NotificationKind.REPLY, community=None, **extra):
    return service.notify(
        recipient=recipient,
        kind=kind,
        title=extra.pop("title", "Ben replied to your problem"),
        url=extra.pop("url", "/c/ops/knowledge/problems/1/"),
        body=extra.pop("body", "Have you tried turning it off and on?"),
        community=community,
        actor=extra.pop("actor", None),
    )


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def member(community):
    return make_member(community)


# --- notify: in-app and the email channel ---------------------------------------------------


def test_notify_immediate_kind_queues_email_after_commit(
    member, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = _notify(member, community=community)
    assert Notification.objects.get() == notification
    assert notification.read_at is None
    assert notification.email_delivery.status == EmailStatus.QUEUED
    assert len(callbacks) == 2  # the email task and the bell's version bump


def test_notify_digest_kind_holds_email_without_task(
    member, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = _notify(member, NotificationKind.ENTRY_VALIDATED, community)
    assert notification.email_delivery.status == EmailStatus.HELD
    assert len(callbacks) == 1  # the bell's version bump, no email task


def test_notify_kind_off_writes_in_app_only(member, community, django_capture_on_commit_callbacks):
    service.set_channel(user=member, kind=NotificationKind.REPLY, channel=DeliveryChannel.OFF)
    with django_capture_on_commit_callbacks() as callbacks:
        notification = _notify(member, community=community)
    assert Notification.objects.filter(pk=notification.pk).exists()
    assert not EmailDelivery.objects.exists()
    assert len(callbacks) == 1  # the bell's version bump, no email task


def test_notify_member_choice_digest_overrides_immediate_default(member, community):
    service.set_channel(user=member, kind=NotificationKind.MENTION, channel=DeliveryChannel.DIGEST)
    notification = _notify(member, NotificationKind.MENTION, community)
    assert notification.email_delivery.status == EmailStatus.HELD


def test_notify_member_choice_immediate_overrides_digest_default(member, community):
    service.set_channel(
        user=member, kind=NotificationKind.ENTRY_REVIEW_DUE, channel=DeliveryChannel.IMMEDIATE
    )
    notification = _notify(member, NotificationKind.ENTRY_REVIEW_DUE, community)
    assert notification.email_delivery.status == EmailStatus.QUEUED


def test_notify_muted_community_sends_no_email_but_keeps_in_app(member, community):
    CommunityMute.objects.create(user=member, community=community)
    notification = _notify(member, community=community)
    assert notification is not None
    assert not EmailDelivery.objects.exists()
    other = _notify(member, community=CommunityFactory())
    assert other.email_delivery.status == EmailStatus.QUEUED


def test_notify_digest_choice_with_digest_never_sends_no_email(member, community):
    service.set_digest_frequency(user=member, frequency=DigestFrequency.NEVER)
    notification = _notify(member, NotificationKind.ENTRY_VALIDATED, community)
    assert notification is not None
    assert not EmailDelivery.objects.exists()


def test_notify_private_community_never_reaches_non_member():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    outsider = UserFactory()
    assert _notify(outsider, community=private) is None
    assert not Notification.objects.exists()


def test_notify_removed_member_hears_nothing_even_from_public_community(member, community):
    Membership.objects.filter(user=member).update(status=MembershipStatus.REMOVED)
    assert _notify(member, community=community) is None
    assert not Notification.objects.exists()


def test_notify_join_answer_reaches_applicant_of_private_community():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    applicant = UserFactory()
    MembershipFactory(community=private, user=applicant, status=MembershipStatus.DECLINED)
    notification = _notify(applicant, NotificationKind.JOIN_ANSWER, private)
    assert notification is not None
    assert notification.email_delivery.status == EmailStatus.QUEUED


def test_notify_inactive_user_gets_nothing(community):
    user = make_member(community, is_active=False)
    assert _notify(user, community=community) is None


def test_set_channel_back_to_default_removes_the_row(member):
    service.set_channel(user=member, kind=NotificationKind.REPLY, channel=DeliveryChannel.OFF)
    assert NotificationPreference.objects.filter(user=member).count() == 1
    service.set_channel(user=member, kind=NotificationKind.REPLY, channel=DeliveryChannel.IMMEDIATE)
    assert not NotificationPreference.objects.exists()
    assert service.channel_for(user=member, kind=NotificationKind.REPLY) == "immediate"


def test_set_channel_rejects_unknown_kind_and_channel(member):
    with pytest.raises(ValidationError):
        service.set_channel(user=member, kind="nonsense", channel=DeliveryChannel.OFF)
    with pytest.raises(ValidationError):
        service.set_channel(user=member, kind=NotificationKind.REPLY, channel="loud")


def test_defaults_cover_every_kind_with_sensible_choices():
    assert set(service.DEFAULT_CHANNELS) == set(NotificationKind.values)
    assert service.DEFAULT_CHANNELS[NotificationKind.MENTION] == DeliveryChannel.IMMEDIATE
    assert service.DEFAULT_CHANNELS[NotificationKind.MEETING_REMINDER] == DeliveryChannel.IMMEDIATE
    assert service.DEFAULT_CHANNELS[NotificationKind.ENTRY_VALIDATED] == DeliveryChannel.DIGEST
    assert service.DEFAULT_CHANNELS[NotificationKind.ENTRY_REVIEW_DUE] == DeliveryChannel.DIGEST


def test_save_notification_settings_replaces_mutes(member, community):
    second = CommunityFactory()
    MembershipFactory(community=second, user=member)
    CommunityMute.objects.create(user=member, community=community)
    service.save_notification_settings(
        user=member,
        channels={NotificationKind.REPLY: DeliveryChannel.DIGEST},
        digest_frequency=DigestFrequency.DAILY,
        muted_communities=[second],
    )
    assert list(CommunityMute.objects.values_list("community", flat=True)) == [second.pk]
    assert NotificationSettings.objects.get(user=member).digest_frequency == "daily"
    assert service.channel_for(user=member, kind=NotificationKind.REPLY) == "digest"


# --- email delivery -----------------------------------------------------------------------------


def test_deliver_sends_html_and_text_with_one_click_unsubscribe(member, community):
    notification = _notify(member, community=community)
    assert service.deliver_notification_email(notification_id=notification.pk) is True
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "[Copse] Ben replied to your problem"
    assert "Have you tried turning it off and on?" in message.body
    assert "http://testserver" not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "/c/ops/knowledge/problems/1/" in html
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http") and "/notifications/unsubscribe/" in link
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in message.body and link[1:-1] in html
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (EmailStatus.SENT, 1)
    assert delivery.sent_at is not None


def test_deliver_twice_sends_once(member, community):
    notification = _notify(member, community=community)
    assert service.deliver_notification_email(notification_id=notification.pk) is True
    assert service.deliver_notification_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_deliver_skips_member_removed_after_notification(member, community):
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    MembershipFactory(community=private, user=member)
    notification = _notify(member, community=private)
    Membership.objects.filter(user=member, community=private).update(
        status=MembershipStatus.REMOVED
    )
    assert service.deliver_notification_email(notification_id=notification.pk) is False
    assert mail.outbox == []
    delivery = EmailDelivery.objects.get()
    assert delivery.status == EmailStatus.SKIPPED
    assert "no longer" in delivery.error


def test_deliver_skips_kind_turned_off_meanwhile(member, community):
    notification = _notify(member, community=community)
    service.set_channel(user=member, kind=NotificationKind.REPLY, channel=DeliveryChannel.OFF)
    assert service.deliver_notification_email(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_deliver_smtp_error_requeues_then_sends_on_retry(member, community, settings):
    settings.EMAIL_BACKEND = "tests.cop.test_notifications.FlakySMTPBackend"
    FlakySMTPBackend.failures = 1
    notification = _notify(member, community=community)
    with pytest.raises(smtplib.SMTPException):
        service.deliver_notification_email(notification_id=notification.pk)
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (EmailStatus.QUEUED, 1)
    assert "SMTPServerDisconnected" in delivery.error
    assert service.deliver_notification_email(notification_id=notification.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (EmailStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_deliver_gives_up_after_max_attempts(member, community, settings):
    settings.EMAIL_BACKEND = "tests.cop.test_notifications.FlakySMTPBackend"
    FlakySMTPBackend.failures = service.MAX_EMAIL_ATTEMPTS
    notification = _notify(member, community=community)
    for _ in range(service.MAX_EMAIL_ATTEMPTS):
        with pytest.raises(smtplib.SMTPException):
            service.deliver_notification_email(notification_id=notification.pk)
    assert EmailDelivery.objects.get().status == EmailStatus.FAILED
    assert service.deliver_notification_email(notification_id=notification.pk) is False


def test_email_task_retries_smtp_and_database_errors():

    assert issubclass(smtplib.SMTPException, RETRYABLE)
    assert issubclass(DatabaseError, RETRYABLE)
    assert send_notification_email.max_retries == service.MAX_EMAIL_ATTEMPTS - 1


# --- unsubscribe tokens ---------------------------------------------------------------------


def test_unsubscribe_token_turns_off_that_kind_only(member):
    token = service.unsubscribe_token(user=member, kind=NotificationKind.MENTION)
    subscription = service.unsubscribe(token=token)
    assert (subscription.user, subscription.kind) == (member, NotificationKind.MENTION)
    assert service.channel_for(user=member, kind=NotificationKind.MENTION) == "off"
    assert service.channel_for(user=member, kind=NotificationKind.REPLY) == "immediate"


def test_unsubscribe_digest_token_stops_the_digest(member):
    service.unsubscribe(token=service.unsubscribe_token(user=member, kind=service.DIGEST_KIND))
    assert NotificationSettings.objects.get(user=member).digest_frequency == "never"


def test_unsubscribe_token_forged_or_for_another_purpose_is_refused(member):

    token = service.unsubscribe_token(user=member, kind=NotificationKind.MENTION)
    with pytest.raises(ValidationError):
        service.read_unsubscribe_token(token[:-2] + "xx")
    other_salt = signing.dumps({"u": member.pk, "k": "mention"}, salt="another.purpose")
    with pytest.raises(ValidationError):
        service.read_unsubscribe_token(other_salt)
    bad_kind = signing.dumps({"u": member.pk, "k": "nonsense"}, salt=service.UNSUBSCRIBE_SALT)
    with pytest.raises(ValidationError):
        service.read_unsubscribe_token(bad_kind)


# --- mentions -----------------------------------------------------------------------------------


def test_mention_tokens_skip_email_addresses_and_trailing_punctuation():
    text = "Thanks @Ada. Ask @ben_k, or write to eli@example.org; @ADA again, @x"
    assert service.mention_tokens(text) == ["ada", "ben_k", "x"]


def test_mentions_match_display_name_without_spaces_or_email_local_part(community):
    author = make_member(community, display_name="Author")
    ada = make_member(community, display_name="Ada Lovelace", email="countess@example.org")
    ben = make_member(community, display_name="Ben", email="ben.k@example.org")
    make_member(community, display_name="Cy", email="cy@example.org")
    found = service.mentioned_users(
        text="cc @adalovelace and @Ben.K", community=community, author=author
    )
    assert found == [ada, ben]


def test_notify_mentions_notifies_each_once_never_the_author(community):
    author = make_member(community, display_name="Ada Lovelace")
    ben = make_member(community, display_name="Ben Ng")
    notifications = service.notify_mentions(
        text="@BenNg @benng and @AdaLovelace",
        author=author,
        community=community,
        url="/c/x/stories/1/",
        title="Ada mentioned you in a story",
    )
    assert [n.recipient for n in notifications] == [ben]
    [notification] = notifications
    assert (notification.kind, notification.actor, notification.community) == (
        NotificationKind.MENTION,
        author,
        community,
    )


def test_mentions_in_private_community_reach_only_active_members():
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    author = make_member(private)
    UserFactory(display_name="Outside Person")
    left = UserFactory(display_name="Left Member")
    MembershipFactory(community=private, user=left, status=MembershipStatus.LEFT)
    inside = make_member(private, display_name="Inside Person")
    notifications = service.notify_mentions(
        text="@OutsidePerson @LeftMember @InsidePerson",
        author=author,
        community=private,
        url="/c/p/",
        title="Mentioned",
    )
    assert [n.recipient for n in notifications] == [inside]


def test_mentions_in_public_community_reach_an_unambiguous_non_member(community):
    author = make_member(community)
    visitor = UserFactory(display_name="Grace Hopper")
    UserFactory(display_name="Sam One", email="sam@one.example")
    UserFactory(display_name="Sam Two", email="sam@two.example")
    found = service.mentioned_users(
        text="@gracehopper and @sam", community=community, author=author
    )
    assert found == [visitor]


def test_mentions_prefer_the_member_when_a_name_is_shared(community):
    author = make_member(community)
    member = make_member(community, display_name="Lee", email="lee@member.example")
    UserFactory(display_name="Lee", email="lee@outside.example")
    assert service.mentioned_users(text="@lee", community=community, author=author) == [member]


def test_mentions_never_reach_a_removed_member(community):
    author = make_member(community)
    removed = make_member(community, display_name="Gone Away")
    Membership.objects.filter(user=removed).update(status=MembershipStatus.REMOVED)
    assert service.mentioned_users(text="@GoneAway", community=community, author=author) == []


def test_notify_mentions_on_edit_notifies_only_new_mentions(community):
    author = make_member(community)
    ada = make_member(community, display_name="Ada")
    ben = make_member(community, display_name="Ben")
    notifications = service.notify_mentions(
        text="@Ada and now @Ben",
        previous_text="@Ada",
        author=author,
        community=community,
        url="/c/x/",
        title="Mentioned",
    )
    assert [n.recipient for n in notifications] == [ben]
    assert not Notification.objects.filter(recipient=ada).exists()


# --- read marks and presence ----------------------------------------------------------------


def test_open_notification_marks_read_only_for_its_recipient(member, community):
    notification = _notify(member, community=community)
    stranger = UserFactory()
    assert service.open_notification(user=stranger, notification_id=notification.pk) is None
    opened = service.open_notification(user=member, notification_id=notification.pk)
    assert opened.read_at is not None
    assert service.unread_count(member) == 0


def test_mark_all_read_touches_only_the_members_unread(member, community):
    other = make_member(community)
    for _ in range(3):
        _notify(member, community=community)
    _notify(other, community=community)
    assert service.mark_all_read(user=member) == 3
    assert service.unread_count(member) == 0
    assert service.unread_count(other) == 1


def test_record_seen_creates_then_updates(member):

    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    second = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    service.record_seen(user=member, now=first)
    service.record_seen(user=member, now=second)
    assert NotificationSettings.objects.get(user=member).last_seen_at == second
