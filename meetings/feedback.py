"""Services of meeting feedback: attendees rate a meeting (1–5) and say what to keep and
what to change; hosts and coordinators read the summary (`meetings.view_feedback`).

The meeting row keeps `feedback_count` and `feedback_rating_sum`, updated under its
row lock, so the average is read without counting.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import NotificationKind
from cop.models import User
from cop.services.notifications import notify

from .enums import MeetingStatus
from .models import Attendance, Meeting, MeetingFeedback

MAX_TEXT = 2000
# Feedback is asked for and taken this long after a meeting.
FEEDBACK_DAYS = 30


def _clean_text(value: str, field: str) -> str:
    value = str(value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return value


@transaction.atomic
def give_feedback(
    *, meeting: Meeting, user: User, rating: int, keep: str = "", change: str = ""
) -> MeetingFeedback:
    """Save (or replace) an attendee's feedback. Only someone marked as attending gives
    it, within FEEDBACK_DAYS of the meeting. Side effects: the MeetingFeedback row and
    the meeting's feedback counters."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate the meeting from 1 to 5.")})
    keep, change = _clean_text(keep, "keep"), _clean_text(change, "change")
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Feedback opens once the meeting was held."))
    if (timezone.now() - meeting.ends_at).days > FEEDBACK_DAYS:
        raise ValidationError(_("Feedback on this meeting has closed."))
    if not Attendance.objects.filter(meeting=meeting, user=user).exists():
        raise ValidationError(_("Only people who attended give feedback."))
    now = timezone.now()
    row = MeetingFeedback.objects.filter(meeting=meeting, user=user).first()
    if row is None:
        row = MeetingFeedback.objects.create(
            meeting=meeting, user=user, rating=rating, keep=keep, change=change, updated_at=now
        )
        meeting.feedback_count += 1
        meeting.feedback_rating_sum += rating
    else:
        meeting.feedback_rating_sum += rating - row.rating
        row.rating, row.keep, row.change, row.updated_at = rating, keep, change, now
        row.save(update_fields=["rating", "keep", "change", "updated_at"])
    meeting.save(update_fields=["feedback_count", "feedback_rating_sum"])
    return row


def ask_for_feedback(*, meeting: Meeting, attendees: list[User]) -> None:
    """Invite attendees to give feedback (a MEETING_FEEDBACK notification each)."""

    url = reverse(
        "meetings:feedback", kwargs={"slug": meeting.community.slug, "meeting_id": meeting.pk}
    )
    for user in attendees:
        notify(
            recipient=user,
            kind=NotificationKind.MEETING_FEEDBACK,
            title=_("How was “%(title)s”? Two minutes of feedback help the hosts")
            % {"title": meeting.title},
            url=url,
            community=meeting.community,
        )


@dataclass
class FeedbackSummary:
    count: int
    average: float | None
    distribution: list[tuple[int, int]]  # (rating, how many), 5 first
    entries: list[MeetingFeedback]


def summary(meeting: Meeting, *, limit: int = 200) -> FeedbackSummary:
    """The aggregate for hosts and coordinators (two queries)."""
    by_rating = dict(
        MeetingFeedback.objects.filter(meeting=meeting)
        .values_list("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    count = meeting.feedback_count
    return FeedbackSummary(
        count=count,
        average=round(meeting.feedback_rating_sum / count, 1) if count else None,
        distribution=[(r, by_rating.get(r, 0)) for r in range(5, 0, -1)],
        entries=list(
            MeetingFeedback.objects.filter(meeting=meeting)
            .only("rating", "keep", "change", "updated_at", "meeting_id")
            .order_by("-updated_at", "-pk")[:limit]
        ),
    )
