"""Services for a meeting's guests: people invited by email to one meeting without
joining its community (see `MeetingGuest`).

Who may invite is the caller's check (`meetings.manage_guests`); these functions keep
the invariants: one invitation per person and meeting, only to meetings still ahead,
never to someone already a member, bounded text.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, NotificationKind
from cop.models import Membership, User
from cop.services.communities import join_community
from cop.services.notifications import notify
from cop.text import EMAIL_MAX_LENGTH, normalise_email_domain, single_line

from . import services
from .enums import MeetingStatus
from .models import Meeting, MeetingGuest

# A guest's link keeps working this long after the meeting ends (for its notes, and
# to join the community afterwards).
GUEST_LINK_AFTER_MEETING = timedelta(days=30)
MAX_BIO_LENGTH = 600
MAX_NAME_LENGTH = 150
MAX_GUESTS_PER_MEETING = 200


def _clean_email(email: str) -> str:
    email = normalise_email_domain(single_line(str(email)).strip().lower())
    if not email or len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError({"email": _("Enter an email address.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    return email


def _clean_bio(bio: str) -> str:
    bio = str(bio).strip()
    if len(bio) > MAX_BIO_LENGTH:
        raise ValidationError(
            {"bio": _("A bio has at most %(n)s characters.") % {"n": MAX_BIO_LENGTH}}
        )
    return bio


def _guest_account(email: str, name: str, tz_name: str) -> User:
    """The person behind an address: their account, or a new one without a password
    (they may set one later through “forgot password”, or never), in the meeting's
    zone until they say otherwise."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(email=email, display_name=name[:80], timezone=tz_name)
            user.set_unusable_password()
            user.save()
    except IntegrityError:  # the same address invited twice at once
        user = User.objects.get(email__iexact=email)
    return user


@transaction.atomic
def invite_guest(
    *,
    meeting: Meeting,
    by: User,
    email: str,
    name: str = "",
    is_speaker: bool = False,
    bio: str = "",
) -> MeetingGuest:
    """Invite someone by email to this one meeting. Inviting the same address again
    renews the invitation (and its speaker details).

    Side effects: a User without a password when the address had no account; the
    MeetingGuest row; a MEETING_INVITATION notification whose email carries the guest
    link, the one-click answers and the calendar invitation (built when sent).
    """
    email = _clean_email(email)
    name = single_line(str(name)).strip()[:MAX_NAME_LENGTH]
    bio = _clean_bio(bio)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meeting.pk)
    )
    if meeting.status != MeetingStatus.SCHEDULED or meeting.has_started:
        raise ValidationError(_("Guests can be invited to a meeting that is still ahead."))
    if Membership.objects.filter(
        community_id=meeting.community_id, user__email__iexact=email, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(
            {"email": _("%(email)s is a member: they can answer as members do.") % {"email": email}}
        )
    if meeting.guests.count() >= MAX_GUESTS_PER_MEETING:
        raise ValidationError(
            _("A meeting has at most %(n)s guests.") % {"n": MAX_GUESTS_PER_MEETING}
        )
    user = _guest_account(email, name, meeting.timezone)
    guest, _created = MeetingGuest.objects.update_or_create(
        meeting=meeting,
        user=user,
        defaults={
            "email": email,
            "name": name or user.display_name,
            "is_speaker": is_speaker,
            "bio": bio,
            "invited_by": by,
            "expires_at": meeting.ends_at + GUEST_LINK_AFTER_MEETING,
            "revoked_at": None,
        },
    )
    notify(
        recipient=user,
        kind=NotificationKind.MEETING_INVITATION,
        title=_("%(name)s invites you to “%(title)s” (%(community)s)")
        % {"name": by.name, "title": meeting.title, "community": meeting.community.name},
        body=_("You are invited as a guest: no account needed. Answer with a click below."),
        community=meeting.community,
        actor=by,
        subject=meeting,
    )
    return guest


@transaction.atomic
def update_guest(
    *, guest: MeetingGuest, by: User, is_speaker: bool | None = None, bio: str | None = None
) -> MeetingGuest:
    """Mark a guest as speaker (or not) and set the short bio shown on the meeting."""
    fields = []
    if is_speaker is not None:
        guest.is_speaker = bool(is_speaker)
        fields.append("is_speaker")
    if bio is not None:
        guest.bio = _clean_bio(bio)
        fields.append("bio")
    if fields:
        guest.save(update_fields=fields)
    return guest


@transaction.atomic
def withdraw_guest(*, guest: MeetingGuest, by: User) -> MeetingGuest:
    """Withdraw an invitation: the link stops working and the guest's place is freed.
    Side effects: revoked_at; their RSVP removed (the waitlist moves up)."""

    if guest.revoked_at is None:
        guest.revoked_at = timezone.now()
        guest.save(update_fields=["revoked_at"])
        services.drop_rsvp(meeting=guest.meeting, user=guest.user)
    return guest


@transaction.atomic
def join_from_guest(*, guest: MeetingGuest) -> Membership:
    """The guest joins the meeting's community with one click (open: at once; by
    approval: a request the coordinators answer; by invitation only: refused)."""
    return join_community(community=guest.meeting.community, user=guest.user)
