"""Following, bookmarks, flags and the code of conduct's versions.

Flags, bookmarks and follows point at content through the registry of `cop.content`
(content type + object id), so any app's content plugs in with one registration.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.models import Community

from .enums import CaseStatus, FlagReason, Resolution


class ConductVersion(models.Model):
    """One version of a community's code of conduct, as members accepted it."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="conduct_versions"
    )
    version = models.PositiveIntegerField()
    text = models.TextField(max_length=20000)
    material = models.BooleanField(default=True)
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "version"], name="conduct_version_unique")
        ]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.community} v{self.version}"


class ModerationCase(models.Model):
    """One flagged item in the coordinators' queue: its flags, whether flags hid it, and
    how it was resolved. At most one open case per item."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)  # what the queue shows, as when flagged
    url = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    flag_count = models.PositiveIntegerField(default=0)  # kept by the flag service
    hidden_by_flags = models.BooleanField(default=False)
    opened_at = models.DateTimeField(default=timezone.now)
    last_flagged_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(status=CaseStatus.OPEN),
                name="moderation_case_one_open",
            )
        ]
        indexes = [
            # The queue: a community's open cases, most recently flagged first.
            models.Index(
                fields=["community", "last_flagged_at", "id"],
                condition=models.Q(status=CaseStatus.OPEN),
                name="moderation_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Flag(models.Model):
    """One member's flag on an item, with their reason. One per member and case."""

    case = models.ForeignKey(ModerationCase, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.TextField(_("what is wrong (optional)"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "flagger"], name="flag_once_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.reason} on {self.case}"


class MemberMark(models.Model):
    """A member's mark on one registered item (content type + id), kept with the item's
    community: what bookmarks and follows share (`care.services.records`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


class Bookmark(MemberMark):
    """Something a member saved to find again on their "Saved" page."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="bookmark_once"
            )
        ]
        indexes = [models.Index(fields=["user", "created_at", "id"], name="bookmark_saved")]


class Follow(MemberMark):
    """A member follows a topic, a problem, a practice or a member's stories."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="follow_once"
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="follow_target"),
            models.Index(fields=["user", "created_at", "id"], name="follow_mine"),
        ]


class FollowNotice(models.Model):
    """Content that followers are still to hear about: written in the transaction that
    published it, deleted once they were told. The row is the truth; the task is only
    the fast path, and `care.sweep_follow_notices` tells followers of any notice whose
    task was lost (broker down, worker killed)."""

    kind_key = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    targets = models.JSONField(default=list)  # [[key, id], ...]
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.kind_key}:{self.object_id}"
