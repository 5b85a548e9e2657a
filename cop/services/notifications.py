"""The one notification service every app calls.

`notify` writes an in-app notification and, by the recipient's preference for its
kind and their community mutes, queues an email now, holds it for the digest, or
sends nothing by email. `notify_mentions` turns `@name` in a text into MENTION
notifications.

Email is an outbox: the `EmailDelivery` row is the truth. The email task claims it
with a lease before sending and records the outcome; a periodic sweeper enqueues
again the rows whose task was lost (broker restarted, worker killed, enqueue failed).
So each notification is emailed until the SMTP server acknowledges it, with one
Message-ID on every attempt (see README, "Email delivery"). The digest claims a
`DigestDelivery` row per member and period, at most once.

Privacy: nothing about a private community reaches someone who is not an active
member of it, except the answers and invitations addressed to people on their way
in; a removed member hears nothing more. Both are checked when the notification
is written and again when its email or digest is sent.
"""

import logging
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower, Replace
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cop.cache import bump, inbox, remember
from cop.enums import MembershipStatus, NotificationKind, Visibility
from cop.extensions import DIGEST_SECTIONS, EMAIL_EXTRAS, OUTSIDER_GRANTS, EmailExtras
from cop.models import (
    Community,
    CommunityMute,
    DeliveryChannel,
    DigestDelivery,
    DigestFrequency,
    DigestStatus,
    EmailDelivery,
    EmailStatus,
    Membership,
    Notification,
    NotificationPreference,
    NotificationSettings,
    User,
)
from cop.queue import enqueue, enqueue_on_commit
from cop.text import email_subject

# The Celery task that sends one notification email (cop.tasks).
SEND_EMAIL_TASK = "cop.send_notification_email"

logger = logging.getLogger(__name__)

# Kinds that may reach someone who is not (yet) an active member of the community.
OUTSIDER_KINDS = {NotificationKind.JOIN_ANSWER, NotificationKind.INVITATION}

# What a member gets by email when they have not chosen: things addressed to them or
# needing an answer come at once; news about their practices waits for the digest.
DEFAULT_CHANNELS: dict[str, str] = {
    NotificationKind.REPLY: DeliveryChannel.IMMEDIATE,
    NotificationKind.SOLUTION_ACCEPTED: DeliveryChannel.IMMEDIATE,
    NotificationKind.MENTION: DeliveryChannel.IMMEDIATE,
    NotificationKind.MEETING_REMINDER: DeliveryChannel.IMMEDIATE,
    NotificationKind.MEETING_CHANGED: DeliveryChannel.IMMEDIATE,
    NotificationKind.MEETING_INVITATION: DeliveryChannel.IMMEDIATE,
    NotificationKind.MEETING_FEEDBACK: DeliveryChannel.IMMEDIATE,
    NotificationKind.WAITLIST_PROMOTED: DeliveryChannel.IMMEDIATE,
    NotificationKind.JOIN_REQUEST: DeliveryChannel.IMMEDIATE,
    NotificationKind.JOIN_ANSWER: DeliveryChannel.IMMEDIATE,
    NotificationKind.INVITATION: DeliveryChannel.IMMEDIATE,
    NotificationKind.MENTOR_REQUEST: DeliveryChannel.IMMEDIATE,
    NotificationKind.MENTOR_ANSWER: DeliveryChannel.IMMEDIATE,
    NotificationKind.CHECKIN_DUE: DeliveryChannel.IMMEDIATE,
    NotificationKind.ENTRY_VALIDATED: DeliveryChannel.DIGEST,
    NotificationKind.ENTRY_REVIEW_DUE: DeliveryChannel.DIGEST,
    NotificationKind.MEMBERSHIP: DeliveryChannel.IMMEDIATE,
    NotificationKind.SERIES_CONFIRM: DeliveryChannel.IMMEDIATE,
    NotificationKind.VALUE_FOLLOW_UP: DeliveryChannel.DIGEST,
    NotificationKind.GLOSSARY: DeliveryChannel.DIGEST,
    NotificationKind.COMMENT: DeliveryChannel.DIGEST,
    NotificationKind.ANNOUNCEMENT: DeliveryChannel.IMMEDIATE,
    NotificationKind.FOLLOWED: DeliveryChannel.DIGEST,
    NotificationKind.FLAG_RAISED: DeliveryChannel.IMMEDIATE,
    NotificationKind.MODERATION: DeliveryChannel.IMMEDIATE,
    NotificationKind.CONDUCT_CHANGED: DeliveryChannel.IMMEDIATE,
    NotificationKind.RELATION: DeliveryChannel.IMMEDIATE,
    NotificationKind.PERSONAL_NOTE: DeliveryChannel.IMMEDIATE,
    NotificationKind.THANKS: DeliveryChannel.DIGEST,
    NotificationKind.PRACTICE_SHARED: DeliveryChannel.DIGEST,
}

# An email is tried this many times (with backoff in between), then marked failed.
MAX_EMAIL_ATTEMPTS = 6
EMAIL_BACKOFF_BASE = timedelta(seconds=30)
EMAIL_BACKOFF_MAX = timedelta(hours=1)
# A claimed row is taken to be lost when its task has not recorded an outcome by then.
# Longer than the email task's hard time limit (cop.tasks), so a slow send is never
# claimed twice.
EMAIL_LEASE = timedelta(seconds=settings.EMAIL_LEASE_SECONDS)
# The sweeper enqueues a queued row again once it is this old (and again this long after).
SWEEP_QUEUED_AFTER = timedelta(seconds=settings.EMAIL_SWEEP_SECONDS)
# `last_seen_at` is written at most once per this many minutes per member.
SEEN_EVERY_MINUTES = 15
# Digests go out from this local hour (Monday for weekly ones) ...
DIGEST_HOUR = 8
# ... for this long; a member whose window passed (beat was down) waits for the next period.
DIGEST_WINDOW = timedelta(days=1)
# The `kind` in a digest unsubscribe link.
DIGEST_KIND = "digest"
UNSUBSCRIBE_SALT = "cop.notifications.unsubscribe"


# --- Privacy and preferences ---------------------------------------------------------------


def may_hear_about(
    *, recipient: User, community: Community | None, kind: str, subject=None
) -> bool:
    """Whether `recipient` may learn anything about `community` through a `kind`
    notification. About a `subject`, an app may grant it to an outsider (a meeting's
    guest hears about that meeting: `cop.extensions.register_outsider_grant`)."""
    if community is None or kind in OUTSIDER_KINDS:
        return True
    if subject is not None and any(
        grant(recipient=recipient, community=community, kind=kind, subject=subject)
        for grant in OUTSIDER_GRANTS
    ):
        return True
    membership = (
        Membership.objects.filter(user=recipient, community=community)
        .values_list("status", flat=True)
        .first()
    )
    return _status_may_hear(membership, community)


def _status_may_hear(status: str | None, community: Community) -> bool:
    """Whether someone with this membership status (None: not a member) may hear about
    the community: active members may; anyone not removed may of a public community."""
    if status == MembershipStatus.ACTIVE:
        return True
    return status != MembershipStatus.REMOVED and community.visibility == Visibility.PUBLIC


def channel_for(*, user: User, kind: str) -> str:
    """The member's email channel for `kind`: their choice, else the kind's default."""
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or DEFAULT_CHANNELS.get(kind, DeliveryChannel.IMMEDIATE)


def channels_for(user: User) -> dict[str, str]:
    """Every kind's email channel for the member (one query)."""
    channels = {
        kind: DEFAULT_CHANNELS.get(kind, DeliveryChannel.IMMEDIATE)
        for kind in NotificationKind.values
    }
    channels.update(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return channels


def notification_settings_of(user: User) -> NotificationSettings:
    """The member's settings row, or an unsaved one with the defaults."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def is_muted(*, user: User, community: Community | None) -> bool:
    if community is None:
        return False
    return CommunityMute.objects.filter(user=user, community=community).exists()


def _email_channel(*, user: User, kind: str, community: Community | None) -> str:
    """Where this notification's email goes: immediate, digest, or off."""
    if not user.email or is_muted(user=user, community=community):
        return DeliveryChannel.OFF
    channel = channel_for(user=user, kind=kind)
    if (
        channel == DeliveryChannel.DIGEST
        and notification_settings_of(user).digest_frequency == DigestFrequency.NEVER
    ):
        return DeliveryChannel.OFF
    return channel


@transaction.atomic
def set_channel(*, user: User, kind: str, channel: str) -> None:
    """Set the member's email channel for one kind (a row only when it differs from the default)."""
    if kind not in NotificationKind.values:
        raise ValidationError(_("Unknown kind of notification."))
    if channel not in DeliveryChannel.values:
        raise ValidationError(_("Unknown choice."))
    if channel == DEFAULT_CHANNELS.get(kind, DeliveryChannel.IMMEDIATE):
        NotificationPreference.objects.filter(user=user, kind=kind).delete()
    else:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"channel": channel}
        )


@transaction.atomic
def set_digest_frequency(*, user: User, frequency: str) -> None:
    if frequency not in DigestFrequency.values:
        raise ValidationError(_("Unknown digest frequency."))
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"digest_frequency": frequency}
    )


@transaction.atomic
def save_notification_settings(
    *,
    user: User,
    channels: dict[str, str],
    digest_frequency: str,
    muted_communities: list[Community],
) -> None:
    """Save the preferences page: a channel per kind, the digest rhythm and the mutes.

    Side effects: NotificationPreference rows (only where they differ from the
    default), the NotificationSettings row, CommunityMute rows replaced.
    """
    for kind, channel in channels.items():
        set_channel(user=user, kind=kind, channel=channel)
    set_digest_frequency(user=user, frequency=digest_frequency)
    wanted = {community.pk for community in muted_communities}
    CommunityMute.objects.filter(user=user).exclude(community_id__in=wanted).delete()
    existing = set(CommunityMute.objects.filter(user=user).values_list("community_id", flat=True))
    CommunityMute.objects.bulk_create(
        [CommunityMute(user=user, community_id=pk) for pk in wanted - existing]
    )


def record_seen(*, user: User, now: datetime | None = None) -> None:
    """Note that the member was on the site (digests go only to members who were away)."""
    now = now or timezone.now()
    if not NotificationSettings.objects.filter(user=user).update(last_seen_at=now):
        try:
            with transaction.atomic():
                NotificationSettings.objects.create(user=user, last_seen_at=now)
        except IntegrityError:
            NotificationSettings.objects.filter(user=user).update(last_seen_at=now)


# --- Notify ---------------------------------------------------------------------------------


def _notification(*, title: str, url: str, subject=None, **fields) -> Notification:
    """An unsaved notification, its title and URL cut to their columns' lengths."""
    notification = Notification(title=title[:300], url=url[:500], **fields)
    if subject is not None:
        notification.subject = subject
    return notification


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    community: Community | None = None,
    actor: User | None = None,
    subject=None,
) -> Notification | None:
    """Notify one person. Returns the notification, or None when they may not hear of it.
    `subject` (a model row) names what it is about; its app may add to the email when
    it is sent (`cop.extensions.register_email_extras`).

    Side effects: a Notification row; by the recipient's preference for `kind` and
    their mute of `community`, an EmailDelivery row queued (and, after commit, a
    Celery task that sends it; if enqueueing fails the sweeper sends it) or held for
    the digest; nothing by email when off.
    """
    if not recipient.is_active:
        return None
    if not may_hear_about(recipient=recipient, community=community, kind=kind, subject=subject):
        return None
    channel = _email_channel(user=recipient, kind=kind, community=community)
    with transaction.atomic():
        notification = _notification(
            recipient=recipient,
            kind=kind,
            title=title,
            url=url,
            body=body,
            community=community,
            actor=actor,
            subject=subject,
        )
        notification.save(force_insert=True)
        bump(inbox(recipient.pk))
        if channel == DeliveryChannel.OFF:
            return notification
        EmailDelivery.objects.create(
            notification=notification,
            status=EmailStatus.QUEUED if channel == DeliveryChannel.IMMEDIATE else EmailStatus.HELD,
            message_id=new_message_id() if channel == DeliveryChannel.IMMEDIATE else "",
        )
    if channel == DeliveryChannel.IMMEDIATE:
        enqueue_on_commit(SEND_EMAIL_TASK, notification_id=notification.pk)
    return notification


def notify_many(
    *,
    recipients: list[User],
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    community: Community,
    actor: User | None = None,
) -> dict[int, Notification]:
    """`notify` for many people at once, in a fixed number of queries whatever their
    number (memberships, preferences, mutes, digest settings, two inserts). Call it
    inside the caller's transaction. Returns the notifications written, by recipient id.

    The same rules as `notify`: only people who may hear about `community`; email by
    each one's preference for `kind` and their mute, queued (its task enqueued after
    commit) or held for the digest.
    """
    people = [user for user in recipients if user.is_active]
    ids = [user.pk for user in people]
    statuses = dict(
        Membership.objects.filter(community=community, user_id__in=ids).values_list(
            "user_id", "status"
        )
    )

    def may_hear(user: User) -> bool:
        return kind in OUTSIDER_KINDS or _status_may_hear(statuses.get(user.pk), community)

    people = [user for user in people if may_hear(user)]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    muted = set(
        CommunityMute.objects.filter(user_id__in=ids, community=community).values_list(
            "user_id", flat=True
        )
    )
    no_digest = set(
        NotificationSettings.objects.filter(
            user_id__in=ids, digest_frequency=DigestFrequency.NEVER
        ).values_list("user_id", flat=True)
    )

    def channel(user: User) -> str:
        if not user.email or user.pk in muted:
            return DeliveryChannel.OFF
        picked = chosen.get(user.pk) or DEFAULT_CHANNELS.get(kind, DeliveryChannel.IMMEDIATE)
        if picked == DeliveryChannel.DIGEST and user.pk in no_digest:
            return DeliveryChannel.OFF
        return picked

    about = {
        "kind": kind,
        "title": title,
        "url": url,
        "body": body,
        "community": community,
        "actor": actor,
    }
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [_notification(recipient=user, **about) for user in people]
        )
        by_user = {n.recipient_id: n for n in notifications}
        if by_user:
            bump(*(inbox(user_id) for user_id in by_user))
        deliveries = []
        for user in people:
            picked = channel(user)
            if picked == DeliveryChannel.OFF:
                continue
            immediate = picked == DeliveryChannel.IMMEDIATE
            deliveries.append(
                EmailDelivery(
                    notification=by_user[user.pk],
                    status=EmailStatus.QUEUED if immediate else EmailStatus.HELD,
                    message_id=new_message_id() if immediate else "",
                )
            )
        EmailDelivery.objects.bulk_create(deliveries)

    for delivery in deliveries:
        if delivery.status == EmailStatus.QUEUED:
            enqueue_on_commit(SEND_EMAIL_TASK, notification_id=delivery.notification.pk)
    return by_user


# --- Mentions -------------------------------------------------------------------------------

# `@` not preceded by a word character or another `@` (so not inside an email address),
# then letters, digits, `.`, `_`, `+` or `-`, not ending in punctuation.
MENTION_RE = re.compile(r"(?<![\w@])@(\w(?:[\w.+-]*\w)?)")
MAX_MENTIONS = 20


def mention_tokens(text: str) -> list[str]:
    """The distinct `@name` tokens in a text, lower-cased, in order of appearance."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)[:MAX_MENTIONS]


# A display name with spaces may follow the `@` (`@Nora Newbie`): up to two more words
# are tried, longest first, against the community's members.
MENTION_PHRASE_RE = re.compile(r"(?<![\w@])@(\w(?:[\w.+-]*\w)?)((?:[ \t]+\w[\w'-]*){0,2})")


def mention_phrases(text: str) -> list[list[str]]:
    """For each `@` in the text, the name keys it may stand for, longest first:
    `@Nora Newbie thanks` gives ["noranewbiethanks", "noranewbie", "nora"]."""
    phrases = []
    for match in MENTION_PHRASE_RE.finditer(text or ""):
        words = [match.group(1), *match.group(2).split()]
        keys = ["".join(words[:n]).lower() for n in range(len(words), 0, -1)]
        phrases.append(keys)
    return phrases[:MAX_MENTIONS]


def _mention_query(tokens: list[str]) -> Q:
    query = Q(name_key__in=tokens)
    for token in tokens:
        query |= Q(email__istartswith=f"{token}@")
    return query


def mentioned_users(*, text: str, community: Community, author: User | None) -> list[User]:
    """Who `@name` in `text` refers to, among those who may see the community's content.

    The rule: `@` followed by a person's display name without spaces, or by the part of
    their email address before the @, case-insensitive (`@AdaLovelace`, `@ada`). A name
    is looked up among the community's active members first; in a public community a
    name no member has may also name any other person, but only when exactly one
    person has it. The author and removed members are never included.
    """
    tokens = mention_tokens(text)
    if not tokens:
        return []
    people = User.objects.filter(is_active=True).annotate(
        name_key=Lower(Replace("display_name", Value(" "), Value("")))
    )
    if author is not None:
        people = people.exclude(pk=author.pk)
    removed = Membership.objects.filter(
        community=community, status=MembershipStatus.REMOVED
    ).values("user_id")
    people = people.exclude(pk__in=removed)

    def token_of(user: User) -> set[str]:
        return {user.name_key, user.email.split("@", 1)[0].lower()} & set(tokens)

    phrases = mention_phrases(text)
    longer = {key for keys in phrases for key in keys[:-1]}
    members = list(
        people.filter(
            _mention_query(tokens) | Q(name_key__in=longer),
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
        )
    )
    # Each `@` names the member whose display name matches the most words after it
    # (`@Nora Newbie` is Nora Newbie, not another Nora), or by the single word.
    by_key: dict[str, list[User]] = {}
    for user in members:
        for key in {user.name_key, user.email.split("@", 1)[0].lower()}:
            by_key.setdefault(key, []).append(user)
    found: dict[int, User] = {}
    resolved: set[str] = set()
    for keys in phrases:
        for key in keys:
            if key in by_key:
                for user in by_key[key]:
                    found[user.pk] = user
                resolved.add(keys[-1])
                break
    rest = [token for token in tokens if token not in resolved]
    if rest and community.visibility == Visibility.PUBLIC:
        by_token: dict[str, list[User]] = {}
        for user in people.filter(_mention_query(rest)).exclude(pk__in=list(found)):
            for token in token_of(user) & set(rest):
                by_token.setdefault(token, []).append(user)
        for candidates in by_token.values():
            if len(candidates) == 1:
                found[candidates[0].pk] = candidates[0]
    return sorted(found.values(), key=lambda user: user.pk)


def notify_mentions(
    *,
    text: str,
    author: User,
    community: Community,
    url: str,
    title: str,
    previous_text: str = "",
) -> list[Notification]:
    """Notify everyone `@mentioned` in `text` who may see it (see `mentioned_users`).

    Pass `previous_text` when a text is edited, so people already mentioned in the
    earlier version are not notified again. Side effects: MENTION notifications
    through `notify` (and their emails by preference).
    """
    already = (
        {
            user.pk
            for user in mentioned_users(text=previous_text, community=community, author=author)
        }
        if previous_text
        else set()
    )
    notifications = []
    for user in mentioned_users(text=text, community=community, author=author):
        if user.pk in already:
            continue
        notification = notify(
            recipient=user,
            kind=NotificationKind.MENTION,
            title=title,
            url=url,
            community=community,
            actor=author,
        )
        if notification is not None:
            notifications.append(notification)
    return notifications


# --- In-app reads and read marks ------------------------------------------------------------


def unread_count(user: User) -> int:
    """The bell's number: one COUNT on the (recipient, read_at) index, kept under the
    member's inbox version, which every service here that writes a notification or a
    read mark bumps; so most pages read it from the cache."""
    return remember(
        "unread",
        (inbox(user.pk),),
        (),
        lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    """The member's notifications, newest first, with community and actor."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("community", "actor")
        .order_by("-created_at", "-pk")
    )


def open_notification(*, user: User, notification_id: int) -> Notification | None:
    """The member's notification, marked read (their bell follows). None when it is not
    theirs."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        bump(inbox(user.pk))
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the member read (their bell follows). Returns
    how many changed."""
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        bump(inbox(user.pk))
    return changed


# --- Unsubscribe links ----------------------------------------------------------------------


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed token that turns off `kind` (or the digest) for `user`, without logging in."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user: User, kind: str) -> str:
    path = reverse(
        "notification_unsubscribe", kwargs={"token": unsubscribe_token(user=user, kind=kind)}
    )
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class Unsubscription:
    user: User
    kind: str

    @property
    def label(self) -> str:
        if self.kind == DIGEST_KIND:
            return _("The digest")
        return str(NotificationKind(self.kind).label)


def read_unsubscribe_token(token: str) -> Unsubscription:
    """What a token unsubscribes from; ValidationError when it is forged or stale."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]))
        kind = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise ValidationError(_("This unsubscribe link is not valid.")) from None
    if kind != DIGEST_KIND and kind not in NotificationKind.values:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return Unsubscription(user=user, kind=kind)


@transaction.atomic
def unsubscribe(*, token: str) -> Unsubscription:
    """Turn off by email what the token names: one kind, or the digest.

    Side effects: a NotificationPreference set to off, or the digest set to never.
    """
    subscription = read_unsubscribe_token(token)
    if subscription.kind == DIGEST_KIND:
        set_digest_frequency(user=subscription.user, frequency=DigestFrequency.NEVER)
    else:
        set_channel(user=subscription.user, kind=subscription.kind, channel=DeliveryChannel.OFF)
    return subscription


# --- Email ----------------------------------------------------------------------------------


def absolute(url: str) -> str:
    """A site-relative link made absolute for an email; other links are dropped."""
    if url.startswith("/") and not url.startswith("//"):
        return f"{settings.SITE_URL}{url}"
    return ""


def _user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def build_email(
    *, user: User, subject: str, template: str, context: dict, unsubscribe_kind: str
) -> EmailMultiAlternatives:
    """An email with plain-text and HTML parts from `cop/email/<template>.{txt,html}`,
    with one-click unsubscribe headers (RFC 2369, RFC 8058) for `unsubscribe_kind`."""
    link = unsubscribe_url(user=user, kind=unsubscribe_kind)
    context = {
        **context,
        "user": user,
        "SITE_URL": settings.SITE_URL,
        "unsubscribe_url": link,
        "preferences_url": absolute(reverse("notification_preferences")),
    }
    with timezone.override(_user_zone(user)):
        text = render_to_string(f"cop/email/{template}.txt", context)
        html = render_to_string(f"cop/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=email_subject(subject),  # one line: a title can never break the header
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def email_extras(notification: Notification) -> EmailExtras:
    """The links and attachments apps add to this notification's email, built now from
    its subject (one source of truth: a meeting moved since is sent as it is now)."""
    actions: list[tuple[str, str]] = []
    attachments: list = []
    if notification.subject_id is None:
        return EmailExtras()
    for extras_of in EMAIL_EXTRAS:
        extra = extras_of(notification)
        if extra is not None:
            actions += extra.actions
            attachments += extra.attachments
    return EmailExtras(actions=actions, attachments=attachments)


def _blocked_reason(notification: Notification) -> str:
    """Why this notification's email must not go out now, or "" when it may."""
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return "recipient inactive or without email"
    if not may_hear_about(
        recipient=recipient,
        community=notification.community,
        kind=notification.kind,
        subject=notification.subject,
    ):
        return "recipient may no longer hear about this community"
    if is_muted(user=recipient, community=notification.community):
        return "community muted"
    if channel_for(user=recipient, kind=notification.kind) == DeliveryChannel.OFF:
        return "kind turned off"
    return ""


def new_message_id() -> str:
    """A globally unique Message-ID (RFC 5322) for one delivery row."""
    domain = urlsplit(settings.SITE_URL).hostname or "copse.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def email_backoff(attempts: int) -> timedelta:
    """How long to wait before attempt `attempts + 1`: 30 s, 1, 2, 4, 8 minutes..."""
    return min(EMAIL_BACKOFF_BASE * 2 ** max(attempts - 1, 0), EMAIL_BACKOFF_MAX)


def _claim(*, notification_id: int, now: datetime) -> bool:
    """Take the row for one attempt: queued, or sending with its lease run out (its
    worker died). One UPDATE, so of two concurrent tasks only one wins."""
    claimable = Q(status=EmailStatus.QUEUED) | Q(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), status=EmailStatus.SENDING
    )
    return bool(
        EmailDelivery.objects.filter(claimable, notification_id=notification_id)
        .filter(attempts__lt=MAX_EMAIL_ATTEMPTS)
        .update(
            status=EmailStatus.SENDING,
            attempts=F("attempts") + 1,
            lease_until=now + EMAIL_LEASE,
        )
    )


def _record_sent(delivery: EmailDelivery) -> None:
    """Mark the row sent. The message has left: the write is retried once on a fresh
    connection, since a row left `sending` is sent again when its lease runs out."""
    fields = {"status": EmailStatus.SENT, "sent_at": timezone.now(), "lease_until": None}
    fields["error"] = ""
    for attempt in (1, 2):
        try:
            EmailDelivery.objects.filter(pk=delivery.pk).update(**fields)
            return
        except DatabaseError:
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning("Email %s sent but not yet recorded; reconnecting", delivery.pk)
            connection.close()


def deliver_notification_email(*, notification_id: int) -> bool:
    """Send one queued notification email. Returns whether it went out.

    The EmailDelivery row is the truth. The task claims it (queued → sending, attempts
    + 1, a lease of EMAIL_LEASE) in one UPDATE, so a concurrent or repeated run does
    nothing; a row whose lease ran out (its worker died between claim and outcome) may
    be claimed again. The message carries the row's own Message-ID on every attempt.
    Privacy, mute and preference are checked again here, so a member removed since the
    notification gets nothing (skipped). On any error while sending, the row goes back
    to queued with a backoff (next_attempt_at), or to failed after MAX_EMAIL_ATTEMPTS,
    the error is recorded and raised for the task to retry.
    """
    now = timezone.now()
    if not _claim(notification_id=notification_id, now=now):
        return False
    delivery = EmailDelivery.objects.select_related(
        "notification__recipient", "notification__community", "notification__actor"
    ).get(notification_id=notification_id)
    notification = delivery.notification
    if reason := _blocked_reason(notification):
        delivery.status = EmailStatus.SKIPPED
        delivery.error = reason
        delivery.lease_until = None
        delivery.save(update_fields=["status", "error", "lease_until"])
        return False
    if not delivery.message_id:
        delivery.message_id = new_message_id()
        delivery.save(update_fields=["message_id"])
    extras = email_extras(notification)
    message = build_email(
        user=notification.recipient,
        subject=f"[Copse] {notification.title}",
        template="notification",
        context={
            "notification": notification,
            "link": absolute(notification.url),
            "actions": extras.actions,
        },
        unsubscribe_kind=notification.kind,
    )
    for part in extras.attachments:
        message.attach(part)
    message.extra_headers["Message-ID"] = delivery.message_id
    try:
        message.send()
    except Exception as exc:  # SMTP, network, a time limit: the outcome is "not sent"
        failed = delivery.attempts >= MAX_EMAIL_ATTEMPTS
        delivery.status = EmailStatus.FAILED if failed else EmailStatus.QUEUED
        delivery.error = f"{exc.__class__.__name__}: {exc}"[:1000]
        delivery.lease_until = None
        delivery.next_attempt_at = (
            None if failed else timezone.now() + email_backoff(delivery.attempts)
        )
        delivery.save(update_fields=["status", "error", "lease_until", "next_attempt_at"])
        logger.warning(
            "Email %s attempt %s failed%s: %s",
            delivery.pk,
            delivery.attempts,
            " for good" if failed else "",
            delivery.error,
        )
        raise
    _record_sent(delivery)
    return True


def sweep_email_outbox(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Enqueue again what no task is going to send: `queued` rows older than
    SWEEP_QUEUED_AFTER whose backoff is over (their task was lost with the broker, or
    enqueueing failed), and `sending` rows whose lease ran out (their worker died).
    A lost row out of attempts is marked failed. Each row enqueued waits
    SWEEP_QUEUED_AFTER before this sweeper enqueues it again. Returns how many it enqueued.
    """

    now = now or timezone.now()
    lost = Q(Q(lease_until__lt=now) | Q(lease_until__isnull=True), status=EmailStatus.SENDING)
    EmailDelivery.objects.filter(lost, attempts__gte=MAX_EMAIL_ATTEMPTS).update(
        status=EmailStatus.FAILED,
        lease_until=None,
        error=Concat(F("error"), Value(" (lost while sending, out of attempts)")),
    )
    EmailDelivery.objects.filter(lost).update(
        status=EmailStatus.QUEUED, lease_until=None, next_attempt_at=None
    )
    due = Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=EmailStatus.QUEUED,
        created_at__lte=now - SWEEP_QUEUED_AFTER,
    )
    ids = list(
        EmailDelivery.objects.filter(due)
        .order_by("created_at", "pk")
        .values_list("pk", "notification_id")[:limit]
    )
    if not ids:
        return 0
    EmailDelivery.objects.filter(pk__in=[pk for pk, _ in ids]).update(
        next_attempt_at=now + SWEEP_QUEUED_AFTER
    )
    enqueued = 0
    for _pk, notification_id in ids:
        if not enqueue(SEND_EMAIL_TASK, notification_id=notification_id):
            break  # the broker is down: the next sweep tries again
        enqueued += 1
    if enqueued:
        logger.info("Email outbox sweep enqueued %s deliveries", enqueued)
    return enqueued


def retry_email_deliveries(*, deliveries: QuerySet[EmailDelivery]) -> int:
    """Send failed deliveries again (a site admin's retry): back to queued with fresh
    attempts and the same Message-ID, each enqueued after commit. Returns how many."""

    with transaction.atomic():
        ids = list(
            deliveries.select_for_update(of=("self",))
            .filter(status=EmailStatus.FAILED)
            .values_list("pk", "notification_id")
        )
        EmailDelivery.objects.filter(pk__in=[pk for pk, _ in ids]).update(
            status=EmailStatus.QUEUED, attempts=0, lease_until=None, next_attempt_at=None
        )
        for _pk, notification_id in ids:
            enqueue_on_commit(SEND_EMAIL_TASK, notification_id=notification_id)
    return len(ids)


# --- Digest ---------------------------------------------------------------------------------


def digest_communities(user: User) -> QuerySet[Community]:
    """The communities a digest may speak of: the member's active ones, not muted.
    Apps' digest sections restrict themselves to these."""
    return Community.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.ACTIVE
    ).exclude(pk__in=CommunityMute.objects.filter(user=user).values("community_id"))


@dataclass(frozen=True)
class DigestPeriod:
    start: date  # first day of the period, in the member's zone
    due: datetime  # when its digest is due (aware, in the member's zone)
    length: timedelta


def digest_period(*, frequency: str, zone: zoneinfo.ZoneInfo, now: datetime) -> DigestPeriod | None:
    """The period whose digest is due now for a member in `zone`, or None.

    Weekly: from Monday DIGEST_HOUR local time; daily: from DIGEST_HOUR every day. A
    digest is due from that moment for DIGEST_WINDOW, so an hourly beat catches it
    even across a missed run.
    """
    if frequency == DigestFrequency.NEVER:
        return None
    local = now.astimezone(zone)
    step = timedelta(days=7) if frequency == DigestFrequency.WEEKLY else timedelta(days=1)
    start = local.date()
    if frequency == DigestFrequency.WEEKLY:
        start -= timedelta(days=start.weekday())
    due = datetime.combine(start, time(DIGEST_HOUR), tzinfo=zone)
    if local < due:
        start -= step
        due = datetime.combine(start, time(DIGEST_HOUR), tzinfo=zone)
    if now - due >= DIGEST_WINDOW:
        return None
    return DigestPeriod(start=start, due=due, length=step)


def _claim_digest(*, user: User, period: DigestPeriod, frequency: str) -> DigestDelivery | None:
    if DigestDelivery.objects.filter(user=user, period_start=period.start).exists():
        return None  # already done: the hourly beat sees the same period many times
    previous = (
        DigestDelivery.objects.filter(user=user, period_start__lt=period.start)
        .order_by("-period_start")
        .values_list("claimed_at", flat=True)
        .first()
    )
    floor = period.due - period.length
    since = max(previous, floor) if previous else floor
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                user=user, period_start=period.start, frequency=frequency, since=since
            )
    except IntegrityError:
        return None  # another worker has this member's digest for this period


def held_notifications(*, user: User, digest: DigestDelivery | None = None) -> list[EmailDelivery]:
    """The member's held notification emails that may go into a digest now: unread, from
    communities they may still hear about and have not muted. With `digest`, the others
    held so far are marked skipped."""
    held = list(
        EmailDelivery.objects.filter(notification__recipient=user, status=EmailStatus.HELD)
        .select_related("notification__community", "notification__actor")
        .order_by("notification__created_at", "pk")
    )
    if not held:
        return []
    statuses = dict(Membership.objects.filter(user=user).values_list("community_id", "status"))
    muted = set(CommunityMute.objects.filter(user=user).values_list("community_id", flat=True))

    def allowed(delivery: EmailDelivery) -> bool:
        notification = delivery.notification
        community = notification.community
        if notification.read_at is not None:
            return False
        if community is None:
            return True
        if community.pk in muted:
            return False
        return notification.kind in OUTSIDER_KINDS or _status_may_hear(
            statuses.get(community.pk), community
        )

    kept = [delivery for delivery in held if allowed(delivery)]
    if digest is not None:
        dropped = [delivery.pk for delivery in held if delivery not in kept]
        EmailDelivery.objects.filter(pk__in=dropped).update(
            status=EmailStatus.SKIPPED, error="read, muted or no longer visible"
        )
    return kept


def digest_sections(*, user: User, since: datetime) -> list[dict]:
    """The sections the apps contribute (see `cop.extensions.register_digest_section`),
    each a dict with `title` and a non-empty list of `items` (`title`, `url`, `detail`)."""

    sections = []
    for section in DIGEST_SECTIONS:
        try:
            built = section.build(user=user, since=since)
        except Exception:
            # One app's broken section must not stop everyone's digest.
            logger.exception("Digest section %r failed for user %s", section.build, user.pk)
            continue
        if built and built.get("items"):
            sections.append(built)
    return sections


def send_digest_if_due(*, user: User, now: datetime | None = None) -> DigestDelivery | None:
    """Build and send the member's digest if its period is due and not yet claimed.

    Claims the member's DigestDelivery row for the period first (a unique insert), so
    two workers never both send it; then skips it when the member was on the site since
    the last digest or when there is nothing to tell, else sends one email with the
    held notifications and the apps' sections. Returns the claimed row, or None.
    Side effects: the DigestDelivery row; held EmailDelivery rows marked digested or
    skipped; one email.
    """
    now = now or timezone.now()
    if not user.is_active or not user.email:
        return None
    prefs = notification_settings_of(user)
    period = digest_period(frequency=prefs.digest_frequency, zone=_user_zone(user), now=now)
    if period is None:
        return None
    digest = _claim_digest(user=user, period=period, frequency=prefs.digest_frequency)
    if digest is None:
        return None
    if prefs.last_seen_at is not None and prefs.last_seen_at >= digest.since:
        digest.status = DigestStatus.ACTIVE
        digest.save(update_fields=["status"])
        return digest
    held = held_notifications(user=user, digest=digest)
    sections = digest_sections(user=user, since=digest.since)
    count = len(held) + sum(len(section["items"]) for section in sections)
    if count == 0:
        digest.status = DigestStatus.EMPTY
        digest.save(update_fields=["status"])
        return digest
    message = build_email(
        user=user,
        subject=_("[Copse] Your digest: %(count)s things since %(date)s")
        % {"count": count, "date": date_format(digest.since.astimezone(_user_zone(user)), "j M")},
        template="digest",
        context={
            "held": [
                {"notification": delivery.notification, "link": absolute(delivery.notification.url)}
                for delivery in held
            ],
            "sections": [
                {
                    **section,
                    "items": [
                        {**item, "link": absolute(item.get("url", ""))} for item in section["items"]
                    ],
                }
                for section in sections
            ],
            "since": digest.since,
            "count": count,
        },
        unsubscribe_kind=DIGEST_KIND,
    )
    try:
        message.send()
    except OSError as exc:
        # The period stays claimed (at most once); held notifications wait for the next one.
        digest.status = DigestStatus.FAILED
        digest.error = f"{exc.__class__.__name__}: {exc}"[:1000]
        digest.save(update_fields=["status", "error"])
        logger.warning("Digest for user %s failed: %s", user.pk, exc)
        return digest
    with transaction.atomic():
        digest.status = DigestStatus.SENT
        digest.sent_at = timezone.now()
        digest.item_count = count
        digest.save(update_fields=["status", "sent_at", "item_count"])
        EmailDelivery.objects.filter(pk__in=[delivery.pk for delivery in held]).update(
            status=EmailStatus.DIGESTED, digest=digest, sent_at=digest.sent_at
        )
    return digest


def digest_candidates() -> QuerySet[User]:
    """Active people who belong to a community or have notifications held for a digest."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__status=MembershipStatus.ACTIVE)
            | Q(notifications__email_delivery__status=EmailStatus.HELD)
        )
        .exclude(notification_settings__digest_frequency=DigestFrequency.NEVER)
        .distinct()
        .order_by("pk")
    )


def send_due_digests(*, now: datetime | None = None) -> int:
    """Send every digest that is due now. Safe to run concurrently. Returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for user in digest_candidates().iterator(chunk_size=500):
        digest = send_digest_if_due(user=user, now=now)
        if digest is not None and digest.status == DigestStatus.SENT:
            sent += 1
    return sent
