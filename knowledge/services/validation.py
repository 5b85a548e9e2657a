"""Peer validation, as at Xerox's Eureka: “this worked for me” from members, and
validation by a coordinator or an expert in one of the entry's topics."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import NotificationKind, ParticipationKind
from cop.models import User
from cop.services.notifications import notify
from cop.services.participation import record_participation, withdraw_participation
from knowledge.enums import EntryStatus
from knowledge.models import Endorsement, ExpertValidation, PracticeEntry, Reply
from knowledge.search import index_object

from .common import bump, require_live


def _credit(entry: PracticeEntry, user: User) -> None:
    """The VALIDATED_ENTRY participation of whoever vouched for `entry`."""
    record_participation(
        kind=ParticipationKind.VALIDATED_ENTRY,
        user=user,
        community=entry.community,
        subject=entry,
        summary=entry.title,
    )


def _mark_validated(entry: PracticeEntry, *, by: User) -> bool:
    """Make a not-validated entry validated and tell its owner. Returns whether it changed."""
    if entry.status != EntryStatus.NOT_VALIDATED:
        return False
    entry.status = EntryStatus.VALIDATED
    entry.validated_at = timezone.now()
    entry.save(update_fields=["status", "validated_at"])
    index_object(entry)
    recipient = entry.owner or entry.author
    if recipient is not None:
        notify(
            recipient=recipient,
            kind=NotificationKind.ENTRY_VALIDATED,
            title=_("Your practice “%(title)s” is now validated") % {"title": entry.title},
            url=entry.get_absolute_url(),
            community=entry.community,
            actor=by,
        )
    return True


@transaction.atomic
def endorse_entry(*, entry: PracticeEntry, user: User) -> Endorsement:
    """“This worked for me” on a published entry (members other than its author), once per
    person. When the endorsements reach the community's `validation_threshold` the entry
    becomes validated. Side effects: VALIDATED_ENTRY participation for the endorser, an
    ENTRY_VALIDATED notification to the owner when it crosses the threshold."""
    entry = PracticeEntry.objects.select_for_update().select_related("community").get(pk=entry.pk)
    require_live(entry)
    if entry.status not in (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED):
        raise ValidationError(_("Only a published practice can be endorsed."))
    endorsement = Endorsement.objects.filter(entry=entry, user=user).first()
    if endorsement is not None:
        return endorsement
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(entry=entry, user=user)
    except IntegrityError:
        return Endorsement.objects.get(entry=entry, user=user)
    PracticeEntry.objects.filter(pk=entry.pk).update(endorsement_count=bump("endorsement_count", 1))
    entry.refresh_from_db(fields=["endorsement_count"])
    _credit(entry, user)
    if entry.endorsement_count >= entry.community.validation_threshold:
        _mark_validated(entry, by=user)
    return endorsement


@transaction.atomic
def endorse_solution(*, reply: Reply, user: User) -> Endorsement:
    """“This worked for me” on an accepted solution (members other than its author)."""
    reply = Reply.objects.select_related("problem__community").get(pk=reply.pk)
    require_live(reply)
    if not reply.is_solution:
        raise ValidationError(_("Only an accepted solution can be endorsed."))
    endorsement, _created = Endorsement.objects.get_or_create(reply=reply, user=user)
    return endorsement


@transaction.atomic
def withdraw_endorsement(*, user: User, entry: PracticeEntry | None = None, reply=None) -> None:
    """Take back one's “this worked for me”. A validated entry stays validated: the
    validation happened, and the history of who vouched is not rewritten. The points the
    endorsement earned (VALIDATED_ENTRY) are taken back, unless the same person also
    validated the entry as an expert. Side effect: the entry's endorsement count."""
    deleted, _detail = Endorsement.objects.filter(user=user, entry=entry, reply=reply).delete()
    if entry is not None and deleted:
        PracticeEntry.objects.filter(pk=entry.pk).update(
            endorsement_count=bump("endorsement_count", -deleted)
        )
    if (
        deleted
        and entry is not None
        and not ExpertValidation.objects.filter(entry=entry, validator=user).exists()
    ):
        withdraw_participation(
            kind=ParticipationKind.VALIDATED_ENTRY,
            user=user,
            community=entry.community,
            subject=entry,
        )


@transaction.atomic
def validate_as_expert(*, entry: PracticeEntry, by: User, comment: str = "") -> ExpertValidation:
    """Validate an entry as a coordinator or an expert in one of its tags (not its author).
    One expert validation is enough. Side effects: VALIDATED_ENTRY participation for the
    validator, ENTRY_VALIDATED notification to the owner."""
    entry = PracticeEntry.objects.select_for_update().select_related("community").get(pk=entry.pk)
    require_live(entry)
    if entry.status not in (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED):
        raise ValidationError(_("Drafts and archived practices cannot be validated."))
    validation, _created = ExpertValidation.objects.get_or_create(
        entry=entry, validator=by, defaults={"comment": comment}
    )
    _credit(entry, by)
    _mark_validated(entry, by=by)
    return validation
