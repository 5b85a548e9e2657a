"""Models of the meetings app: meetings and their series, RSVPs, agendas, attendance,
reminder deliveries and personal calendar feed tokens.

Times are stored aware in UTC; every meeting and series also keeps the IANA zone it
is planned in, so recurrence and calendar feeds keep local wall-clock time.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from cop.models import Community, validate_timezone

from .enums import (
    AgendaItemStatus,
    MeetingKind,
    MeetingStatus,
    PollAnswer,
    PollStatus,
    RSVPAnswer,
    SeriesStatus,
)


class Series(models.Model):
    """A rhythm of meetings: an RFC 5545 recurrence rule in the series' own time zone.

    Occurrences are real `Meeting` rows made up to `horizon_days` ahead, and never
    beyond `confirmed_until`: a host confirms now and then that the series still runs,
    otherwise it lapses and no new occurrences are made.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    location = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    remind_maybe = models.BooleanField(_("also remind members who answered “maybe”"), default=False)
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="hosted_series", verbose_name=_("hosts")
    )
    # RRULE without DTSTART, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU". UNTIL is a local date-time.
    rrule = models.CharField(_("recurrence rule"), max_length=300)
    starts_on = models.DateField(_("first meeting on"))
    start_time = models.TimeField(_("local start time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    horizon_days = models.PositiveSmallIntegerField(_("meetings made ahead (days)"), default=90)
    confirmed_until = models.DateField(_("confirmed to run until"))
    confirm_requested_at = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "meetings:series_detail", kwargs={"slug": self.community.slug, "series_id": self.pk}
        )


class Meeting(models.Model):
    """One meeting of a community, alone or an occurrence of a series."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="meetings")
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    # The local date (in the series' zone) the rule gave this occurrence; identifies it
    # within the series even after its own time was moved.
    occurrence_date = models.DateField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    location = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    agenda = models.TextField(
        _("agenda notes"), blank=True, help_text=_("Markdown, shown above the agenda items.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    remind_maybe = models.BooleanField(_("also remind members who answered “maybe”"), default=False)
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="hosted_meetings", verbose_name=_("hosts")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    # Edited on its own: "this and following" edits of the series leave it alone.
    detached = models.BooleanField(default=False)
    # iCalendar SEQUENCE: increases on every change a calendar should pick up.
    sequence = models.PositiveIntegerField(default=0)
    # Comments shown to everyone (live, not hidden), kept by cop.services.comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Markdown."))
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    # Answers and attendance, set from the rows by `meetings.counters.refresh_counts`
    # under the meeting's row lock in the transaction that changes them (rsvp, drop_rsvp,
    # mark_attendance, a user's deletion); the lists read these instead of counting.
    going_count = models.PositiveIntegerField(default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, editable=False)
    attendance_count = models.PositiveIntegerField(default=0, editable=False)
    # Kept by `meetings.feedback.give_feedback` in the same transaction.
    feedback_count = models.PositiveIntegerField(default=0)
    feedback_rating_sum = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            # "Not ended yet" lists: a community's history never lengthens their scan.
            models.Index(fields=["community", "ends_at"], name="meeting_community_ends"),
            models.Index(fields=["status", "starts_at"]),
            # The home feed's "next meetings" source: newly scheduled ones, newest first.
            models.Index(
                fields=["community", "created_at", "id"],
                condition=models.Q(status="scheduled"),
                name="meeting_feed_recent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["series", "occurrence_date"],
                condition=models.Q(series__isnull=False),
                name="meeting_occurrence_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "meetings:detail", kwargs={"slug": self.community.slug, "meeting_id": self.pk}
        )

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def has_started(self) -> bool:
        return dj_timezone.now() >= self.starts_at

    @property
    def is_past(self) -> bool:
        return dj_timezone.now() >= self.ends_at


class RSVP(models.Model):
    """A member's answer for one meeting. "Going" beyond the capacity waits on a
    first-come waitlist, ordered by `going_since` (then by id)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_rsvps"
    )
    answer = models.CharField(_("answer"), max_length=10, choices=RSVPAnswer.choices)
    waitlisted = models.BooleanField(default=False)
    going_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["going_since", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_once_per_meeting"),
            models.CheckConstraint(
                condition=models.Q(waitlisted=False) | models.Q(answer=RSVPAnswer.GOING),
                name="rsvp_only_going_waits",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "answer", "waitlisted"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}: {self.answer}"

    @property
    def is_going(self) -> bool:
        return self.answer == RSVPAnswer.GOING and not self.waitlisted


class AgendaItem(models.Model):
    """A topic proposed for a meeting's agenda; hosts accept, decline and order it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(_("topic"), max_length=200)
    details = models.TextField(_("details"), blank=True, help_text=_("Markdown."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=AgendaItemStatus.choices, default=AgendaItemStatus.PROPOSED
    )
    position = models.PositiveIntegerField(default=0)
    problem = models.ForeignKey(
        "knowledge.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
        verbose_name=_("problem to work on"),
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["position", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class AgendaVote(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="agenda_vote_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.item}"


class Attendance(models.Model):
    """Who was there, marked by a host: from the RSVPs or as a walk-in."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendances"
    )
    walk_in = models.BooleanField(default=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class ReminderDelivery(models.Model):
    """A reminder claimed for sending. The unique row is written before the notice is
    sent, so each (meeting, member, kind) goes out once however many scans run."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    claimed_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind"], name="reminder_delivered_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.meeting} to {self.user}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """The secret in a member's personal calendar feed URL. Revoking replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"


class MeetingGuest(models.Model):
    """Someone invited by email to one meeting without joining its community.

    The guest is a `User` (an account without a password when the address had none),
    so their answer is an ordinary RSVP (they count in the capacity and wait on the
    same list) and their reminders and invitation go through the notification outbox.
    They reach the meeting only through a signed link bound to `email`, which expires
    at `expires_at`; they see nothing else of the community."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_guest_of"
    )
    email = models.EmailField(_("email address"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_speaker = models.BooleanField(_("speaker"), default=False)
    bio = models.TextField(_("short bio"), max_length=600, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_speaker", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_guest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.email} at {self.meeting}"

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@", 1)[0]


class Poll(models.Model):
    """A scheduling poll: a coordinator proposes candidate slots for a new meeting,
    members mark each yes / if need be / no, and the coordinator turns the best slot
    into a meeting. Slots are instants (UTC); everyone sees them in their own zone."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="polls")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    # The zone the slots were proposed in, and the new meeting's zone.
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    status = models.CharField(max_length=10, choices=PollStatus.choices, default=PollStatus.OPEN)
    meeting = models.OneToOneField(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="poll"
    )
    voters_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    # Members are told the poll is open in batches, in user id order: the last user id
    # told, and when all were (`meetings.polls.announce_poll_batch`).
    announced_through = models.PositiveBigIntegerField(default=0, editable=False)
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(announced_at__isnull=True),
                name="poll_unannounced",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "meetings:poll_detail", kwargs={"slug": self.community.slug, "poll_id": self.pk}
        )


class PollSlot(models.Model):
    """A candidate start; its counters are kept by the voting service."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    yes_count = models.PositiveIntegerField(default=0)
    if_need_be_count = models.PositiveIntegerField(default=0)
    no_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "starts_at"], name="poll_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.poll}: {self.starts_at:%Y-%m-%d %H:%M} UTC"


class PollResponse(models.Model):
    """One member's answer to a poll: their choice to be RSVPed going when a slot they
    said yes to is chosen. Their per-slot marks are the PollVote rows."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rsvp_if_chosen = models.BooleanField(
        _("answer “going” for me if a slot I said yes to is chosen"), default=True
    )
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="poll_response_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.poll}"


class PollVote(models.Model):
    slot = models.ForeignKey(PollSlot, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=10, choices=PollAnswer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="poll_vote_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.answer} for {self.slot}"


class MeetingFeedback(models.Model):
    """An attendee's short feedback on a meeting: a 1–5 rating, what to keep, what to
    change. Read by the meeting's hosts and the coordinators only."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    keep = models.TextField(_("what to keep"), blank=True, max_length=2000)
    change = models.TextField(_("what to change"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="feedback_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.meeting}: {self.rating}"


class MeetingCohost(models.Model):
    """A related community co-hosting a meeting (`meetings.cohosts`): the meeting shows in
    its lists, calendar and feed too, its members answer and are marked as attending,
    and what they do counts in their own community. Shown only while the two
    communities are related."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="cohosts")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="cohosted_meetings"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "community"], name="cohost_once"),
        ]
        # The co-host's lists: its meetings by community first.
        indexes = [models.Index(fields=["community", "meeting"], name="cohost_community")]

    def __str__(self) -> str:
        return f"{self.community_id} co-hosts {self.meeting_id}"
