"""Comments and reactions on any registered comment target (stories, practices,
meetings, value stories): the one module that writes them.

The API for moderation and for the pages:

- `post_comment`, `edit_comment`: the author's writes;
- `delete_comment` / `undelete_comment`: soft delete (author or coordinator) and back;
- `hide_comment` / `restore_comment`: moderation (coordinators): hidden comments show
  to their author and the coordinators only, marked "hidden pending review";
- `react` / `unreact`: one reaction per kind per member.

Each target's `comment_count` counts the comments everyone sees (live and not hidden);
every service that changes that moves it by one UPDATE in its own transaction, once
even when two people act at the same moment (the change is a conditional UPDATE of the
comment row first). Who may do what is declared in `cop.rules` and checked once, by
the page or endpoint that calls the service; the services keep the invariants.
"""

import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import AuditAction, NotificationKind, ParticipationKind, ReactionKind
from cop.extensions import COMMENT_TARGETS, comment_target_for_model
from cop.models import Comment, Community, Reaction, User
from cop.services.audit import record
from cop.services.notifications import mentioned_users, notify
from cop.services.participation import record_participation

MAX_COMMENT_LENGTH = 10000
# Control characters other than tab and line breaks: NUL is refused by PostgreSQL, the
# others only break rendering.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def bump(counter: str, delta: int):
    """`counter + delta` as one UPDATE expression, exact under concurrent writers and
    never below zero (the same rule as the knowledge counters)."""
    return Greatest(F(counter) + delta, 0)


def clean_body(body: str | None) -> str:
    """The comment's Markdown, bounded: not blank, at most MAX_COMMENT_LENGTH characters,
    no control characters (they become spaces)."""
    text = _CONTROL.sub(" ", (body or "").replace("\r\n", "\n")).strip()
    if not text:
        raise ValidationError({"body": _("Write something first.")})
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {"body": _("At most %(n)s characters, please.") % {"n": MAX_COMMENT_LENGTH}}
        )
    return text


def _check_live(comment: Comment) -> None:
    """A deleted comment takes no edit and no reaction (it may have gone since the
    caller fetched it)."""
    if comment.deleted_at is not None:
        raise ValidationError(_("That comment is no longer there."))


def _spec(target):
    spec = comment_target_for_model(type(target))
    if spec is None:
        raise ValidationError(_("This cannot be commented on."))
    return spec


def _target_of(comment: Comment):
    return comment.target_type.model_class().objects.filter(pk=comment.target_id)


def _count(comment: Comment, delta: int) -> None:
    """The comment entered (+1) or left (-1) what everyone sees: its target's counter follows."""
    _target_of(comment).update(comment_count=bump("comment_count", delta))


def _title(target) -> str:
    return _spec(target).label(target)


def _url(comment: Comment, target) -> str:
    return f"{target.get_absolute_url()}#comment-{comment.pk}"


def post_comment(*, target, author: User, body: str, parent: Comment | None = None) -> Comment:
    """`author` comments on `target`, or replies to `parent` (one level: a reply to a
    reply joins its parent's thread).

    Side effects: the Comment row and the target's `comment_count` (+1) in one
    transaction; a COMMENTED participation event; after commit, COMMENT notifications to
    the target's author and the parent comment's author, and MENTION notifications to
    the `@mentioned` who may see the target.
    """
    spec = _spec(target)
    body = clean_body(body)
    if parent is not None:
        if parent.target_type_id != ContentType.objects.get_for_model(target).pk or (
            parent.target_id != target.pk
        ):
            raise ValidationError({"parent": _("That comment is on something else.")})
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if parent.deleted_at is not None or parent.hidden_at is not None:
            raise ValidationError({"parent": _("That comment is no longer there.")})
    with transaction.atomic():
        if not spec.model.objects.filter(pk=target.pk, **spec.live).exists():
            raise ValidationError(_("This is no longer there to comment on."))
        comment = Comment.objects.create(
            community=target.community,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            parent=parent,
            author=author,
            body=body,
        )
        _count(comment, +1)

        record_participation(
            kind=ParticipationKind.COMMENTED,
            user=author,
            community=target.community,
            subject=comment,
            summary=_title(target),
        )
        transaction.on_commit(lambda: _notify_new_comment(comment, target, parent))
    return comment


def _notify_new_comment(comment: Comment, target, parent: Comment | None) -> None:

    spec = _spec(target)
    author = comment.author
    url = _url(comment, target)
    told: set[int] = {author.pk}
    recipients = []
    if parent is not None and parent.author_id:
        recipients.append(
            (
                parent.author,
                _("%(name)s replied to your comment on “%(title)s”")
                % {"name": author.name, "title": _title(target)},
            )
        )
    owner = getattr(target, spec.author_field, None)
    if owner is not None:
        recipients.append(
            (
                owner,
                _("%(name)s commented on “%(title)s”")
                % {"name": author.name, "title": _title(target)},
            )
        )
    for recipient, title in recipients:
        if recipient.pk in told or not spec.can_view(recipient, target):
            continue
        told.add(recipient.pk)
        notify(
            recipient=recipient,
            kind=NotificationKind.COMMENT,
            title=title,
            url=url,
            body=comment.body[:500],
            community=target.community,
            actor=author,
        )
    notify_comment_mentions(comment=comment, target=target, skip=told)


def notify_comment_mentions(
    *, comment: Comment, target, previous_text: str = "", skip: set[int] | None = None
) -> int:
    """MENTION notifications to the people `@mentioned` in the comment who may see its
    target (a draft's comments mention nobody but its author and coordinators), once per
    person: on an edit, only those not mentioned before. Returns how many were told."""

    spec = _spec(target)
    community = target.community
    before = (
        {u.pk for u in mentioned_users(text=previous_text, community=community, author=None)}
        if previous_text
        else set()
    )
    told = 0
    for user in mentioned_users(text=comment.body, community=community, author=comment.author):
        if user.pk in before or user.pk in (skip or set()) or not spec.can_view(user, target):
            continue
        if notify(
            recipient=user,
            kind=NotificationKind.MENTION,
            title=_("%(name)s mentioned you in a comment on “%(title)s”")
            % {"name": comment.author.name, "title": _title(target)},
            url=_url(comment, target),
            body=comment.body[:500],
            community=community,
            actor=comment.author,
        ):
            told += 1
    return told


def edit_comment(*, comment: Comment, by: User, body: str) -> Comment:
    """The author changes their comment's text. Side effects: `edited_at`; after commit,
    MENTION notifications to people newly `@mentioned` who may see the target."""
    _check_live(comment)
    body = clean_body(body)
    previous = comment.body
    if body == previous:
        return comment
    with transaction.atomic():
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
    target = _target_of(comment).select_related("community").first()
    if target is not None:
        transaction.on_commit(
            lambda: notify_comment_mentions(comment=comment, target=target, previous_text=previous)
        )
    return comment


def _audit(comment: Comment, *, by: User, action: str) -> None:

    author = comment.author.name if comment.author else _("a former member")
    record(
        community=comment.community,
        actor=by,
        action=action,
        summary=_("Comment by %(name)s: %(text)s") % {"name": author, "text": comment.body[:120]},
        data={"comment": comment.pk},
    )


@transaction.atomic
def delete_comment(*, comment: Comment, by: User) -> Comment:
    """Soft-delete a comment (its author, or a coordinator): it leaves the thread, its
    target's count goes down (once, if it was counted), the row stays. Side effect: an
    audit entry when a coordinator deletes someone else's comment."""
    now = timezone.now()
    changed = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=by
    )
    if changed and comment.hidden_at is None:
        _count(comment, -1)
    comment.deleted_at, comment.deleted_by = now, by
    if changed and comment.author_id != by.pk:
        _audit(comment, by=by, action=AuditAction.ITEM_DELETED)
    return comment


@transaction.atomic
def undelete_comment(*, comment: Comment, by: User) -> Comment:
    """Bring back a deleted comment (coordinators). Its target counts it again if it
    is not hidden. Side effect: an audit entry."""
    changed = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=False).update(
        deleted_at=None, deleted_by=None
    )
    comment.deleted_at = comment.deleted_by = None
    if changed:
        if Comment.objects.filter(pk=comment.pk, hidden_at__isnull=True).exists():
            _count(comment, +1)
        _audit(comment, by=by, action=AuditAction.ITEM_RESTORED)
    return comment


def _set_hidden(comment: Comment, *, hidden: bool, by: User | None = None) -> bool:
    """Hide or show `comment`, once even when two people act at the same moment (a
    conditional UPDATE); a comment that is not deleted moves its target's count with
    it. Returns whether it changed."""
    now = timezone.now() if hidden else None
    by = by if hidden else None
    changed = Comment.objects.filter(pk=comment.pk, hidden_at__isnull=hidden).update(
        hidden_at=now, hidden_by=by
    )
    comment.refresh_from_db(fields=["hidden_at", "hidden_by", "deleted_at"])
    if changed and comment.deleted_at is None:
        _count(comment, -1 if hidden else +1)
    return bool(changed)


@transaction.atomic
def hide_comment(*, comment: Comment, by: User | None) -> Comment:
    """Hide a comment pending review (a coordinator; `by=None` for an automatic rule,
    such as a flag threshold). It stays visible to its author and the coordinators,
    marked, and leaves the counts others see. Side effect: an audit entry."""
    if _set_hidden(comment, hidden=True, by=by):
        _audit(comment, by=by, action=AuditAction.COMMENT_HIDDEN)
    return comment


@transaction.atomic
def restore_comment(*, comment: Comment, by: User) -> Comment:
    """Show a hidden comment to everyone again (a coordinator, after review). Its target
    counts it again. Side effect: an audit entry."""
    if _set_hidden(comment, hidden=False):
        _audit(comment, by=by, action=AuditAction.COMMENT_RESTORED)
    return comment


def set_hidden_by_moderation(comment: Comment, hidden: bool) -> None:
    """Moderation (`care`, through `cop.content`) hides or shows `comment` after its own
    checks and audit; the target's comment count follows, as with `hide_comment`."""
    _set_hidden(comment, hidden=hidden)


def comment_url(comment: Comment) -> str:
    """The comment's place on its target's page."""
    return _url(comment, comment.target)


def _check_kind(kind: str) -> None:
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": _("Not a reaction Copse knows.")})


def react(*, comment: Comment, user: User, kind: str) -> bool:
    """`user` reacts to `comment` with `kind` (one per kind per member). Returns whether
    a reaction was added (False when they had already). Side effect: the comment's
    `<kind>_count` goes up by one, in the same transaction."""
    _check_kind(kind)
    _check_live(comment)
    try:
        with transaction.atomic():
            Reaction.objects.create(comment=comment, user=user, kind=kind)
            Comment.objects.filter(pk=comment.pk).update(
                **{f"{kind}_count": bump(f"{kind}_count", +1)}
            )
    except IntegrityError:
        return False  # already there (or added by a concurrent request)
    return True


@transaction.atomic
def unreact(*, comment: Comment, user: User, kind: str) -> bool:
    """Take back a reaction. Returns whether there was one; its count goes down by one."""
    _check_kind(kind)
    deleted, _detail = Reaction.objects.filter(comment=comment, user=user, kind=kind).delete()
    if deleted:
        Comment.objects.filter(pk=comment.pk).update(**{f"{kind}_count": bump(f"{kind}_count", -1)})
    return bool(deleted)


def toggle_reaction(*, comment: Comment, user: User, kind: str) -> bool:
    """React, or take the reaction back when there is one. Returns whether it is on now."""
    _check_kind(kind)
    if Reaction.objects.filter(comment=comment, user=user, kind=kind).exists():
        unreact(comment=comment, user=user, kind=kind)
        return False
    react(comment=comment, user=user, kind=kind)
    return True


def recount_comments(community: Community | None = None) -> None:
    """Set every comment target's `comment_count` (of `community`, or everywhere) from
    the rows: the comments everyone sees, replies included, neither deleted nor hidden."""
    for spec in COMMENT_TARGETS.values():
        counted = (
            Comment.objects.filter(
                target_type=ContentType.objects.get_for_model(spec.model),
                target_id=OuterRef("pk"),
                deleted_at__isnull=True,
                hidden_at__isnull=True,
            )
            .order_by()
            .values("target_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        targets = spec.model.objects.all()
        if community is not None:
            targets = targets.filter(community=community)
        targets.update(
            comment_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
        )
