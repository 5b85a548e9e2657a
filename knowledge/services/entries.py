"""Practice entries: write, edit (every edit a revision), revert, move through the life
cycle, add notes beside them, and promote a solved problem into one."""

import datetime
import difflib

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.content import published
from cop.enums import AuditAction, NotificationKind, ParticipationKind
from cop.models import Community, ParticipationEvent, Tag, User
from cop.rules import is_active_member, is_participant
from cop.services.audit import record
from cop.services.notifications import notify
from knowledge.enums import MEMBER_NOTE_KINDS, EntryKind, EntryStatus, NoteKind
from knowledge.models import Endorsement, ExpertValidation, Note, PracticeEntry, Problem, Revision
from knowledge.search import index_object

from .common import _contributed, clean_tags, notify_mentioned, require_live, require_text, set_tags

# Which life-cycle moves a person may make by hand. Validation happens through
# endorsements and expert validation (knowledge.services.validation), never here.
TRANSITIONS: dict[str, set[str]] = {
    EntryStatus.DRAFT: {EntryStatus.NOT_VALIDATED, EntryStatus.ARCHIVED},
    EntryStatus.NOT_VALIDATED: {EntryStatus.ARCHIVED},
    EntryStatus.VALIDATED: {EntryStatus.ARCHIVED},
    EntryStatus.ARCHIVED: {EntryStatus.NOT_VALIDATED},
}


# A rewrite that changes more than this share of a validated practice's words sends it
# back to validation: the endorsements were for a text that is no longer there.
SUBSTANTIAL_SHARE = 0.3


def is_substantial_change(*, old_title: str, old_body: str, title: str, body: str) -> bool:
    """Whether the new text differs from the old in more than `SUBSTANTIAL_SHARE` of its
    words (compared word by word, title and body together)."""
    old_words = (old_title + "\n" + old_body).split()
    new_words = (title + "\n" + body).split()
    if old_words == new_words:
        return False
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    return matcher.ratio() < 1 - SUBSTANTIAL_SHARE


def _reset_validation(entry: PracticeEntry, *, by: User, revision: Revision) -> Note:
    """A validated entry was rewritten substantially: it is published again, awaiting
    validation, with a note beside it saying so and naming who had vouched for the earlier
    text (the revisions keep that text). The old endorsements and expert validations no
    longer count, so the same people may vouch for the new text."""
    endorsers = [
        e.user.name
        for e in Endorsement.objects.filter(entry=entry).select_related("user").order_by("pk")
    ]
    experts = [
        v.validator.name
        for v in ExpertValidation.objects.filter(entry=entry)
        .select_related("validator")
        .order_by("pk")
    ]
    Endorsement.objects.filter(entry=entry).delete()
    ExpertValidation.objects.filter(entry=entry).delete()
    entry.status = EntryStatus.NOT_VALIDATED
    entry.validated_at = None
    entry.save(update_fields=["status", "validated_at"])
    lines = [
        _(
            "Revision %(n)s rewrote this practice substantially, so it is published again, "
            "awaiting validation. The validated text is revision %(previous)s in the history."
        )
        % {"n": revision.number, "previous": revision.number - 1}
    ]
    if experts:
        lines.append(_("Validated before by: %(names)s.") % {"names": ", ".join(experts)})
    if endorsers:
        lines.append(
            _("“This worked for me” before from: %(names)s.") % {"names": ", ".join(endorsers)}
        )
    return Note.objects.create(
        entry=entry, author=by, kind=NoteKind.REVALIDATION, body="\n\n".join(lines)
    )


def _tell_followers(entry: PracticeEntry, change: Revision | Note) -> None:
    """Followers of a published practice hear of its new revision or note."""
    if entry.status != EntryStatus.DRAFT:
        published(change, targets=[("practice", entry.pk)])


def _check_owner(community: Community, owner: User | None) -> None:
    if owner is not None and not is_active_member(owner, community):
        raise ValidationError({"owner": _("The owner must be an active member.")})


def _add_revision(entry: PracticeEntry, *, author: User, summary: str) -> Revision:
    last = entry.revisions.aggregate(n=Max("number"))["n"] or 0
    return Revision.objects.create(
        entry=entry,
        number=last + 1,
        title=entry.title,
        body=entry.body,
        author=author,
        summary=summary[:200],
    )


@transaction.atomic
def write_entry(
    *,
    community: Community,
    author: User,
    title: str,
    body: str,
    kind: str = EntryKind.HOW_TO,
    tags: list[Tag] | None = None,
    owner: User | None = None,
    review_date: datetime.date | None = None,
    publish: bool = False,
    source_problem: Problem | None = None,
) -> PracticeEntry:
    """Document a practice (active members). It starts as a draft, or not validated when
    `publish`. The author owns it unless another owner is named. Side effects: revision 1,
    WROTE_ENTRY participation, search index."""
    if not is_participant(author, community):
        raise ValidationError(_("Only members of this community can document practices."))
    require_text(title=title, body=body)
    if kind not in EntryKind.values:
        raise ValidationError({"kind": _("Choose a kind of practice.")})
    tags = clean_tags(community, tags)
    owner = owner or author
    _check_owner(community, owner)
    entry = PracticeEntry.objects.create(
        community=community,
        author=author,
        owner=owner,
        title=title.strip(),
        body=body,
        kind=kind,
        review_date=review_date,
        status=EntryStatus.NOT_VALIDATED if publish else EntryStatus.DRAFT,
        source_problem=source_problem,
    )
    _add_revision(entry, author=author, summary=_("First version"))
    _contributed(
        entry,
        kind=ParticipationKind.WROTE_ENTRY,
        author=author,
        tags=tags,
        # A draft is private to its author: its title shows on the member's page
        # only once it is published.
        summary="" if entry.status == EntryStatus.DRAFT else entry.title,
    )
    if entry.status != EntryStatus.DRAFT:
        notify_mentioned(item=entry, author=author, text=body)
        published(entry, targets=[("topic", tag.pk) for tag in tags])
    return entry


@transaction.atomic
def edit_entry(
    *,
    entry: PracticeEntry,
    by: User,
    title: str,
    body: str,
    kind: str | None = None,
    tags: list[Tag] | None = None,
    owner: User | None = None,
    review_date: datetime.date | None = None,
    summary: str = "",
) -> PracticeEntry:
    """Edit an entry (its author or owner). A change of title or body adds a revision;
    the author stays. Side effects: a Revision row, search index."""
    require_text(title=title, body=body)
    entry = PracticeEntry.objects.select_for_update().get(pk=entry.pk)
    require_live(entry)
    if kind is not None and kind not in EntryKind.values:
        raise ValidationError({"kind": _("Choose a kind of practice.")})
    tags = clean_tags(entry.community, tags)
    if owner is not None:
        _check_owner(entry.community, owner)
        entry.owner = owner
    changed = title.strip() != entry.title or body != entry.body
    substantial = entry.status == EntryStatus.VALIDATED and is_substantial_change(
        old_title=entry.title, old_body=entry.body, title=title.strip(), body=body
    )
    previous_text = entry.body
    entry.title = title.strip()
    entry.body = body
    entry.kind = kind or entry.kind
    entry.review_date = review_date
    entry.updated_at = timezone.now()
    entry.save(update_fields=["title", "body", "kind", "owner", "review_date", "updated_at"])
    set_tags(entry, tags)
    if changed:
        revision = _add_revision(entry, author=by, summary=summary or _("Edited"))
        if substantial:
            _reset_validation(entry, by=by, revision=revision)
        _tell_followers(entry, revision)
    index_object(entry)
    if entry.status != EntryStatus.DRAFT:
        notify_mentioned(item=entry, author=by, text=body, previous_text=previous_text)
    return entry


@transaction.atomic
def revert_entry(*, entry: PracticeEntry, to_number: int, by: User) -> Revision:
    """Bring back the title and body of revision `to_number` as a new revision (history is
    never rewritten). Author or owner. Returns the new revision."""
    entry = PracticeEntry.objects.select_for_update().get(pk=entry.pk)
    require_live(entry)
    old = entry.revisions.filter(number=to_number).first()
    if old is None:
        raise ValidationError(_("There is no revision %(n)s.") % {"n": to_number})
    if old.title == entry.title and old.body == entry.body:
        raise ValidationError(
            _("The practice already reads like revision %(n)s.") % {"n": to_number}
        )
    substantial = entry.status == EntryStatus.VALIDATED and is_substantial_change(
        old_title=entry.title, old_body=entry.body, title=old.title, body=old.body
    )
    entry.title = old.title
    entry.body = old.body
    entry.updated_at = timezone.now()
    entry.save(update_fields=["title", "body", "updated_at"])
    revision = _add_revision(
        entry, author=by, summary=_("Reverted to revision %(n)s") % {"n": to_number}
    )
    if substantial:
        _reset_validation(entry, by=by, revision=revision)
    _tell_followers(entry, revision)
    index_object(entry)
    return revision


@transaction.atomic
def change_status(*, entry: PracticeEntry, to: str, by: User) -> PracticeEntry:
    """Move an entry through its life cycle by hand: publish a draft, archive, reopen an
    archived one (author, owner or coordinator). Validation is earned, not set here."""
    entry = PracticeEntry.objects.select_for_update().get(pk=entry.pk)
    require_live(entry)
    if to not in TRANSITIONS.get(entry.status, set()):
        raise ValidationError(
            _("A practice that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": entry.get_status_display(),
                "to": EntryStatus(to).label if to in EntryStatus.values else to,
            }
        )
    was_draft = entry.status == EntryStatus.DRAFT
    if to == EntryStatus.ARCHIVED:
        record(
            community=entry.community,
            actor=by,
            action=AuditAction.ENTRY_ARCHIVED,
            summary=entry.title,
            url=entry.get_absolute_url(),
        )
    entry.status = to
    if to != EntryStatus.VALIDATED:
        entry.validated_at = None
    entry.updated_at = timezone.now()
    entry.save(update_fields=["status", "validated_at", "updated_at"])
    index_object(entry)
    if was_draft and to == EntryStatus.NOT_VALIDATED:
        # Published: what was private to the author is now the community's.
        ParticipationEvent.objects.filter(
            kind=ParticipationKind.WROTE_ENTRY,
            subject_type=ContentType.objects.get_for_model(PracticeEntry),
            subject_id=entry.pk,
        ).update(summary=entry.title[:200])
        notify_mentioned(item=entry, author=by, text=entry.body)
    return entry


@transaction.atomic
@transaction.atomic
def add_note(*, entry: PracticeEntry, author: User, body: str, kind: str = NoteKind.ALTERNATIVE):
    """Add a dissenting or alternative note beside an entry (active members)."""
    require_live(entry)
    require_text(body=body)
    if kind not in MEMBER_NOTE_KINDS:
        raise ValidationError({"kind": _("Choose a kind of note.")})
    note = Note.objects.create(entry=entry, author=author, body=body, kind=kind)
    notify_mentioned(item=entry, author=author, text=body)
    _tell_followers(entry, note)
    return note


def promotion_draft(problem: Problem) -> dict:
    """Title, body, kind and tags for a practice written from a solved problem and its
    accepted solutions, each solution credited to its author."""
    lines = [_("## The problem"), "", problem.context.strip(), ""]
    if problem.tried.strip():
        lines += [_("## What was tried"), "", problem.tried.strip(), ""]
    solutions = (
        problem.replies.filter(is_solution=True, deleted_at__isnull=True)
        .select_related("author")
        .order_by("accepted_at", "pk")
    )
    for number, reply in enumerate(solutions, start=1):
        name = reply.author.name if reply.author else _("a former member")
        lines += [
            _("## Solution %(n)s (from %(name)s)") % {"n": number, "name": name},
            "",
            reply.body.strip(),
            "",
        ]
    return {
        "title": problem.title,
        "body": "\n".join(lines).strip() + "\n",
        "kind": EntryKind.HOW_TO,
        "tags": list(problem.tags.all()),
    }


@transaction.atomic
def promote_problem(
    *,
    problem: Problem,
    by: User,
    title: str | None = None,
    body: str | None = None,
    kind: str | None = None,
    tags: list[Tag] | None = None,
) -> PracticeEntry:
    """Turn a solved problem into a practice entry pre-filled from its accepted solutions
    (the asker or a coordinator). The entry links back to the problem and the problem to
    the entry. Side effects: as `write_entry` (a draft, revision 1, WROTE_ENTRY)."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    require_live(problem)
    if not problem.is_solved:
        raise ValidationError(_("Only a solved problem can become a practice."))
    if PracticeEntry.objects.filter(source_problem=problem).exists():
        raise ValidationError(_("This problem has already become a practice."))
    draft = promotion_draft(problem)
    return write_entry(
        community=problem.community,
        author=by,
        title=title or draft["title"],
        body=body or draft["body"],
        kind=kind or draft["kind"],
        tags=draft["tags"] if tags is None else tags,
        source_problem=problem,
    )


def remind_due_reviews(*, today: datetime.date | None = None) -> int:
    """Tell the owner of each published practice whose review date has come that it is due
    for review. Each (entry, review date) is reminded once: the entry is claimed with a
    conditional update before the notification, so two runs at once never both send it.
    Moving the review date arms a new reminder. Returns how many were sent. Side effects:
    ENTRY_REVIEW_DUE notifications."""
    today = today or timezone.localdate()
    due = (
        PracticeEntry.objects.filter(
            deleted_at__isnull=True,
            status__in=[EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED],
            review_date__lte=today,
        )
        .filter(Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_date")))
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = (
                PracticeEntry.objects.filter(pk=pk)
                .filter(
                    Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_date"))
                )
                .update(review_reminded_for=F("review_date"))
            )
            if not claimed:
                continue
            entry = PracticeEntry.objects.select_related("community", "owner", "author").get(pk=pk)
            recipient = entry.owner or entry.author
            if recipient is None:
                continue
            notify(
                recipient=recipient,
                kind=NotificationKind.ENTRY_REVIEW_DUE,
                title=_("“%(title)s” is due for review") % {"title": entry.title},
                body=_("Is it still how the community does it? Edit it, or set a new review date."),
                url=entry.get_absolute_url(),
                community=entry.community,
            )
            sent += 1
    return sent
