"""Bulk invitations: a CSV upload or a pasted list checked row by row, then invited at once.

`parse_rows` reads the text (one address per line, an optional name column, an optional
header line); `check_rows` says for every row whether it can be invited and why not;
`invite_many` does the check again under the community's row lock and creates every
valid invitation in one transaction. Each invitation's email goes through the outbox:
the task `cop.send_invitation_email` claims the row with a lease before sending and
records `email_sent_at` after, so a retried or duplicated task sends nothing twice, and
the sweeper sends again an email whose task was lost or whose worker died mid-send.
Inviting the same list again invites nobody twice: an address with an open invitation is
reported "already invited" (and the partial unique constraint `invitation_pending_unique`
holds it in the database).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cop.enums import InvitationStatus, MembershipStatus
from cop.models import Community, Invitation, Membership, User
from cop.queue import enqueue, enqueue_on_commit
from cop.services.communities import INVITATION_DAYS, SEND_INVITATION_TASK, invitation_url
from cop.text import CONTROL_CHARACTERS, EMAIL_MAX_LENGTH, email_subject, normalise_email_domain

MAX_ROWS = 1000
MAX_BYTES = 256 * 1024  # an upload or a pasted list
MAX_NAME_LENGTH = 80
MAX_MESSAGE_LENGTH = 2000
SEND_TASK = SEND_INVITATION_TASK
# An invitation whose email is not handed over this long after it was written has lost
# its task (broker down, worker killed): `resend_lost_invitations` enqueues it again.
LOST_AFTER = timedelta(minutes=2)
# A claimed invitation email whose outcome was not recorded by then is taken to be lost.
EMAIL_LEASE = timedelta(minutes=2)

VALID = "valid"
INVALID = "invalid"

BAD_ADDRESS = gettext_lazy("not an email address")
DUPLICATE = gettext_lazy("duplicate in the list (line %(line)s)")
MEMBER = gettext_lazy("already a member")
INVITED = gettext_lazy("already invited")


@dataclass
class Row:
    line: int
    email: str
    name: str = ""
    status: str = VALID
    reason: str = ""
    invitation_id: int | None = field(default=None)


def parse_rows(text: str) -> list[Row]:
    """The rows of a pasted list or CSV file: address first, an optional name after a
    comma, semicolon or tab; blank lines and a header line (`email,...`) are skipped.
    Raises ValidationError when the text is too large or has too many rows."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise ValidationError(
            _("The list is too large: at most %(kb)s KB.") % {"kb": MAX_BYTES // 1024}
        )
    text = text.replace("\x00", "")
    sample = text[:2048]
    delimiter = max((",", ";", "\t"), key=sample.count) if any(d in sample for d in ",;\t") else ","
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for line, cells in enumerate(reader, start=1):
            cells = [CONTROL_CHARACTERS.sub(" ", cell).strip() for cell in cells]
            if not cells or not cells[0]:
                continue
            if not rows and cells[0].lower() in {"email", "e-mail", "address", "email address"}:
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("At most %(n)s addresses at a time; split the list.") % {"n": MAX_ROWS}
                )
            name = " ".join(cells[1].split())[:MAX_NAME_LENGTH] if len(cells) > 1 else ""
            rows.append(Row(line=line, email=cells[0], name=name))
    except csv.Error as exc:
        raise ValidationError(_("The list could not be read as CSV: %(e)s") % {"e": exc}) from exc
    if not rows:
        raise ValidationError(_("Enter at least one email address."))
    return rows


def _normalised(email: str) -> str | None:
    email = email.strip().lower()
    if not email or len(email) > EMAIL_MAX_LENGTH:
        return None
    try:
        validate_email(email)
        email = normalise_email_domain(email)
    except (ValidationError, UnicodeError, ValueError):
        return None
    return email if len(email) <= EMAIL_MAX_LENGTH else None


def check_rows(*, community: Community, rows: list[Row]) -> list[Row]:
    """Mark each row valid or invalid with its reason: a bad address, a duplicate of an
    earlier line, already an active member, already invited (an open invitation). Two
    queries whatever the number of rows."""
    first_line: dict[str, int] = {}
    for row in rows:
        email = _normalised(row.email)
        if email is None:
            row.status, row.reason = INVALID, str(BAD_ADDRESS)
            continue
        row.email = email
        if email in first_line:
            row.status, row.reason = INVALID, str(DUPLICATE) % {"line": first_line[email]}
            continue
        first_line[email] = row.line
    emails = list(first_line)
    members = set(
        Membership.objects.filter(
            community=community, status=MembershipStatus.ACTIVE, user__email__in=emails
        ).values_list("user__email", flat=True)
    )
    members = {email.lower() for email in members}
    invited = set(
        Invitation.objects.filter(
            community=community,
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
            email__in=emails,
        ).values_list("email", flat=True)
    )
    for row in rows:
        if row.status != VALID:
            continue
        if row.email in members:
            row.status, row.reason = INVALID, str(MEMBER)
        elif row.email in invited:
            row.status, row.reason = INVALID, str(INVITED)
    return rows


@dataclass
class BulkResult:
    rows: list[Row]
    dry_run: bool

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if row.status == VALID]

    @property
    def invalid(self) -> list[Row]:
        return [row for row in self.rows if row.status != VALID]


def invite_many(
    *, community: Community, by: User, rows: list[Row], message: str = "", dry_run: bool = False
) -> BulkResult:
    """Invite every valid row, or (dry run) only say which rows are valid. All or nothing:
    one transaction under the community's row lock, so two uploads of the same list at
    once invite each address once. Expired open invitations to a listed address are
    closed first. Side effects: the Invitation rows, and after commit one
    `cop.send_invitation_email` task per invitation."""
    message = message.strip()
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            _("A personal message has at most %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH}
        )
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("At most %(n)s addresses at a time.") % {"n": MAX_ROWS})
    if dry_run:
        return BulkResult(rows=check_rows(community=community, rows=rows), dry_run=True)
    with transaction.atomic():
        Community.objects.select_for_update().filter(pk=community.pk).first()
        rows = check_rows(community=community, rows=rows)
        valid = [row for row in rows if row.status == VALID]
        now = timezone.now()
        Invitation.objects.filter(
            community=community,
            status=InvitationStatus.PENDING,
            expires_at__lte=now,
            email__in=[row.email for row in valid],
        ).update(status=InvitationStatus.REVOKED)
        created = Invitation.objects.bulk_create(
            [
                Invitation(
                    community=community,
                    email=row.email,
                    name=row.name,
                    message=message,
                    invited_by=by,
                    created_at=now,
                    expires_at=now + timedelta(days=INVITATION_DAYS),
                )
                for row in valid
            ]
        )
        for row, invitation in zip(valid, created, strict=True):
            row.invitation_id = invitation.pk
            enqueue_on_commit(SEND_TASK, invitation_id=invitation.pk)
    return BulkResult(rows=rows, dry_run=False)


def send_invitation_email(*, invitation_id: int) -> bool:
    """Send one invitation's email unless it was sent already or is no longer open.

    The task claims the row (`email_claimed_until`, a lease of EMAIL_LEASE) in one UPDATE,
    so a concurrent or repeated run does nothing; it records `email_sent_at` once the mail
    server took the message, and gives the claim back when sending fails, so a retry
    sends it. A worker that dies between claim and record leaves a lease that runs out:
    the sweeper then sends it again (a second copy only if the server had taken it)."""
    now = timezone.now()
    claimed = (
        Invitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.PENDING, email_sent_at__isnull=True
        )
        .filter(Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lt=now))
        .update(email_claimed_until=now + EMAIL_LEASE)
    )
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("community", "invited_by").get(pk=invitation_id)
    community, inviter = invitation.community, invitation.invited_by
    inviter_name = inviter.name if inviter else community.name
    context = {
        "invitation": invitation,
        "community": community,
        "inviter": {"name": inviter_name},
        "link": settings.SITE_URL + invitation_url(invitation),
    }
    subject = email_subject(
        _("[Copse] %(name)s invites you to %(community)s")
        % {"name": inviter_name, "community": community.name}
    )
    try:
        send_mail(
            subject=subject,
            message=render_to_string("cop/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(email_claimed_until=None)
        raise
    Invitation.objects.filter(pk=invitation_id).update(
        email_sent_at=timezone.now(), email_claimed_until=None
    )
    return True


def resend_lost_invitations(*, now=None, limit: int = 500) -> int:
    """Enqueue again the email of every open invitation that was never sent
    (`email_sent_at` empty) `LOST_AFTER` after it was written and whose claim, if any,
    ran out, oldest first, at most `limit` per run. The task's claim on the row sends
    each once, however many times it is enqueued. Returns how many were enqueued."""
    now = now or timezone.now()
    ids = list(
        Invitation.objects.filter(
            status=InvitationStatus.PENDING,
            email_sent_at__isnull=True,
            created_at__lte=now - LOST_AFTER,
            expires_at__gt=now,
        )
        .filter(Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lt=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for invitation_id in ids:
        enqueue(SEND_TASK, invitation_id=invitation_id)
    return len(ids)
