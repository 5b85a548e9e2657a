"""The code of conduct: accepting it, and coordinators changing it.

A community carries its conduct text and version; a membership carries the version its
member accepted. `cop.rules.is_participant` compares the two (no query), so every
permission that guards taking part refuses until the member accepts again.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cop.enums import AuditAction, MembershipStatus, NotificationKind
from cop.models import Community, Membership, Notification, User
from cop.queue import enqueue_on_commit
from cop.rules import forget_memberships
from cop.services import audit
from cop.services.notifications import notify
from cop.text import CONTROL_CHARACTERS

from ..models import ConductVersion

MAX_CONDUCT_LENGTH = 20000
MAX_NOTE_LENGTH = 300


def conduct_url(community: Community) -> str:
    return reverse("care:conduct", kwargs={"slug": community.slug})


def _clean_text(text: str) -> str:
    # Markdown keeps its line breaks and tabs; every other control character goes.
    text = "".join(ch for ch in (text or "") if ch in "\n\t" or not CONTROL_CHARACTERS.match(ch))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("The code of conduct cannot be empty.")})
    if len(text) > MAX_CONDUCT_LENGTH:
        raise ValidationError(
            {"text": _("Keep it under %(max)d characters.") % {"max": MAX_CONDUCT_LENGTH}}
        )
    return text


@transaction.atomic
def accept_conduct(*, membership: Membership) -> Membership:
    """The member accepts the code of conduct in force. Idempotent."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only members accept the code of conduct."))
    version = membership.community.conduct_version
    if membership.conduct_version_accepted < version:
        membership.conduct_version_accepted = version
        membership.save(update_fields=["conduct_version_accepted", "updated_at"])
    forget_memberships(membership.user)
    return membership


@transaction.atomic
def update_conduct(
    *, community: Community, by: User, text: str, material: bool, note: str = ""
) -> Community:
    """Change the code of conduct. A material change makes a new version that every
    member accepts again before taking part (the coordinator who made it accepts it by
    making it); a correction keeps the version. Side effects: the version's history row,
    an audit entry, and on a material change a CONDUCT_CHANGED notification to every
    active member (after commit, in a task)."""
    text = _clean_text(text)
    note = " ".join(CONTROL_CHARACTERS.sub(" ", note or "").split())[:MAX_NOTE_LENGTH]
    community = Community.objects.select_for_update().get(pk=community.pk)
    if text == community.conduct and not material:
        return community
    if material:
        community.conduct_version += 1
    community.conduct = text
    community.save(update_fields=["conduct", "conduct_version"])
    ConductVersion.objects.update_or_create(
        community=community,
        version=community.conduct_version,
        defaults={"text": text, "material": material, "change_note": note, "created_by": by},
    )
    if material:
        Membership.objects.filter(community=community, user=by).update(
            conduct_version_accepted=community.conduct_version
        )
        forget_memberships(by)

        enqueue_on_commit(
            "care.announce_conduct_change",
            community_id=community.pk,
            version=community.conduct_version,
        )
    audit.record(
        community=community,
        actor=by,
        action=AuditAction.CONDUCT_CHANGED,
        summary=(
            _("Version %(version)d (material change): %(note)s")
            if material
            else _("Version %(version)d (correction): %(note)s")
        )
        % {"version": community.conduct_version, "note": note or "-"},
        url=conduct_url(community),
        data={"version": community.conduct_version, "material": material},
    )
    return community


def announce_conduct_change(*, community: Community, version: int) -> int:
    """Tell every active member who has not accepted `version` yet. Returns how many were
    told. Safe to run twice: a member who already accepted is skipped, and each member
    gets at most one notification per version (the title names it)."""
    told = 0
    title = _("%(community)s changed its code of conduct (version %(version)d)") % {
        "community": community.name,
        "version": version,
    }
    members = (
        Membership.objects.filter(
            community=community,
            status=MembershipStatus.ACTIVE,
            conduct_version_accepted__lt=version,
        )
        .select_related("user")
        .order_by("pk")
    )

    already = set(
        Notification.objects.filter(
            community=community, kind=NotificationKind.CONDUCT_CHANGED, title=title[:300]
        ).values_list("recipient_id", flat=True)
    )
    for membership in members.iterator(chunk_size=500):
        if membership.user_id in already:
            continue
        notify(
            recipient=membership.user,
            kind=NotificationKind.CONDUCT_CHANGED,
            title=title,
            body=_("Read it and accept it to keep taking part."),
            url=conduct_url(community),
            community=community,
        )
        told += 1
    return told
