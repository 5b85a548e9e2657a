"""Flags and the coordinators' moderation of what they point at.

Any member flags an item of a registered kind (`cop.content`) with a reason; the flags
of one item gather in one open `ModerationCase`, the coordinators' queue. When as many
members as the community's `flag_threshold` flagged it, the item is hidden pending
review. Coordinators hide, restore, warn the author or remove them; the author is told
what happened and why, and every action goes into the community's audit log.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cop.content import ContentKind, kind_of_content_type, kind_of_model
from cop.enums import AuditAction, MembershipStatus, NotificationKind, Role
from cop.models import Community, Membership, User
from cop.services import audit
from cop.services.communities import remove_member
from cop.services.notifications import notify
from cop.text import CONTROL_CHARACTERS

from ..enums import CaseStatus, FlagReason, ModerationAction, Resolution
from ..models import Flag, ModerationCase

MAX_NOTE_LENGTH = 1000


def clean_note(note: str, *, required: bool = False, field: str = "note") -> str:
    note = "".join(ch for ch in (note or "") if ch == "\n" or not CONTROL_CHARACTERS.match(ch))
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {field: _("Keep it under %(max)d characters.") % {"max": MAX_NOTE_LENGTH}}
        )
    if required and not note:
        raise ValidationError({field: _("Say why: the author is told.")})
    return note


def _coordinators(community: Community):
    return [
        membership.user
        for membership in Membership.objects.filter(
            community=community, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
        ).select_related("user")
    ]


def _after_visibility_change(kind: ContentKind, obj) -> None:
    if kind.on_visibility_change is not None:
        model, pk = type(obj), obj.pk
        transaction.on_commit(
            lambda: kind.on_visibility_change(model.objects.filter(pk=pk).first())
        )


def _set_hidden(kind: ContentKind, obj, hidden: bool) -> None:
    if not kind.hideable:
        return
    if kind.set_hidden is not None:
        kind.set_hidden(obj, hidden)
    else:
        obj.hidden_at = timezone.now() if hidden else None
        type(obj).objects.filter(pk=obj.pk).update(hidden_at=obj.hidden_at)
    _after_visibility_change(kind, obj)


def _tell_author(*, kind: ContentKind, obj, community: Community, title: str, body: str, by=None):
    author_id = kind.author_id(obj)
    author = User.objects.filter(pk=author_id).first() if author_id else None
    if author is None:
        return
    notify(
        recipient=author,
        kind=NotificationKind.MODERATION,
        title=title,
        body=body,
        url=kind.url(obj),
        community=community,
        actor=by,
    )


def _reasons(case: ModerationCase) -> str:
    labels = dict(FlagReason.choices)
    given = case.flags.values_list("reason", flat=True)
    reasons = sorted({str(labels[reason]) for reason in given})
    return "; ".join(reasons)


@transaction.atomic
def flag_content(*, user: User, obj, reason: str, note: str = "") -> Flag:
    """`user` flags `obj` (a registered kind; the caller checked `care.flag`).

    Side effects: the open case for the item (created on the first flag, the
    coordinators notified), its flag counter; at the community's threshold the item is
    hidden pending review, the author told and the action audited. The item's row is
    locked, so concurrent flags count exactly once each and hide it once."""
    kind = kind_of_model(type(obj))
    if kind is None or not kind.flaggable:
        raise ValidationError(_("This cannot be flagged."))
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    note = clean_note(note)
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    community = kind.community(obj)
    content_type = kind.content_type()
    case = (
        ModerationCase.objects.select_for_update()
        .filter(content_type=content_type, object_id=obj.pk, status=CaseStatus.OPEN)
        .first()
    )
    opened = case is None
    if opened:
        case = ModerationCase.objects.create(
            community=community,
            content_type=content_type,
            object_id=obj.pk,
            author_id=kind.author_id(obj),
            title=f"{capfirst(str(kind.label))}: {kind.title(obj)}"[:300],
            url=kind.url(obj)[:300],
        )
    elif Flag.objects.filter(case=case, flagger=user).exists():
        raise ValidationError(_("You already flagged this; the coordinators will review it."))
    flag = Flag.objects.create(case=case, flagger=user, reason=reason, note=note)
    case.flag_count += 1
    case.last_flagged_at = flag.created_at
    update = ["flag_count", "last_flagged_at"]
    hide_now = (
        kind.hideable
        and getattr(obj, "hidden_at", None) is None
        and case.flag_count >= community.flag_threshold
    )
    if hide_now:
        case.hidden_by_flags = True
        update.append("hidden_by_flags")
        _set_hidden(kind, obj, True)
        audit.record(
            community=community,
            actor=None,
            action=AuditAction.ITEM_AUTO_HIDDEN,
            summary=case.title,
            url=case.url,
            data={"case": case.pk, "flags": case.flag_count},
        )
        _tell_author(
            kind=kind,
            obj=obj,
            community=community,
            title=_("Your %(kind)s is hidden pending review") % {"kind": kind.label},
            body=_(
                "Several members flagged it (%(reasons)s). Only you and the coordinators "
                "see it until a coordinator reviews it."
            )
            % {"reasons": _reasons(case)},
        )
    case.save(update_fields=update)
    if opened or hide_now:
        queue = reverse("care:queue", kwargs={"slug": community.slug})
        for coordinator in _coordinators(community):
            notify(
                recipient=coordinator,
                kind=NotificationKind.FLAG_RAISED,
                title=(
                    _("Hidden by members' flags, to review: %(title)s")
                    if hide_now
                    else _("Flagged for review: %(title)s")
                )
                % {"title": case.title},
                body=str(dict(FlagReason.choices)[reason]),
                url=queue,
                community=community,
            )
    return flag


def case_item(case: ModerationCase):
    """The kind and the item a case is about (None when the item is gone)."""
    kind = kind_of_content_type(case.content_type_id)
    if kind is None:
        return None, None
    return kind, kind.model.objects.filter(pk=case.object_id).first()


@transaction.atomic
def moderate(*, case: ModerationCase, by: User, action: str, note: str = "") -> ModerationCase:
    """A coordinator's decision on an open case (the caller checked `care.moderate`).

    hide: the item is hidden (stays for its author and coordinators); restore: shown
    again and the flags dismissed; warn: the author gets the coordinator's warning;
    remove: the author leaves the community (`remove_member`) and the item stays hidden.
    The author is told what happened and why; the action is audited; the case closes."""
    if action not in ModerationAction.values:
        raise ValidationError({"action": _("Choose what to do.")})
    case = ModerationCase.objects.select_for_update().select_related("community").get(pk=case.pk)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case was already reviewed."))
    note = clean_note(note, required=action in (ModerationAction.WARN, ModerationAction.REMOVE))
    community = case.community
    kind, obj = case_item(case)
    if obj is None:
        raise ValidationError(_("The flagged item no longer exists."))
    if action == ModerationAction.HIDE and not kind.hideable:
        raise ValidationError({"action": _("This cannot be hidden; warn or remove the member.")})
    why = note or _reasons(case)
    label = kind.label
    if action == ModerationAction.HIDE:
        _set_hidden(kind, obj, True)
        resolution, audit_action = Resolution.HIDDEN, AuditAction.ITEM_HIDDEN
        title = _("A coordinator hid your %(kind)s") % {"kind": label}
        body = _("Why: %(why)s. Only you and the coordinators still see it.") % {"why": why}
    elif action == ModerationAction.RESTORE:
        was_hidden = getattr(obj, "hidden_at", None) is not None
        _set_hidden(kind, obj, False)
        resolution = Resolution.RESTORED if was_hidden else Resolution.DISMISSED
        audit_action = AuditAction.ITEM_UNHIDDEN if was_hidden else AuditAction.FLAGS_DISMISSED
        title = (
            _("Your %(kind)s is visible again") % {"kind": label}
            if was_hidden
            else ""  # nothing happened to the author's content: no need to worry them
        )
        body = _("A coordinator reviewed the flags and restored it.") + (f" {note}" if note else "")
    elif action == ModerationAction.WARN:
        resolution, audit_action = Resolution.WARNED, AuditAction.AUTHOR_WARNED
        title = _("A warning from the coordinators of %(community)s") % {
            "community": community.name
        }
        body = _("About your %(kind)s: %(why)s") % {"kind": label, "why": note}
    else:
        membership = Membership.objects.filter(
            community=community, user_id=kind.author_id(obj)
        ).first()
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            raise ValidationError(_("The author is no longer a member."))
        _set_hidden(kind, obj, True)
        remove_member(membership=membership, by=by)
        resolution, audit_action = Resolution.REMOVED, AuditAction.ITEM_HIDDEN
        title = _("You were removed from %(community)s") % {"community": community.name}
        body = _("About your %(kind)s: %(why)s") % {"kind": label, "why": note}
    case.status = CaseStatus.RESOLVED
    case.resolution = resolution
    case.resolution_note = note
    case.resolved_at = timezone.now()
    case.resolved_by = by
    case.save(
        update_fields=["status", "resolution", "resolution_note", "resolved_at", "resolved_by"]
    )
    audit.record(
        community=community,
        actor=by,
        action=audit_action,
        summary=f"{case.title} — {why}" if why else case.title,
        url=case.url,
        data={"case": case.pk, "resolution": resolution},
    )
    if title:
        if action == ModerationAction.REMOVE:
            # A removed member hears nothing more of the community through `notify`'s
            # privacy rule; this one message about their removal is addressed to them.
            _tell_removed(kind=kind, obj=obj, title=title, body=body, by=by)
        else:
            _tell_author(kind=kind, obj=obj, community=community, title=title, body=body, by=by)
    return case


def _tell_removed(*, kind: ContentKind, obj, title: str, body: str, by: User) -> None:
    author = User.objects.filter(pk=kind.author_id(obj)).first()
    if author is not None:
        notify(
            recipient=author,
            kind=NotificationKind.MODERATION,
            title=title,
            body=body,
            community=None,
            actor=by,
        )


def open_cases(community: Community):
    """The queue: open cases, most recently flagged first (the `moderation_queue` index)."""
    return (
        ModerationCase.objects.filter(community=community, status=CaseStatus.OPEN)
        .select_related("author")
        .order_by("-last_flagged_at", "-id")
    )


def case_flags(cases) -> dict[int, list[Flag]]:
    """Flags of the cases on a page, in one query."""
    by_case: dict[int, list[Flag]] = {}
    flags = Flag.objects.filter(case__in=[case.pk for case in cases]).select_related("flagger")
    for flag in flags.order_by("created_at"):
        by_case.setdefault(flag.case_id, []).append(flag)
    return by_case
