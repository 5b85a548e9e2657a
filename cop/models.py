"""Core domain models: users, communities, memberships and participation."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from .enums import (
    AnnouncementStatus,
    AuditAction,
    FollowUpOutcome,
    InvitationStatus,
    JoinPolicy,
    Level,
    License,
    MembershipStatus,
    NotificationKind,
    ParticipationKind,
    ReactionKind,
    RelationStatus,
    Role,
    Stage,
    ValueCycle,
    Visibility,
)


def validate_timezone(value: str) -> None:
    """Accept only IANA time zone names known to this machine's zoneinfo."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def default_timezone() -> str:
    return settings.DEFAULT_USER_TIMEZONE


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; the display name is what others see."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_timezone,
        validators=[validate_timezone],
        help_text=_("Times are shown to you in this zone, for example Europe/Berlin."),
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=dj_timezone.now)
    # Set by the site admin: may read the site-wide network page without being staff
    # (sponsors, management support). A column, so the navigation asks no query.
    network_viewer = models.BooleanField(
        _("may read the network page"),
        default=False,
        help_text=_("The network page lists every community with its stage and health."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What other people see: the display name, or the part of the email before the @."""
        return self.display_name or self.email.split("@", 1)[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


def default_conduct() -> str:
    """The code of conduct a new community starts with (coordinators adapt it)."""
    return str(DEFAULT_CONDUCT)


DEFAULT_CONDUCT = _(
    "We are here to learn from each other's practice. To keep this a place where "
    "people can bring real problems:\n\n"
    "- **Be kind and assume good intent.** Criticise ideas, not people.\n"
    "- **Respect confidentiality.** What colleagues, clients or patients told you in "
    "trust stays out of your stories unless it is anonymised.\n"
    "- **No harassment, discrimination or personal attacks**, in public or in private.\n"
    "- **No advertising or spam.**\n"
    "- **Share what you may share**: your contributions are licensed under the "
    "community's license.\n\n"
    "Any member can flag content that breaks this code. Coordinators review flags, may "
    "hide content, warn its author or remove a member, and tell the author why."
)


class Community(models.Model):
    """A community of practice: a domain, a community of people, a practice."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    domain = models.TextField(
        _("domain"),
        max_length=1000,
        help_text=_("The shared concern that brings members together."),
    )
    purpose = models.TextField(_("purpose"), max_length=2000, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("who may join"), max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    stage = models.CharField(
        _("stage of development"), max_length=12, choices=Stage.choices, default=Stage.POTENTIAL
    )
    license = models.CharField(
        _("license of the shared repertoire"),
        max_length=24,
        choices=License.choices,
        default=License.CC_BY_SA_4,
    )
    # Participation path settings: points earned within the window decide the level.
    level_window_days = models.PositiveSmallIntegerField(
        _("participation window (days)"), default=90
    )
    newcomer_days = models.PositiveSmallIntegerField(_("newcomer period (days)"), default=30)
    active_threshold = models.PositiveSmallIntegerField(_("points to be active"), default=8)
    core_threshold = models.PositiveSmallIntegerField(_("points to be core"), default=25)
    # Settings other apps read.
    validation_threshold = models.PositiveSmallIntegerField(
        _("endorsements that validate a practice"), default=3
    )
    mentor_request_timeout_days = models.PositiveSmallIntegerField(
        _("days before an unanswered mentor request passes on"), default=3
    )
    reminder_offsets_hours = models.CharField(
        _("meeting reminders (hours before, comma-separated)"), max_length=60, default="24,1"
    )
    # Moderation: how many members' flags hide an item pending review.
    flag_threshold = models.PositiveSmallIntegerField(
        _("flags that hide an item until a coordinator reviews it"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    # The code of conduct in force (Markdown) and its version; a material change bumps
    # the version and members accept it again (`Membership.conduct_version_accepted`).
    conduct = models.TextField(_("code of conduct"), max_length=20000, default=default_conduct)
    conduct_version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(core_threshold__gt=models.F("active_threshold")),
                name="community_core_above_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community_home", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class Tag(models.Model):
    """A term of a community's governed topic vocabulary."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)
    slug = models.SlugField(max_length=60)
    # Live stories, problems and practices filed under the topic, kept by the knowledge
    # services as they tag, delete and restore, so the topic list never counts per request.
    use_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="tag_unique_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a community: role, status, introduction and level."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    request_message = models.TextField(
        _("message to the coordinators"), max_length=2000, blank=True
    )
    introduction = models.TextField(_("introduction"), max_length=2000, blank=True)
    expertise = models.ManyToManyField(
        Tag, blank=True, related_name="experts", verbose_name=_("expertise")
    )
    # The topics coordinators recognise this member as an expert in. Declared expertise
    # alone helps people find each other; recognised (or earned) expertise is what lets
    # one member's validation validate a practice (`knowledge.rules.is_expert_for_entry`).
    recognised_expertise = models.ManyToManyField(
        Tag, blank=True, related_name="recognised_experts", verbose_name=_("recognised expertise")
    )
    # Members can opt out of being listed by the expertise finder ("who has helped").
    listed_as_helper = models.BooleanField(
        _("list me in “who has helped with…”"),
        default=True,
        help_text=_("Others looking for help on a topic see what you answered and wrote on it."),
    )
    level = models.CharField(
        _("level"), max_length=12, choices=Level.choices, default=Level.NEWCOMER
    )
    score = models.PositiveIntegerField(_("points in the window"), default=0)
    level_computed_at = models.DateTimeField(null=True, blank=True)
    # The version of the community's code of conduct this member accepted; below
    # `community.conduct_version` they may read but not take part (`cop.rules`).
    conduct_version_accepted = models.PositiveIntegerField(default=1, editable=False)
    joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The last act that counted (`record_participation` keeps it): the outreach list.
    last_active_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The directory's sort key: the member's name, case folded, kept by the services
    # that create a membership or change a name (`cop.services.directory`).
    sort_name = models.CharField(max_length=80, blank=True, default="", editable=False)
    # Members can keep out of the monthly spotlight of thanked contributors.
    in_spotlight = models.BooleanField(
        _("show me in the monthly spotlight"),
        default=True,
        help_text=_("The community home thanks the month's most thanked contributors by name."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_unique"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "role"]),
            # The coordinators' outreach list: active members quiet since a date.
            models.Index(
                fields=["community", "status", "last_active_at", "id"],
                name="membership_by_last_active",
            ),
            # The community home's newest newcomers to welcome.
            models.Index(
                fields=["community", "status", "level", "joined_at"],
                name="membership_by_level_joined",
            ),
            # The member directory, in its order (coordinators first, then by name), all
            # members or one level: a page reads its rows from the index, no sort.
            models.Index(
                fields=["community", "status", "role", "sort_name", "id"],
                name="membership_directory",
            ),
            models.Index(
                fields=["community", "status", "level", "role", "sort_name", "id"],
                name="membership_directory_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.community}"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR

    @property
    def level_index(self) -> int:
        """0 for newcomer up to 3 for core, for level meters."""
        return Level.values.index(self.level)


class Invitation(models.Model):
    """An emailed invitation to a community, accepted through a signed, expiring link."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    message = models.TextField(_("personal message"), max_length=2000, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Bulk invitations: the name given beside the address. The email's outbox state: a
    # task claims it with a lease (`email_claimed_until`), sends, then records
    # `email_sent_at`; a claim whose worker died runs out and the sweeper sends again.
    name = models.CharField(_("name"), max_length=80, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per community and address: a retried bulk upload or two
            # coordinators at once cannot invite the same person twice.
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=models.Q(status="pending"),
                name="invitation_pending_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.community}"


class ParticipationEvent(models.Model):
    """Something a member did that counts towards their level. Recorded by every app
    through `cop.services.participation.record_participation`."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="participation_events"
    )
    kind = models.CharField(max_length=32, choices=ParticipationKind.choices)
    weight = models.PositiveSmallIntegerField()
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    summary = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["membership", "occurred_at"])]
        constraints = [
            # The same act on the same subject counts once.
            models.UniqueConstraint(
                fields=["membership", "kind", "subject_type", "subject_id"],
                condition=models.Q(subject_id__isnull=False),
                name="participation_once_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.get_kind_display()}"


class LevelChange(models.Model):
    """History of a member's level."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="level_changes"
    )
    from_level = models.CharField(max_length=12, choices=Level.choices)
    to_level = models.CharField(max_length=12, choices=Level.choices)
    score = models.PositiveIntegerField()
    changed_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["membership", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.membership}: {self.from_level} → {self.to_level}"


class Notification(models.Model):
    """An in-app notification; the notifications service also decides on email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    # What it is about (a meeting, ...): its email is built from it when sent, e.g. a
    # calendar invitation that says what is true at that moment.
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(default=dj_timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


# --- Notifications: preferences, mutes and deliveries -------------------------------------
# (Their choices live here rather than in enums.py so the notification models stay together.)


class DeliveryChannel(models.TextChoices):
    """How a member wants to hear about one kind of notification by email."""

    IMMEDIATE = "immediate", _("Email at once")
    DIGEST = "digest", _("In the digest")
    OFF = "off", _("No email")


class DigestFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly, on Monday morning")
    DAILY = "daily", _("Daily, in the morning")
    NEVER = "never", _("Never")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    HELD = "held", _("Held for the digest")
    DIGESTED = "digested", _("Sent in a digest")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class DigestStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    SENT = "sent", _("Sent")
    EMPTY = "empty", _("Skipped: nothing to tell")
    ACTIVE = "active", _("Skipped: the member was active")
    FAILED = "failed", _("Failed")


class NotificationSettings(models.Model):
    """A member's digest rhythm and when they were last seen (for 'away since the last digest')."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    digest_frequency = models.CharField(
        _("digest"),
        max_length=8,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.digest_frequency}"


class NotificationPreference(models.Model):
    """A member's choice for one kind; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class CommunityMute(models.Model):
    """A member muted a community: no email and no digest about it (in-app stays)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_mutes"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="community_mute_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} muted {self.community}"


class DigestDelivery(models.Model):
    """One digest per member per period, claimed (inserted) before it is built or sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    period_start = models.DateField(help_text="First day of the period, in the member's zone.")
    frequency = models.CharField(max_length=8, choices=DigestFrequency.choices)
    status = models.CharField(
        max_length=10, choices=DigestStatus.choices, default=DigestStatus.BUILDING
    )
    since = models.DateTimeField()
    claimed_at = models.DateTimeField(default=dj_timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period_start"], name="digest_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.user}: digest of {self.period_start} ({self.status})"


class EmailDelivery(models.Model):
    """The email side of one notification: queued for now, held for the digest, then sent.

    The row is the truth (an outbox): a sending task claims it (queued → sending) with a
    lease, sends it with the row's own Message-ID and records the outcome; a periodic
    sweeper re-enqueues rows whose task was lost. See `cop.services.notifications`."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email_delivery"
    )
    status = models.CharField(max_length=10, choices=EmailStatus.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        DigestDelivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    error = models.TextField("last error", blank=True)
    # Set when a task claims the row; past it, a `sending` row is taken to be lost.
    lease_until = models.DateTimeField(null=True, blank=True)
    # The sweeper enqueues a `queued` row again only from then on (backoff after a failure).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The same on every attempt, so a resend after an unknown outcome is recognisable.
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}: {self.status}"


# --- API access ---------------------------------------------------------------------------


class IdempotentRequest(models.Model):
    """The outcome of one API write sent with an `Idempotency-Key` header, kept for a day
    so that the same request sent again (by a client or by the proxy, after a lost
    answer) is answered from here instead of being done twice. Written in the same
    transaction as the write itself: see `cop.ops.idempotency`."""

    # Who may replay it: a hash of the request's credentials.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    # A hash of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotent_request_once")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.status_code}"


class PersonalAccessToken(models.Model):
    """A named token a person creates for their scripts. Only a SHA-256 hash is stored;
    the token itself is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, help_text=_("The first characters, to recognise it."))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Health dashboard -----------------------------------------------------------------------


class CommunityMetricSnapshot(models.Model):
    """The dashboard's indicators for one community and period, precomputed by a periodic
    task so the page reads one row."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="metric_snapshots"
    )
    period_key = models.CharField(max_length=8)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    computed_at = models.DateTimeField(default=dj_timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "period_key"], name="one_snapshot_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.period_key} at {self.computed_at:%Y-%m-%d %H:%M}"


class ValueStory(models.Model):
    """A value-creation story, told through the cycles of Wenger, Trayner and de Laat
    (2011), with an aspirational ending Copse follows up after 30 and 90 days."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="value_stories")
    narrator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="value_stories"
    )
    title = models.CharField(_("title"), max_length=200)
    immediate = models.TextField(
        _("What happened?"),
        help_text=_("The activity or conversation: a meeting, an answer, a story you heard."),
    )
    potential = models.TextField(
        _("What did it produce?"),
        blank=True,
        help_text=_("An insight, a tool, a contact, more confidence: knowledge you could use."),
    )
    applied = models.TextField(
        _("How did you apply it?"),
        blank=True,
        help_text=_("What you did differently in your practice because of it."),
    )
    realized = models.TextField(
        _("What difference did it make?"),
        blank=True,
        help_text=_(
            "The effect on results that matter: time saved, incidents avoided, care improved."
        ),
    )
    transformative = models.TextField(
        _("What did it change?"),
        blank=True,
        help_text=_("Did it make you, your team or the community rethink what success means?"),
    )
    aspirational_ending = models.TextField(
        _("What do you hope will happen next?"),
        blank=True,
        help_text=_("Copse will ask you after 30 and 90 days whether it happened."),
    )
    meetings = models.ManyToManyField(
        "meetings.Meeting", blank=True, related_name="value_stories", verbose_name=_("meetings")
    )
    entries = models.ManyToManyField(
        "knowledge.PracticeEntry",
        blank=True,
        related_name="value_stories",
        verbose_name=_("practices"),
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    # Comments shown to everyone (live, not hidden), kept by cop.services.comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("value stories")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("value_story", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def cycles_reached(self) -> list[str]:
        """The cycles this story says something about, in order."""
        return [cycle for cycle in ValueCycle.values if getattr(self, cycle).strip()]


class ValueFollowUp(models.Model):
    """The 30- and 90-day question about a story's aspirational ending; the unique row is
    claimed before the question is sent, so each is asked once."""

    story = models.ForeignKey(ValueStory, on_delete=models.CASCADE, related_name="follow_ups")
    after_days = models.PositiveSmallIntegerField()
    asked_at = models.DateTimeField(default=dj_timezone.now)
    outcome = models.CharField(max_length=10, choices=FollowUpOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["after_days"]
        constraints = [
            models.UniqueConstraint(fields=["story", "after_days"], name="follow_up_once")
        ]

    def __str__(self) -> str:
        return f"{self.story} after {self.after_days} days"


class AuditEntry(models.Model):
    """Who did what consequential thing in a community, and when: removals, role changes,
    deletions and restores, archiving, cancelled meetings and ended series. Written by
    the services through `cop.services.audit.record`; coordinators read it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "created_at"])]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.summary}"


# --- Conversation: comments, reactions, announcements ------------------------------------

# What threads and counts show: comments neither deleted nor hidden.
SHOWN_COMMENT = models.Q(deleted_at__isnull=True, hidden_at__isnull=True)


class Comment(models.Model):
    """A comment on a story, practice, meeting or value story (any model registered with
    `cop.extensions.register_comment_target`), or a reply to one (one level deep).

    Soft-deleted (`deleted_at`) by its author or a coordinator; hidden (`hidden_at`) by
    moderation: a hidden comment shows to its author and the coordinators only, and
    leaves the counts others see. Written only through `cop.services.comments`."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="comments")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(_("comment"), max_length=10000)
    created_at = models.DateTimeField(default=dj_timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reactions, kept by the services in the transaction that adds or removes one.
    thanks_count = models.PositiveIntegerField(default=0, editable=False)
    helped_count = models.PositiveIntegerField(default=0, editable=False)
    plus_one_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A thread reads its target's comments oldest first; the API pages on it.
            models.Index(
                fields=["target_type", "target_id", "created_at", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="comment_live_thread",
            ),
            models.Index(
                fields=["community", "created_at", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="comment_live_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.target_type_id}:{self.target_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def reaction_count(self, kind: str) -> int:
        return getattr(self, f"{kind}_count")


class Reaction(models.Model):
    """One member's reaction of one kind to a comment (at most one per kind)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user", "kind"], name="reaction_once_per_kind"
            )
        ]
        indexes = [models.Index(fields=["user", "comment"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.comment_id}"


class Announcement(models.Model):
    """A coordinator's message to every member of a community, in-app and by email
    (preference `announcement`), sent in batches by `cop.fan_out_announcement`.
    `total` is how many members it is for; `delivered_count` how many have it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=20000)
    pinned_until = models.DateField(
        _("pin until"),
        null=True,
        blank=True,
        help_text=_("Shown at the top of the community's home page until this day (included)."),
    )
    status = models.CharField(
        max_length=10, choices=AnnouncementStatus.choices, default=AnnouncementStatus.SENDING
    )
    total = models.PositiveIntegerField(default=0)
    delivered_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_batch_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "created_at", "id"], name="announcement_recent"),
            models.Index(
                fields=["community", "pinned_until"],
                condition=models.Q(pinned_until__isnull=False),
                name="announcement_pinned",
            ),
            models.Index(
                fields=["last_batch_at"],
                condition=models.Q(status=AnnouncementStatus.SENDING),
                name="announcement_sending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("announcement", kwargs={"slug": self.community.slug, "pk": self.pk})


class AnnouncementDelivery(models.Model):
    """The outbox row of one announcement for one member, written in the transaction that
    creates their notification: the unique pair makes a repeated or retried batch skip
    whoever already has it, so each member gets it exactly once."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.OneToOneField(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="announcement_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} to {self.user_id}"


# --- Constellations: related communities ------------------------------------------------

LIVE_RELATION = models.Q(status__in=[RelationStatus.REQUESTED, RelationStatus.ACTIVE])


class CommunityRelation(models.Model):
    """Two communities that declare each other related. A coordinator of `from_community`
    asks; it is effective (`active`) once a coordinator of `to_community` accepts; either
    side may end it. At most one live (requested or active) relation per pair of
    communities, whichever side asked. Written by `cop.services.constellations`."""

    from_community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="relations_requested"
    )
    to_community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="relations_received"
    )
    status = models.CharField(
        max_length=10, choices=RelationStatus.choices, default=RelationStatus.REQUESTED
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["from_community", "status"], name="relation_from_status"),
            models.Index(fields=["to_community", "status"], name="relation_to_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_community=models.F("to_community")),
                name="relation_not_to_itself",
            ),
            models.UniqueConstraint(
                Least("from_community", "to_community"),
                Greatest("from_community", "to_community"),
                condition=LIVE_RELATION,
                name="relation_one_live_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_community_id} ↔ {self.to_community_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == RelationStatus.ACTIVE

    def other_side(self, community: Community) -> Community:
        """The community on the other side of `community`."""
        if community.pk == self.from_community_id:
            return self.to_community
        return self.from_community


class OutreachNote(models.Model):
    """A personal note a coordinator sent a quiet member (through a notification); kept
    for the rate limit and so coordinators see who was already written to."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outreach_notes"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["community", "recipient", "created_at"]),
            models.Index(fields=["sender", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Note to {self.recipient_id} in {self.community_id}"


class Thanks(models.Model):
    """One member thanking another for an item (a story, an answer, a practice): one per
    member and item. `community` and `recipient` are denormalised for the spotlight."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thanks_received"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name_plural = "thanks"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="thanks_once_per_item"
            ),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("recipient")), name="thanks_not_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "created_at"]),
            models.Index(fields=["user", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"Thanks from {self.user_id} for {self.content_type_id}:{self.object_id}"
