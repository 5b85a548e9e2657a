"""Choices of the meetings app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting")
    PROBLEM_SOLVING = "problem_solving", _("Problem-solving session")
    STORYTELLING = "storytelling", _("Storytelling circle")
    WORKSHOP = "workshop", _("Workshop")
    GUEST_SESSION = "guest_session", _("Guest session with an outside expert")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


class RSVPAnswer(models.TextChoices):
    GOING = "going", _("Going")
    MAYBE = "maybe", _("Maybe")
    NOT_GOING = "not_going", _("Not going")


class AgendaItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", _("Running")
    LAPSED = "lapsed", _("Lapsed: not confirmed by a host")
    ENDED = "ended", _("Ended")


class EditScope(models.TextChoices):
    THIS = "this", _("Only this meeting")
    FOLLOWING = "following", _("This and all following meetings of the series")


class Frequency(models.TextChoices):
    """The friendly recurrence choices of the series form, each an RRULE shape."""

    WEEKLY = "weekly", _("Weekly on chosen days")
    MONTHLY_WEEKDAY = "monthly_weekday", _("Monthly on the nth weekday")
    MONTHLY_DATE = "monthly_date", _("Monthly on a date")


class SeriesEnd(models.TextChoices):
    NEVER = "never", _("Never")
    ON_DATE = "on_date", _("On a date")
    AFTER_COUNT = "after_count", _("After a number of meetings")


class PollStatus(models.TextChoices):
    OPEN = "open", _("Open for votes")
    SCHEDULED = "scheduled", _("Scheduled")
    CLOSED = "closed", _("Closed")


class PollAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    IF_NEED_BE = "if_need_be", _("If need be")
    NO = "no", _("No")
