"""Constellations: communities that declare each other related.

A coordinator of one community asks (`request_relation`); it is effective once a
coordinator of the other accepts (`accept_relation`) and either side may end it
(`end_relation`); the asked side may decline. Each step writes an audit entry on both
sides and tells the other side's coordinators (RELATION). Answers lock the relation's
row, so a double click or an accept racing an end changes it once.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import AuditAction, MembershipStatus, NotificationKind, RelationStatus, Role
from cop.models import LIVE_RELATION, Community, CommunityRelation, User
from cop.services import audit
from cop.services.notifications import notify
from cop.text import single_line

MESSAGE_MAX = 1000


def _coordinators(community: Community):
    return User.objects.filter(
        memberships__community=community,
        memberships__role=Role.COORDINATOR,
        memberships__status=MembershipStatus.ACTIVE,
    )


def _page(community: Community) -> str:
    return reverse("community_relations", kwargs={"slug": community.slug})


def _tell(*, community: Community, title: str, body: str = "", by: User) -> None:
    for coordinator in _coordinators(community):
        if coordinator.pk == by.pk:
            continue
        notify(
            recipient=coordinator,
            kind=NotificationKind.RELATION,
            title=title,
            body=body,
            url=_page(community),
            community=community,
            actor=by,
        )


def _log(relation: CommunityRelation, *, action: str, by: User, summary: str) -> None:
    for community in (relation.from_community, relation.to_community):
        audit.record(
            community=community,
            actor=by,
            action=action,
            summary=summary,
            url=_page(community),
            data={"relation": relation.pk},
        )


def _lock(relation: CommunityRelation) -> CommunityRelation:
    """The relation's row, locked for this transaction (the communities joined, not locked)."""
    return (
        CommunityRelation.objects.select_for_update(of=("self",))
        .select_related("from_community", "to_community")
        .get(pk=relation.pk)
    )


def request_relation(
    *, community: Community, other: Community, by: User, message: str = ""
) -> CommunityRelation:
    """Ask `other` to become related to `community` (the caller is a coordinator of
    `community`). Refused for the community itself and when the two are already related
    or one has asked the other. Side effects: the relation row (requested), an audit
    entry on both sides, a RELATION notification to `other`'s coordinators."""
    if other.pk == community.pk:
        raise ValidationError(_("A community cannot be related to itself."))
    message = (message or "").replace("\x00", "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            _("The message is too long (at most %(n)d characters).") % {"n": MESSAGE_MAX}
        )
    live = CommunityRelation.objects.filter(LIVE_RELATION).filter(
        from_community__in=[community, other], to_community__in=[community, other]
    )
    if live.exists():
        raise ValidationError(
            _("%(other)s is already related to this community, or a request is waiting.")
            % {"other": other.name}
        )
    try:
        with transaction.atomic():
            relation = CommunityRelation.objects.create(
                from_community=community, to_community=other, message=message, requested_by=by
            )
            _log(
                relation,
                action=AuditAction.RELATION_REQUESTED,
                by=by,
                summary=_("%(a)s asked %(b)s to become related")
                % {"a": community.name, "b": other.name},
            )
            _tell(
                community=other,
                title=_("%(community)s asks to become related to %(other)s")
                % {"community": community.name, "other": other.name},
                body=message,
                by=by,
            )
    except IntegrityError as error:  # a concurrent request for the same pair won
        raise ValidationError(
            _("%(other)s is already related to this community, or a request is waiting.")
            % {"other": other.name}
        ) from error
    return relation


def _answer(
    relation: CommunityRelation,
    *,
    status: str,
    by: User,
    action: str,
    summary: str,
    title: str,
    body: str = "",
) -> CommunityRelation:
    """Lock a requested relation and record its answer, once (inside the caller's
    transaction): a second answer is refused. Then the audit entry `summary` on both
    sides and `title` (with `body`) to the asking side's coordinators; both messages
    name the asking community %(a)s and the asked one %(b)s."""
    locked = _lock(relation)
    if locked.status != RelationStatus.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    locked.status = status
    locked.answered_by = by
    locked.answered_at = timezone.now()
    locked.save(update_fields=["status", "answered_by", "answered_at"])
    names = {"a": locked.from_community.name, "b": locked.to_community.name}
    _log(locked, action=action, by=by, summary=summary % names)
    _tell(community=locked.from_community, title=title % names, body=body, by=by)
    return locked


@transaction.atomic
def accept_relation(*, relation: CommunityRelation, by: User) -> CommunityRelation:
    """Make a requested relation effective (the caller coordinates the asked side);
    returns the updated row. Side effects: status active, audit entries on both sides,
    RELATION to the asking side."""
    return _answer(
        relation,
        status=RelationStatus.ACTIVE,
        by=by,
        action=AuditAction.RELATION_ACCEPTED,
        summary=_("%(a)s and %(b)s are related"),
        title=_("%(b)s accepted: %(a)s and %(b)s are now related"),
    )


@transaction.atomic
def decline_relation(
    *, relation: CommunityRelation, by: User, reason: str = ""
) -> CommunityRelation:
    """Decline a request (the caller coordinates the asked side). Side effects: status
    declined, audit entries, RELATION to the asking side with the reason."""
    reason = single_line((reason or "").replace("\x00", ""))[:MESSAGE_MAX]
    return _answer(
        relation,
        status=RelationStatus.DECLINED,
        by=by,
        action=AuditAction.RELATION_DECLINED,
        summary=_("%(b)s declined to relate to %(a)s"),
        title=_("%(b)s declined to become related to %(a)s"),
        body=reason,
    )


@transaction.atomic
def end_relation(*, relation: CommunityRelation, by: User, side: Community) -> CommunityRelation:
    """End a relation, or withdraw a request, from `side` (the caller coordinates it).
    Side effects: status ended, audit entries, RELATION to the other side. Practices
    shared and meetings co-hosted across it stop showing on the other side, since their
    selectors read only effective relations."""
    locked = _lock(relation)
    if locked.status not in (RelationStatus.REQUESTED, RelationStatus.ACTIVE):
        raise ValidationError(_("This relation has already ended."))
    locked.status = RelationStatus.ENDED
    locked.ended_by = by
    locked.ended_at = timezone.now()
    locked.save(update_fields=["status", "ended_by", "ended_at"])
    other = locked.other_side(side)
    names = {"a": side.name, "b": other.name}
    _log(
        locked,
        action=AuditAction.RELATION_ENDED,
        by=by,
        summary=_("%(a)s ended its relation with %(b)s") % names,
    )
    _tell(community=other, title=_("%(a)s ended its relation with %(b)s") % names, by=by)
    return locked
