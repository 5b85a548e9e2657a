"""Choices of the mentoring app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cop.enums import ParticipationKind


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    AS_NEEDED = "as_needed", _("As needed")


# Days between check-ins for each cadence; None means no check-in reminders.
CADENCE_DAYS: dict[str, int | None] = {
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.MONTHLY: 30,
    Cadence.AS_NEEDED: None,
}


class RequestStatus(models.TextChoices):
    """Where a mentor request stands.

    OPEN: no mentor has it (nobody was free when it was made); coordinators can assign.
    OFFERED: waiting for the answer of `current_mentor` until `deadline`.
    ACCEPTED: a mentorship started. WITHDRAWN: the requester took it back.
    UNMATCHED: every mentor it was offered to declined or let it pass; coordinators can assign.
    DECLINED and EXPIRED describe a single mentor's answer (see `OfferOutcome`); a request
    is marked so only when it was closed by a coordinator after that answer.
    """

    OPEN = "open", _("Waiting for a mentor")
    OFFERED = "offered", _("Offered to a mentor")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    UNMATCHED = "unmatched", _("No mentor found yet")


LIVE_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.OFFERED, RequestStatus.UNMATCHED)
NEEDS_COORDINATOR_STATUSES = (RequestStatus.OPEN, RequestStatus.UNMATCHED)


class OfferOutcome(models.TextChoices):
    """What became of offering one request to one mentor."""

    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Not answered in time")
    WITHDRAWN = "withdrawn", _("Withdrawn by the requester")
    REASSIGNED = "reassigned", _("Reassigned by a coordinator")


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")


# A paused mentorship keeps its place: the mentee comes back to the same mentor.
OPEN_MENTORSHIP_STATUSES = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


class ProgressHow(models.TextChoices):
    AUTO = "auto", _("Ticked from what you did")
    MANUAL = "manual", _("Ticked by hand")


class OnboardingSpecial(models.TextChoices):
    """Automatic onboarding checks that are not a single participation kind."""

    PROFILE_COMPLETED = "profile_completed", _("Profile completed (display name and bio)")
    ASKED_OR_ANSWERED = "asked_or_answered", _("Asked or answered a problem")


AUTO_KIND_CHOICES = [*ParticipationKind.choices, *OnboardingSpecial.choices]

# Participation kinds that tick an onboarding step with this `auto_kind`.
AUTO_KIND_EVENTS: dict[str, tuple[str, ...]] = {
    **{kind: (kind,) for kind in ParticipationKind.values},
    OnboardingSpecial.ASKED_OR_ANSWERED: (
        ParticipationKind.ASKED_PROBLEM,
        ParticipationKind.ANSWERED_PROBLEM,
    ),
    OnboardingSpecial.PROFILE_COMPLETED: (),
}

# What a mentor actually did, counted in the ranking (in the order reasons list them).
TRACK_RECORD_KINDS: tuple[str, ...] = (
    ParticipationKind.SOLUTION_ACCEPTED,
    ParticipationKind.ANSWERED_PROBLEM,
    ParticipationKind.VALIDATED_ENTRY,
    ParticipationKind.WROTE_ENTRY,
    ParticipationKind.HOSTED_MEETING,
    ParticipationKind.TOLD_STORY,
    ParticipationKind.MENTORED,
)
