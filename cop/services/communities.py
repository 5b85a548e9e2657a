"""Communities and memberships: start, edit, join, request, approve, invite, leave, manage.

Every function raises `django.core.exceptions.ValidationError` with a message a
person can read when the action is not possible; views and the API show it.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cop import cache
from cop.enums import (
    AuditAction,
    InvitationStatus,
    JoinPolicy,
    MembershipStatus,
    NotificationKind,
    ParticipationKind,
    Role,
)
from cop.models import AuditEntry, Community, Invitation, Membership, Tag, User
from cop.queue import enqueue_on_commit
from cop.rules import is_coordinator
from cop.services import audit
from cop.services.directory import sort_name_of
from cop.services.notifications import notify
from cop.services.participation import record_participation
from cop.text import EMAIL_MAX_LENGTH, normalise_email_domain

INVITATION_SALT = "copse.invitation"
INVITATION_DAYS = 14
# The Celery task that emails one invitation (cop.tasks); named, not imported.
SEND_INVITATION_TASK = "cop.send_invitation_email"


def set_vocabulary(*, community: Community, names: list[str]) -> list[Tag]:
    """Make the community's tag vocabulary exactly `names` (case-insensitive, deduplicated).
    Tags that disappear are deleted; expertise and items lose them."""
    wanted: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())[:50]
        slug = slugify(name)[:60]
        if slug and slug not in wanted:
            wanted[slug] = name
    community.tags.exclude(slug__in=wanted).delete()
    cache.bump(cache.scope(Community, community.pk))  # items lose the topics that went
    existing = {tag.slug: tag for tag in community.tags.all()}
    for slug, name in wanted.items():
        if slug not in existing:
            existing[slug] = Tag.objects.create(community=community, name=name, slug=slug)
    return sorted(existing.values(), key=lambda tag: tag.name.lower())


@transaction.atomic
def create_community(
    *,
    creator: User,
    name: str,
    slug: str,
    domain: str,
    purpose: str = "",
    description: str = "",
    visibility: str,
    join_policy: str,
    stage: str = "potential",
    license: str = "CC-BY-SA-4.0",
    tags: list[str] | None = None,
) -> Community:
    """Start a community; its creator becomes its first coordinator."""
    if Community.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("That address is taken. Please choose another.")})
    community = Community(
        name=name,
        slug=slug,
        domain=domain,
        purpose=purpose,
        description=description,
        visibility=visibility,
        join_policy=join_policy,
        stage=stage,
        license=license,
        created_by=creator,
    )
    community.full_clean()
    community.save()
    set_vocabulary(community=community, names=tags or [])
    now = timezone.now()
    Membership.objects.create(
        community=community,
        user=creator,
        role=Role.COORDINATOR,
        status=MembershipStatus.ACTIVE,
        joined_at=now,
        sort_name=sort_name_of(creator),
    )
    return community


@transaction.atomic
def update_community(*, community: Community, tags: list[str] | None = None, **fields) -> Community:
    """Change a community's settings (coordinators only; the caller checks)."""
    for field, value in fields.items():
        setattr(community, field, value)
    community.full_clean(exclude=["created_by"])  # the founder may have deleted their account
    community.save()  # kept fragments follow (cop.cache.community_changed)
    if tags is not None:
        set_vocabulary(community=community, names=tags)
    return community


def _coordinators(community: Community):
    return User.objects.filter(
        memberships__community=community,
        memberships__role=Role.COORDINATOR,
        memberships__status=MembershipStatus.ACTIVE,
    )


def _activate(membership: Membership, *, role: str | None = None) -> Membership:
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = timezone.now()
    # Joining (by request or invitation) is accepting the code of conduct the join page
    # showed: the version in force.
    membership.conduct_version_accepted = membership.community.conduct_version
    if role:
        membership.role = role
    membership.sort_name = sort_name_of(membership.user)
    membership.save(
        update_fields=[
            "status", "joined_at", "role", "conduct_version_accepted", "sort_name", "updated_at",
        ]
    )  # fmt: skip
    return membership


@transaction.atomic
def join_community(*, community: Community, user: User, message: str = "") -> Membership:
    """Join an open community at once, or ask to join an approval community.

    Returns the membership: active for open communities, pending for approval ones
    (the coordinators are notified). Invitation-only communities refuse.
    """
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership and membership.status in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        return membership
    if membership and membership.status == MembershipStatus.REMOVED:
        raise ValidationError(
            _("You were removed from this community. A coordinator can invite you back.")
        )
    if community.join_policy == JoinPolicy.INVITATION:
        raise ValidationError(_("This community is by invitation only."))
    if membership is None:
        membership = Membership(community=community, user=user)
    membership.request_message = message[:2000]
    membership.role = Role.MEMBER
    membership.sort_name = sort_name_of(user)
    # The join page shows the code of conduct: joining accepts the version in force.
    membership.conduct_version_accepted = community.conduct_version
    if community.join_policy == JoinPolicy.OPEN:
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = timezone.now()
        membership.save()
        return membership
    membership.status = MembershipStatus.PENDING
    membership.save()
    url = reverse("community_members", kwargs={"slug": community.slug}) + "?status=pending"
    for coordinator in _coordinators(community):
        notify(
            recipient=coordinator,
            kind=NotificationKind.JOIN_REQUEST,
            title=_("%(name)s asks to join %(community)s")
            % {"name": user.name, "community": community.name},
            body=message,
            url=url,
            community=community,
            actor=user,
        )
    return membership


@transaction.atomic
def approve_request(*, membership: Membership, by: User) -> Membership:
    """Approve a pending request; the requester is told."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.PENDING:
        raise ValidationError(_("This request has already been answered."))
    _activate(membership, role=Role.MEMBER)
    community = membership.community
    notify(
        recipient=membership.user,
        kind=NotificationKind.JOIN_ANSWER,
        title=_("Welcome to %(community)s: your request was approved")
        % {"community": community.name},
        url=community.get_absolute_url(),
        community=community,
        actor=by,
    )
    return membership


@transaction.atomic
def decline_request(*, membership: Membership, by: User, reason: str = "") -> Membership:
    """Decline a pending request; the requester is told, with the reason if given."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.PENDING:
        raise ValidationError(_("This request has already been answered."))
    membership.status = MembershipStatus.DECLINED
    membership.save(update_fields=["status", "updated_at"])
    notify(
        recipient=membership.user,
        kind=NotificationKind.JOIN_ANSWER,
        title=_("Your request to join %(community)s was declined")
        % {"community": membership.community.name},
        body=reason,
        url=reverse("community_list"),
        community=membership.community,
        actor=by,
    )
    return membership


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return reverse("accept_invitation", kwargs={"token": invitation_token(invitation)})


@transaction.atomic
def invite(*, community: Community, by: User, email: str, message: str = "") -> Invitation:
    """Invite someone by email. Sends a signed link that expires after 14 days through
    the `cop.send_invitation_email` task, enqueued once the invitation is committed. A
    pending invitation to the same address is replaced (its old link stops working)."""
    email = normalise_email_domain(email.strip().lower())
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An email address has at most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH}
        )
    if Membership.objects.filter(
        community=community, user__email__iexact=email, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})
    Invitation.objects.filter(
        community=community, email__iexact=email, status=InvitationStatus.PENDING
    ).update(status=InvitationStatus.REVOKED)
    invitation = Invitation.objects.create(
        community=community,
        email=email,
        message=message,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    # The email goes through the one invitation task, after the commit: its claim on the
    # row sends it once, and the sweeper (`resend_lost_invitations`) sends it if the task
    # is lost; a broker or mail server failure never turns the committed request into an
    # error.
    enqueue_on_commit(SEND_INVITATION_TASK, invitation_id=invitation.pk)
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The pending, unexpired invitation a token names, or a ValidationError saying why not."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This invitation link is not valid.")) from exc
    invitation = (
        Invitation.objects.select_related("community", "invited_by")
        .filter(pk=payload.get("i"))
        .first()
    )
    if invitation is None or invitation.status == InvitationStatus.REVOKED:
        raise ValidationError(_("This invitation was withdrawn."))
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation expired. Ask a coordinator of %(community)s for a new one.")
            % {"community": invitation.community.name}
        )
    return invitation


def has_verified_address(user: User, email: str) -> bool:
    """Whether `email` is a verified address of `user`'s account (allauth's records)."""

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Accept an invitation as the logged-in user; they become an active member. The
    invitation is tied to the address it was sent to: the user's account must hold that
    address, verified (a forwarded link lets nobody else in)."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("This invitation has already been used."))
    if not has_verified_address(user, invitation.email):
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. To accept it, add that address to "
                "your account and verify it."
            )
            % {"email": invitation.email},
            code="address",
        )
    membership, created = Membership.objects.select_for_update().get_or_create(
        community=invitation.community, user=user
    )
    if created or membership.status != MembershipStatus.ACTIVE:
        # A new row starts active by the model's default: `_activate` still stamps
        # when they joined (their newcomer period starts then).
        _activate(membership, role=Role.MEMBER)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    return membership


def _lock_coordinators(community: Community) -> list[Membership]:
    return list(
        Membership.objects.select_for_update()
        .filter(community=community, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE)
        .order_by("pk")
    )


def _guard_last_coordinator(membership: Membership, message: str) -> None:
    coordinators = _lock_coordinators(membership.community)
    if membership.is_coordinator and [m.pk for m in coordinators] == [membership.pk]:
        raise ValidationError(message)


@transaction.atomic
def leave_community(*, membership: Membership) -> Membership:
    """Leave a community. The last coordinator cannot leave."""
    _guard_last_coordinator(
        membership,
        _(
            "You are the last coordinator. Make another member a coordinator before "
            "you leave, so the community is not left without one."
        ),
    )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        raise ValidationError(_("You are not a member of this community."))
    membership.status = MembershipStatus.LEFT
    membership.role = Role.MEMBER
    membership.save(update_fields=["status", "role", "updated_at"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by: User) -> Membership:
    """Remove a member (coordinators only). They stop receiving the community's news at once."""
    _guard_last_coordinator(membership, _("The last coordinator cannot be removed."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members can be removed."))
    role = membership.role
    membership.status = MembershipStatus.REMOVED
    membership.role = Role.MEMBER
    membership.save(update_fields=["status", "role", "updated_at"])
    _audit_member(
        membership,
        by=by,
        action=AuditAction.MEMBER_REMOVED,
        data={"membership": membership.pk, "role": role},
    )
    return membership


def _audit_member(
    membership: Membership, *, by: User, action: str, summary: str = "", **extra
) -> None:
    """An audit entry about one member, linked to their profile; `summary` defaults to
    their name."""
    audit.record(
        community=membership.community,
        actor=by,
        action=action,
        summary=summary or membership.user.name,
        url=reverse("member_profile", args=[membership.community.slug, membership.user_id]),
        **extra,
    )


@transaction.atomic
def undo_removal(*, membership: Membership, by: User) -> Membership:
    """Undo a removal made within the last few minutes (`audit.UNDO_WINDOW`, coordinators):
    the member is back with the role they had, as if nothing happened."""

    if not is_coordinator(by, membership.community):
        raise ValidationError(_("Only a coordinator can undo a removal."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    removal = (
        AuditEntry.objects.filter(
            community=membership.community,
            action=AuditAction.MEMBER_REMOVED,
            data__membership=membership.pk,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if (
        membership.status != MembershipStatus.REMOVED
        or removal is None
        or not audit.within_undo_window(removal.created_at)
    ):
        raise ValidationError(
            _("This removal can no longer be undone. Invite the person again instead.")
        )
    membership.status = MembershipStatus.ACTIVE
    membership.role = removal.data.get("role", Role.MEMBER)
    membership.save(update_fields=["status", "role", "updated_at"])
    _audit_member(membership, by=by, action=AuditAction.MEMBER_RESTORED)
    return membership


@transaction.atomic
def recognise_expertise(*, membership: Membership, by: User, tags: list[Tag]) -> Membership:
    """Set the topics a member is recognised as an expert in (coordinators). Recognised
    expertise lets their validation of a practice on the topic count alone; topics of
    another community are ignored."""

    if not is_coordinator(by, membership.community):
        raise ValidationError(_("Only a coordinator can recognise expertise."))
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members can be recognised as experts."))
    membership.recognised_expertise.set(
        [tag for tag in tags if tag.community_id == membership.community_id]
    )
    return membership


@transaction.atomic
def set_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Make a member a coordinator, or a coordinator a member. The last coordinator stays."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members can have a role."))
    if role == Role.MEMBER:
        _guard_last_coordinator(
            membership,
            _("A community needs at least one coordinator. Appoint another one first."),
        )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        _audit_member(
            membership,
            by=by,
            action=AuditAction.ROLE_CHANGED,
            summary=(
                _("%(name)s is now a coordinator")
                if role == Role.COORDINATOR
                else _("%(name)s is now a member (no longer a coordinator)")
            )
            % {"name": membership.user.name},
        )
        notify(
            recipient=membership.user,
            kind=NotificationKind.MEMBERSHIP,
            title=(
                _("You are now a coordinator of %(community)s")
                if role == Role.COORDINATOR
                else _("You are no longer a coordinator of %(community)s")
            )
            % {"community": membership.community.name},
            url=membership.community.get_absolute_url(),
            community=membership.community,
            actor=by,
        )
    return membership


@transaction.atomic
def update_membership_profile(
    *,
    membership: Membership,
    introduction: str,
    expertise: list[Tag],
    listed_as_helper: bool | None = None,
    in_spotlight: bool | None = None,
) -> Membership:
    """A member's introduction, expertise (tags of the community's vocabulary) and, when
    given, whether the expertise finder lists them. A first introduction counts as
    participation."""
    if any(tag.community_id != membership.community_id for tag in expertise):
        raise ValidationError(_("Expertise must come from this community's topics."))
    # Read the stored text: a bound ModelForm may already have set the new one on the instance.
    stored = Membership.objects.filter(pk=membership.pk).values_list("introduction", flat=True)
    first_intro = not stored.first() and bool(introduction.strip())
    membership.introduction = introduction
    fields = ["introduction", "updated_at"]
    if listed_as_helper is not None:
        membership.listed_as_helper = listed_as_helper
        fields.append("listed_as_helper")
    if in_spotlight is not None:
        membership.in_spotlight = in_spotlight
        fields.append("in_spotlight")
    membership.save(update_fields=fields)
    membership.expertise.set(expertise)
    if first_intro:
        record_participation(
            member=membership, kind=ParticipationKind.INTRODUCED_SELF, subject=membership
        )
    return membership
