from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagReason(models.TextChoices):
    HARASSMENT = "harassment", _("Harassment or a personal attack")
    DISCRIMINATION = "discrimination", _("Discrimination or hate")
    CONFIDENTIALITY = "confidentiality", _("Breaks someone's confidentiality")
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Off topic or misleading")
    OTHER = "other", _("Something else against the code of conduct")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    RESOLVED = "resolved", _("Reviewed")


class Resolution(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    RESTORED = "restored", _("Restored")
    DISMISSED = "dismissed", _("Flags dismissed")
    WARNED = "warned", _("Author warned")
    REMOVED = "removed", _("Member removed")


class ModerationAction(models.TextChoices):
    """What a coordinator does with a case in the queue."""

    HIDE = "hide", _("Hide it")
    RESTORE = "restore", _("Restore it (dismiss the flags)")
    WARN = "warn", _("Warn the author")
    REMOVE = "remove", _("Remove the author from the community")
