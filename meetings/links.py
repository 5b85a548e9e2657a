"""Signed links in meeting emails, and what a meeting adds to its emails.

- One-click RSVP links: "Going / Maybe / Not going" for one person and one meeting.
  Opening one (GET) shows a confirmation page; only its form (POST) changes the answer,
  so a mail scanner that follows links answers for nobody. A tampered link is refused,
  and so is one older than RSVP_LINK_MAX_AGE.
- Guest links: a guest's way to their one meeting, bound to the invited address and
  valid until the invitation expires or is withdrawn.
- Email extras (registered in `MeetingsConfig.ready`): a notification about a meeting
  carries the RSVP links and an iCalendar invitation built when the email is sent, so
  it is what is true then: METHOD:REQUEST, or METHOD:CANCEL once the meeting is
  cancelled.
"""

from dataclasses import dataclass
from datetime import timedelta
from email.mime.text import MIMEText

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import NotificationKind
from cop.extensions import EmailExtras
from cop.models import User

from .enums import MeetingStatus, RSVPAnswer
from .ical import invitation_for
from .models import Meeting, MeetingGuest

RSVP_LINK_SALT = "meetings.rsvp-link"
RSVP_LINK_MAX_AGE = timedelta(days=45)
GUEST_LINK_SALT = "meetings.guest-link"
# A token is short; anything much longer than one is not ours.
MAX_TOKEN_LENGTH = 400

# Notifications about a meeting whose email carries the RSVP links and the invitation.
MEETING_EMAIL_KINDS = {
    NotificationKind.MEETING_REMINDER,
    NotificationKind.MEETING_CHANGED,
    NotificationKind.MEETING_INVITATION,
    NotificationKind.WAITLIST_PROMOTED,
}


# --- one-click RSVP links ------------------------------------------------------------------


@dataclass(frozen=True)
class RSVPLink:
    meeting: Meeting
    user: User
    answer: str


def rsvp_token(*, meeting: Meeting, user: User, answer: str) -> str:
    return signing.dumps({"m": meeting.pk, "u": user.pk, "a": answer}, salt=RSVP_LINK_SALT)


def rsvp_url(*, meeting: Meeting, user: User, answer: str) -> str:
    token = rsvp_token(meeting=meeting, user=user, answer=answer)
    return settings.SITE_URL + reverse("meetings:rsvp_link", kwargs={"token": token})


def read_rsvp_token(token: str) -> RSVPLink:
    """The meeting, person and answer a link names; ValidationError when it was
    tampered with, has expired, or names what no longer exists."""
    invalid = ValidationError(_("This answer link is not valid."), code="invalid")
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        data = signing.loads(token, salt=RSVP_LINK_SALT, max_age=RSVP_LINK_MAX_AGE.total_seconds())
        meeting_id, user_id, answer = int(data["m"]), int(data["u"]), str(data["a"])
    except signing.SignatureExpired:
        raise ValidationError(
            _("This answer link has expired. Open the meeting to answer."), code="expired"
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    if answer not in RSVPAnswer.values:
        raise invalid
    meeting = Meeting.objects.select_related("community").filter(pk=meeting_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if meeting is None or user is None:
        raise invalid
    return RSVPLink(meeting=meeting, user=user, answer=answer)


# --- guest links ---------------------------------------------------------------------------


def guest_token(guest: MeetingGuest) -> str:
    return signing.dumps({"g": guest.pk, "e": guest.email.lower()}, salt=GUEST_LINK_SALT)


def guest_url(guest: MeetingGuest) -> str:
    return settings.SITE_URL + reverse("meetings:guest", kwargs={"token": guest_token(guest)})


def read_guest_token(token: str) -> MeetingGuest:
    """The guest invitation a link names, if it is still good: signed by us, for the
    address it was sent to, not withdrawn, not expired. ValidationError otherwise."""
    invalid = ValidationError(_("This guest link is not valid."), code="invalid")
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        data = signing.loads(token, salt=GUEST_LINK_SALT)
        guest_id, email = int(data["g"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    guest = (
        MeetingGuest.objects.select_related("meeting__community", "user")
        .filter(pk=guest_id)
        .first()
    )
    if guest is None or guest.email.lower() != email or not guest.user.is_active:
        raise invalid
    if guest.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn."), code="revoked")
    if guest.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired."), code="expired")
    return guest


def active_guest(*, meeting: Meeting, user: User) -> MeetingGuest | None:
    if user is None or user.pk is None:
        return None
    return (
        MeetingGuest.objects.filter(
            meeting_id=meeting.pk,
            user_id=user.pk,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by()
        .first()
    )


# --- what a meeting adds to its notifications ----------------------------------------------


def outsider_grant(*, recipient: User, community, kind: str, subject) -> bool:
    """A meeting's guest hears about that meeting (its invitation, reminders, changes)."""
    return (
        isinstance(subject, Meeting)
        and kind in MEETING_EMAIL_KINDS
        and active_guest(meeting=subject, user=recipient) is not None
    )


def _calendar_part(meeting: Meeting, user: User) -> MIMEText:
    body = invitation_for(meeting, attendee_email=user.email, attendee_name=user.name)
    part = MIMEText(body.decode(), "calendar", "utf-8")
    part.set_param("method", "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def email_extras(notification) -> EmailExtras | None:
    """RSVP links while answers are open, a guest's link to their meeting, and the
    calendar invitation, for notifications about a meeting."""
    meeting = notification.subject
    if not isinstance(meeting, Meeting) or notification.kind not in MEETING_EMAIL_KINDS:
        return None
    user = notification.recipient
    actions = []
    if meeting.status == MeetingStatus.SCHEDULED and not meeting.has_started:
        actions = [
            (str(label), rsvp_url(meeting=meeting, user=user, answer=value))
            for value, label in RSVPAnswer.choices
        ]
    guest = active_guest(meeting=meeting, user=user)
    if guest is not None:
        actions.append((_("Open the meeting"), guest_url(guest)))
    return EmailExtras(actions=actions, attachments=[_calendar_part(meeting, user)])
