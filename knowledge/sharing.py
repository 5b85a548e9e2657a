"""Shared practices: a practice shown, read-only, in a related community.

One source of truth: a `SharedPractice` row only points at the source entry, so the
target reads the entry itself (title, body, status, endorsements, expert validation)
and an edit at the source shows on both sides.

Privacy, decided here and in the one selector every page and the API read through:

- Sharing (`share_practice`): the entry is live, shown (not hidden) and published; the
  two communities are effectively related; and the target's audience may already see
  it: a practice of a public community may go anywhere; a practice of a private
  community only into a private community whose every active member is also an active
  member of the source. Anything else is refused with the reason.
- Showing (`shared_into`): a share is listed only while it is live, the relation is
  still effective, the entry is live, shown and not a draft, and the viewer may see
  the entry at its source (the source is public or they are its active member). So a
  practice that becomes invisible, is deleted or hidden, or a newcomer to the target
  who is not a member of a private source, sees nothing, whatever happened since.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import AuditAction, NotificationKind, RelationStatus
from cop.models import Community, CommunityRelation, User
from cop.selectors.communities import coordinators, visible_community_ids
from cop.selectors.network import are_related, readers_may_see
from cop.services import audit
from cop.services.notifications import notify_many

from .enums import EntryStatus
from .models import PracticeEntry, SharedPractice

SHAREABLE = (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED)


def audience_may_see(entry: PracticeEntry, target: Community) -> bool:
    """Whether everyone who can read `target` could already read `entry` at its source."""
    return readers_may_see(entry.community, target)


def share_practice(*, entry: PracticeEntry, into: Community, by: User) -> SharedPractice:
    """Show `entry` read-only in the related community `into` (the caller coordinates the
    entry's community: `knowledge.share_practice`). Side effects: the share row, an
    audit entry on both sides, and a PRACTICE_SHARED notification to the target's
    coordinators (but the sharer), in the same transaction."""
    source = entry.community
    if entry.deleted_at is not None or entry.hidden_at is not None:
        raise ValidationError(_("This practice cannot be shared."))
    if entry.status not in SHAREABLE:
        raise ValidationError(_("Only a published practice can be shared."))
    if into.pk == source.pk:
        raise ValidationError(_("The practice is already in this community."))
    if not are_related(source.pk, into.pk):
        raise ValidationError(_("A practice can be shared only with a related community."))
    if not audience_may_see(entry, into):
        raise ValidationError(
            _(
                "This practice is private to %(source)s, and %(target)s has readers who are "
                "not its members: it cannot be shared there."
            )
            % {"source": source.name, "target": into.name}
        )
    if SharedPractice.objects.filter(
        entry=entry, community=into, unshared_at__isnull=True
    ).exists():
        raise ValidationError(_("Already shared with %(target)s.") % {"target": into.name})
    try:
        with transaction.atomic():
            share = SharedPractice.objects.create(entry=entry, community=into, shared_by=by)
            names = {"title": entry.title, "source": source.name, "target": into.name}
            # Each side's audit log says it, pointing at its own page of the practice.
            for community, summary, url in (
                (source, _("“%(title)s” shared with %(target)s"), entry.get_absolute_url()),
                (into, _("“%(title)s” shared from %(source)s"), share.get_absolute_url()),
            ):
                audit.record(
                    community=community,
                    actor=by,
                    action=AuditAction.PRACTICE_SHARED,
                    summary=summary % names,
                    url=url,
                    data={"share": share.pk},
                )
            notify_many(
                recipients=list(coordinators(into).exclude(pk=by.pk)),
                kind=NotificationKind.PRACTICE_SHARED,
                title=_("“%(title)s” shared with %(target)s from %(source)s") % names,
                url=share.get_absolute_url(),
                community=into,
                actor=by,
            )
    except IntegrityError as error:  # a concurrent share of the same pair won
        raise ValidationError(
            _("Already shared with %(target)s.") % {"target": into.name}
        ) from error
    return share


def unshare_practice(*, share: SharedPractice, by: User) -> bool:
    """Stop showing a shared practice (a coordinator of either side). A conditional
    update, so a double click ends it once. Side effects: an audit entry on both sides.
    Returns whether it was live."""
    with transaction.atomic():
        changed = SharedPractice.objects.filter(pk=share.pk, unshared_at__isnull=True).update(
            unshared_at=timezone.now()
        )
        if changed:
            entry = share.entry
            for community in (entry.community, share.community):
                audit.record(
                    community=community,
                    actor=by,
                    action=AuditAction.PRACTICE_UNSHARED,
                    summary=_("“%(title)s” no longer shared with %(target)s")
                    % {"title": entry.title, "target": share.community.name},
                    url=entry.get_absolute_url(),
                )
    return bool(changed)


# --- Reads ------------------------------------------------------------------------------


def _relation_in_force() -> Exists:
    return Exists(
        CommunityRelation.objects.filter(status=RelationStatus.ACTIVE).filter(
            Q(from_community=OuterRef("entry__community"), to_community=OuterRef("community"))
            | Q(from_community=OuterRef("community"), to_community=OuterRef("entry__community"))
        )
    )


def shown_shares(user) -> QuerySet[SharedPractice]:
    """Every share `user` may see: live, across an effective relation, of a live, shown,
    published entry whose source community `user` may see. The one visibility filter."""
    return (
        SharedPractice.objects.filter(
            unshared_at__isnull=True,
            entry__deleted_at__isnull=True,
            entry__hidden_at__isnull=True,
            entry__community_id__in=visible_community_ids(user),
        )
        .exclude(entry__status=EntryStatus.DRAFT)
        .filter(_relation_in_force())
    )


def shared_into(community: Community, user) -> QuerySet[SharedPractice]:
    """The practices shared into `community` that `user` may see, newest share first,
    with the entry, its community and its author (one query)."""
    return (
        shown_shares(user)
        .filter(community=community)
        .select_related("entry", "entry__community", "entry__author", "shared_by")
        .only(
            "shared_at",
            "community_id",
            "shared_by__display_name",
            "shared_by__email",
            "entry__title",
            "entry__status",
            "entry__kind",
            "entry__endorsement_count",
            "entry__updated_at",
            "entry__community__name",
            "entry__community__slug",
            "entry__author__display_name",
            "entry__author__email",
        )
        .order_by("-shared_at", "-id")
    )


SHARED_ON_LIST = 10


def first_shared(community: Community, user, query) -> list[SharedPractice]:
    """The newest practices shared into `community`, for the top of its unfiltered first
    page of practices (none on later pages or filtered lists: two queries at most)."""
    if any(query.get(key) for key in ("status", "kind", "tag", "review", "older", "newer")):
        return []
    return list(shared_into(community, user)[:SHARED_ON_LIST])


def access_share(user, community: Community, pk: int) -> SharedPractice:
    """One practice shared into `community` that `user` may see; 404 otherwise."""
    share = (
        shown_shares(user)
        .filter(community=community, pk=pk)
        .select_related("community", "entry", "entry__community", "entry__author", "shared_by")
        .first()
    )
    if share is None:
        raise Http404("No such shared practice.")
    return share


def shares_of(entry: PracticeEntry) -> QuerySet[SharedPractice]:
    """Where `entry` is shared now (its source page shows this to its coordinators)."""
    return (
        SharedPractice.objects.filter(entry=entry, unshared_at__isnull=True)
        .select_related("community")
        .order_by("community__name")
    )


def share_targets(entry: PracticeEntry) -> QuerySet[Community]:
    """The related communities `entry` is not shared with yet."""
    related = set(
        CommunityRelation.objects.filter(status=RelationStatus.ACTIVE)
        .filter(Q(from_community=entry.community_id) | Q(to_community=entry.community_id))
        .values_list("from_community_id", "to_community_id")
    )
    ids = {pk for pair in related for pk in pair} - {entry.community_id}
    taken = shares_of(entry).values("community_id")
    return Community.objects.filter(pk__in=ids).exclude(pk__in=taken).order_by("name")


def _incoming(community: Community, *, since):
    """Practices shared into `community` since `since`, still shared, live and readable
    there: across a relation in force, not deleted, hidden or back to a draft."""
    return (
        SharedPractice.objects.filter(
            community=community,
            unshared_at__isnull=True,
            shared_at__gte=since,
            entry__deleted_at__isnull=True,
            entry__hidden_at__isnull=True,
        )
        .exclude(entry__status=EntryStatus.DRAFT)
        .filter(_relation_in_force())
    )


def shared_by_month(*, community: Community, since, until) -> dict[str, int]:
    """Practices shared into `community` per month ("YYYY-MM") in [since, until): the
    groupthink signals' outside input from related communities
    (`cop.extensions.register_outside_input_source`). One query."""
    rows = (
        _incoming(community, since=since)
        .filter(shared_at__lt=until)
        .annotate(month=TruncMonth("shared_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return {month.strftime("%Y-%m"): n for month, n in rows}


def outside_input_count(community: Community, *, since) -> int:
    """How many practices came into `community` from related communities since `since`
    and are still shared: a signal of outside input (against groupthink)."""
    return _incoming(community, since=since).count()
