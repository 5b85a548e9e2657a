"""The member directory's sort key: each membership carries its member's name as the
directory sorts it, so the page reads 50 rows of an index in order instead of sorting
every member of the community by a joined user column."""

from django.db.models import Q, QuerySet

from cop import cache
from cop.models import Community, Membership, User

SORT_NAME_LENGTH = 80


def sort_name_of(user: User) -> str:
    """The name the directory sorts `user` by: the name others see, case folded (a
    display name, or the email's local part when there is none)."""
    return user.name.casefold()[:SORT_NAME_LENGTH]


def refresh_sort_names(*, user: User) -> int:
    """Store `user`'s sort name on every membership they hold (one UPDATE, in the
    caller's transaction); called by whatever changes their display name or email.
    Returns the number of memberships that changed."""
    name = sort_name_of(user)
    return Membership.objects.filter(user=user).exclude(sort_name=name).update(sort_name=name)


def recount_sort_names(community: Community | None = None, *, batch: int = 2000) -> int:
    """Set every membership's sort name from its user (of `community`, or all), for rows
    written outside the services (the migration that adds the column, imports). Returns
    how many changed."""
    rows: QuerySet[Membership] = Membership.objects.filter(
        Q(community=community) if community is not None else Q()
    )
    changed = []
    for membership in (
        rows.select_related("user")
        .only("community_id", "sort_name", "user__display_name", "user__email")
        .iterator(chunk_size=batch)
    ):
        name = sort_name_of(membership.user)
        if membership.sort_name != name:
            membership.sort_name = name
            changed.append(membership)
    Membership.objects.bulk_update(changed, ["sort_name"], batch_size=batch)
    if changed:  # the directory's order follows (no signal for a bulk update)
        cache.bump(*{cache.members(membership.community_id) for membership in changed})
    return len(changed)
