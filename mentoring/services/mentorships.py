"""Running mentorships: paused, resumed, extended, completed, their agreement,
feedback and check-ins.
Refusals raise ValidationError (see the package docstring).
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import NotificationKind, ParticipationKind
from cop.models import User
from cop.services.notifications import notify
from cop.services.participation import record_participation

from ..enums import CADENCE_DAYS, MentorshipStatus
from ..models import CheckIn, Mentorship


def _next_checkin(cadence: str, after: date) -> date | None:
    days = CADENCE_DAYS.get(cadence)
    return after + timedelta(days=days) if days else None


def _lock_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("community", "mentor", "mentee")
        .get(pk=mentorship.pk)
    )


def _lock_while(mentorship: Mentorship, status: str, refusal: str) -> Mentorship:
    """Lock the mentorship, refusing with `refusal` unless it is (still) in `status`."""
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status != status:
        raise ValidationError(refusal)
    return mentorship


@transaction.atomic
def pause_mentorship(*, mentorship: Mentorship, by: User) -> Mentorship:
    """Pause a mentorship (no check-in reminders meanwhile); the mentor keeps the place."""
    mentorship = _lock_while(
        mentorship, MentorshipStatus.ACTIVE, _("Only an active mentorship can be paused.")
    )
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.paused_at = timezone.now()
    mentorship.save(update_fields=["status", "paused_at"])
    return mentorship


@transaction.atomic
def resume_mentorship(*, mentorship: Mentorship, by: User) -> Mentorship:
    """Resume a paused mentorship; the next check-in is due one cadence from today."""
    mentorship = _lock_while(
        mentorship, MentorshipStatus.PAUSED, _("Only a paused mentorship can be resumed.")
    )
    mentorship.status = MentorshipStatus.ACTIVE
    mentorship.paused_at = None
    mentorship.next_checkin_on = _next_checkin(mentorship.cadence, timezone.localdate())
    mentorship.save(update_fields=["status", "paused_at", "next_checkin_on"])
    return mentorship


@transaction.atomic
def extend_mentorship(*, mentorship: Mentorship, by: User, end_date: date) -> Mentorship:
    """Move the end date later."""
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("A completed mentorship cannot be extended."))
    if end_date <= mentorship.end_date:
        raise ValidationError(
            {
                "end_date": _("Choose a date after the current end date, %(d)s.")
                % {"d": mentorship.end_date.isoformat()}
            }
        )
    mentorship.end_date = end_date
    mentorship.save(update_fields=["end_date"])
    return mentorship


@transaction.atomic
def update_agreement(
    *, mentorship: Mentorship, by: User, goals: str, cadence: str, share_checkins: bool
) -> Mentorship:
    """Change the agreement's goals and cadence, and whether coordinators may read the
    check-in notes."""
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("A completed mentorship cannot be changed."))
    if not goals.strip():
        raise ValidationError({"goals": _("The goals cannot be empty.")})
    if cadence != mentorship.cadence:
        mentorship.next_checkin_on = _next_checkin(cadence, timezone.localdate())
    mentorship.goals = goals
    mentorship.cadence = cadence
    mentorship.share_checkins_with_coordinators = share_checkins
    mentorship.save(
        update_fields=["goals", "cadence", "share_checkins_with_coordinators", "next_checkin_on"]
    )
    return mentorship


@transaction.atomic
def complete_mentorship(
    *, mentorship: Mentorship, by: User, reflection: str = "", feedback: str = ""
) -> Mentorship:
    """Complete a mentorship, early or on time: a completion, not a failure. The place
    frees up for the mentor. Side effects: MENTORED/WAS_MENTORED participation (once
    per mentorship) and a notification to the other side."""
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("This mentorship is already completed."))
    now = timezone.now()
    mentorship.status = MentorshipStatus.COMPLETED
    mentorship.completed_at = now
    mentorship.completed_by = by
    mentorship.reflection = reflection
    mentorship.next_checkin_on = None
    fields = ["status", "completed_at", "completed_by", "reflection", "next_checkin_on"]
    if feedback:
        side = "mentor_feedback" if by.pk == mentorship.mentor_id else "mentee_feedback"
        setattr(mentorship, side, feedback)
        fields.append(side)
    mentorship.save(update_fields=fields)
    community = mentorship.community
    record_participation(
        kind=ParticipationKind.MENTORED,
        user=mentorship.mentor,
        community=community,
        subject=mentorship,
    )
    record_participation(
        kind=ParticipationKind.WAS_MENTORED,
        user=mentorship.mentee,
        community=community,
        subject=mentorship,
    )
    other = mentorship.other_party(by)
    notify(
        recipient=other,
        kind=(
            NotificationKind.MENTOR_REQUEST
            if other.pk == mentorship.mentor_id
            else NotificationKind.MENTOR_ANSWER
        ),
        title=_("%(name)s completed your mentorship; add your feedback if you like")
        % {"name": by.name},
        body=reflection,
        url=mentorship.get_absolute_url(),
        community=community,
        actor=by,
    )
    return mentorship


@transaction.atomic
def leave_feedback(*, mentorship: Mentorship, by: User, feedback: str) -> Mentorship:
    """Short feedback from one side at the end of a completed mentorship."""
    mentorship = _lock_while(
        mentorship,
        MentorshipStatus.COMPLETED,
        _("Feedback is given once the mentorship is completed."),
    )
    side = "mentor_feedback" if by.pk == mentorship.mentor_id else "mentee_feedback"
    setattr(mentorship, side, feedback)
    mentorship.save(update_fields=[side])
    return mentorship


@transaction.atomic
def log_checkin(
    *, mentorship: Mentorship, author: User, on: date, notes: str, next_steps: str = ""
) -> CheckIn:
    """Log a check-in; the next one is due one cadence after it (its reminder is new)."""
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("This mentorship is completed."))
    if on > timezone.localdate() + timedelta(days=1):
        raise ValidationError({"date": _("A check-in is logged after it happened.")})
    if not notes.strip():
        raise ValidationError({"notes": _("Write a few words about the conversation.")})
    checkin = CheckIn.objects.create(
        mentorship=mentorship, date=on, notes=notes, next_steps=next_steps, author=author
    )
    upcoming = _next_checkin(mentorship.cadence, on)
    if upcoming and (mentorship.next_checkin_on is None or upcoming > mentorship.next_checkin_on):
        mentorship.next_checkin_on = upcoming
        mentorship.save(update_fields=["next_checkin_on"])
    return checkin


def remind_checkin(*, mentorship_id: int, today: date | None = None) -> bool:
    """Remind both sides that a check-in is due; once per due date, even when two workers
    run: the claim is a conditional update. Returns whether reminders went out."""
    today = today or timezone.localdate()
    with transaction.atomic():
        mentorship = (
            Mentorship.objects.select_related("community", "mentor", "mentee")
            .filter(pk=mentorship_id, status=MentorshipStatus.ACTIVE)
            .first()
        )
        if mentorship is None or mentorship.next_checkin_on is None:
            return False
        due = mentorship.next_checkin_on
        if due > today:
            return False
        claimed = (
            Mentorship.objects.filter(pk=mentorship.pk, next_checkin_on=due)
            .exclude(checkin_reminded_for=due)
            .update(checkin_reminded_for=due)
        )
        if not claimed:
            return False
        for person, other in (
            (mentorship.mentor, mentorship.mentee),
            (mentorship.mentee, mentorship.mentor),
        ):
            notify(
                recipient=person,
                kind=NotificationKind.CHECKIN_DUE,
                title=_("A check-in with %(name)s is due (%(date)s)")
                % {"name": other.name, "date": due.isoformat()},
                url=mentorship.get_absolute_url(),
                community=mentorship.community,
            )
    return True


def due_checkin_ids(*, today: date | None = None) -> list[int]:
    """Active mentorships whose check-in is due and not yet reminded for that date."""
    today = today or timezone.localdate()
    return list(
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE, next_checkin_on__lte=today)
        .exclude(checkin_reminded_for=models.F("next_checkin_on"))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
