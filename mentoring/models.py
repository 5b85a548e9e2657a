"""Models of the mentoring app: offers, requests, mentorships, check-ins, onboarding."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from cop.models import Community, Membership, Tag, validate_timezone

from .enums import (
    AUTO_KIND_CHOICES,
    Cadence,
    MentorshipStatus,
    OfferOutcome,
    ProgressHow,
    RequestStatus,
)


class MentorOffer(models.Model):
    """A member's offer to mentor in a community: topics, capacity and availability."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="mentor_offers")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_offers"
    )
    topics = models.ManyToManyField(
        Tag, blank=True, related_name="mentor_offers", verbose_name=_("topics")
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("The most mentees you will take on at once."),
    )
    availability = models.CharField(
        _("availability"),
        max_length=200,
        blank=True,
        help_text=_("In your own words, for example “Tuesday evenings, 30 minutes”."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_timezone], default="UTC"
    )
    languages = models.CharField(
        _("languages"),
        max_length=120,
        blank=True,
        help_text=_("Comma-separated, for example “English, French”."),
    )
    paused = models.BooleanField(
        _("paused"), default=False, help_text=_("A paused offer gets no new requests.")
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "mentor"], name="mentor_offer_once_per_community"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="mentor_offer_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentors in {self.community}"

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]


class OnboardingStep(models.Model):
    """One step of a community's onboarding checklist. With an `auto_kind` it ticks
    itself from participation; without one the newcomer ticks it by hand."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="onboarding_steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    auto_kind = models.CharField(
        _("ticks itself when"),
        max_length=32,
        choices=AUTO_KIND_CHOICES,
        blank=True,
        help_text=_("Leave empty for a step newcomers tick by hand."),
    )
    # Removed steps are kept (with their progress) so the defaults never come back.
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["community", "archived", "position"])]

    def __str__(self) -> str:
        return self.title


class OnboardingProgress(models.Model):
    """A step a member has done, and how it was ticked."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="onboarding_progress"
    )
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="progress")
    done_at = models.DateTimeField(default=dj_timezone.now)
    how = models.CharField(max_length=8, choices=ProgressHow.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "step"], name="onboarding_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.step}"


class MentorRequest(models.Model):
    """A member asks for a mentor. It is offered to one mentor at a time."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="mentor_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_requests"
    )
    goals = models.TextField(
        _("goals"),
        max_length=2000,
        help_text=_("What would you like to learn or get better at? Markdown."),
    )
    topics = models.ManyToManyField(
        Tag, blank=True, related_name="mentor_requests", verbose_name=_("topics")
    )
    cadence = models.CharField(
        _("preferred cadence"), max_length=12, choices=Cadence.choices, default=Cadence.FORTNIGHTLY
    )
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    current_mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentor_requests_offered",
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester} asks for a mentor in {self.community}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring_request", kwargs={"slug": self.community.slug, "pk": self.pk})


class RequestOffer(models.Model):
    """One mentor a request was offered to, and what came of it (the request's history)."""

    request = models.ForeignKey(MentorRequest, on_delete=models.CASCADE, related_name="offers")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offered_at = models.DateTimeField(default=dj_timezone.now)
    deadline = models.DateTimeField()
    outcome = models.CharField(
        max_length=10, choices=OfferOutcome.choices, default=OfferOutcome.PENDING
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(outcome="pending"),
                name="request_offer_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.mentor}: {self.outcome}"


class Mentorship(models.Model):
    """An agreed mentorship: goals, cadence, an end date, check-ins and a reflection."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="mentorships")
    request = models.OneToOneField(
        MentorRequest, on_delete=models.CASCADE, related_name="mentorship"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentee"
    )
    goals = models.TextField(_("goals"), max_length=2000, help_text=_("Markdown."))
    cadence = models.CharField(_("cadence"), max_length=12, choices=Cadence.choices)
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        max_length=10, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    started_at = models.DateTimeField(default=dj_timezone.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reflection = models.TextField(_("reflection"), max_length=3000, blank=True)
    mentor_feedback = models.TextField(_("mentor's feedback"), max_length=1000, blank=True)
    mentee_feedback = models.TextField(_("mentee's feedback"), max_length=1000, blank=True)
    share_checkins_with_coordinators = models.BooleanField(
        _("share check-in notes with the coordinators"), default=False
    )
    # The next check-in date, and the due date a reminder was last sent for (once each).
    next_checkin_on = models.DateField(null=True, blank=True)
    checkin_reminded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["mentor", "status"]),
            models.Index(fields=["status", "next_checkin_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("mentee")), name="mentorship_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentors {self.mentee}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring_mentorship", kwargs={"slug": self.community.slug, "pk": self.pk})

    def other_party(self, user):
        return self.mentee if user.pk == self.mentor_id else self.mentor


class CheckIn(models.Model):
    """A logged conversation of a mentorship."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(_("date"))
    notes = models.TextField(_("notes"), max_length=5000, help_text=_("Markdown."))
    next_steps = models.TextField(_("next steps"), max_length=2000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.mentorship} on {self.date}"
