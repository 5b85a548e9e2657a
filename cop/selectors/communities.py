"""Reads of the core domain that matter: each owns its joins and its visibility filter."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from cop import cache
from cop.content import FEED_SOURCES, kind_named
from cop.enums import Level, MembershipStatus, Role, Visibility
from cop.models import (
    Community,
    LevelChange,
    Membership,
    ParticipationEvent,
    Tag,
    Thanks,
    User,
)
from cop.pagination import decode_feed_cursor, merge_feed
from cop.permissions import allowed


def visible_communities(user) -> QuerySet[Community]:
    """Public communities and the private ones the user is an active member of."""
    query = Q(visibility=Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        query |= Q(memberships__user=user, memberships__status=MembershipStatus.ACTIVE)
    return Community.objects.filter(pk__in=Community.objects.filter(query).values("pk"))


def visible_community_ids(user) -> list[int]:
    """The ids of `visible_communities(user)`, read without joining every membership of
    the public communities (one index lookup of the user's own memberships)."""
    query = Q(visibility=Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        mine = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        query |= Q(pk__in=mine.values("community_id"))
    return list(Community.objects.filter(query).values_list("pk", flat=True))


def community_directory(user, *, search: str = "") -> QuerySet[Community]:
    """The directory: visible communities with member counts and the viewer's status."""
    communities = visible_communities(user).annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE), distinct=True
        )
    )
    if user is not None and user.is_authenticated:
        communities = communities.annotate(
            is_member=Exists(
                Membership.objects.filter(
                    community=OuterRef("pk"), user=user, status=MembershipStatus.ACTIVE
                )
            )
        )
    search = search.replace("\x00", "")  # PostgreSQL refuses NUL in text: no community has it
    if search:
        communities = communities.filter(
            Q(name__icontains=search)
            | Q(domain__icontains=search)
            | Q(tags__name__icontains=search)
        ).distinct()
    return communities.prefetch_related("tags").order_by("name")


def access_community(user, slug: str) -> Community:
    """The community at `slug` if the user may see it; 404 otherwise (private ones
    do not reveal that they exist)."""
    community = Community.objects.filter(slug=slug).first()
    if community is None or not allowed(user, "cop.view_community", community):
        raise Http404("No such community.")
    return community


def my_memberships(user) -> QuerySet[Membership]:
    """The user's active and pending memberships, with their communities."""
    return (
        Membership.objects.filter(
            user=user, status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING]
        )
        .select_related("community")
        .annotate(
            member_count=Count(
                "community__memberships",
                filter=Q(community__memberships__status=MembershipStatus.ACTIVE),
            )
        )
        .order_by("community__name")
    )


def member_directory(
    community: Community,
    *,
    level: str = "",
    expertise: str = "",
    role: str = "",
    status: str = MembershipStatus.ACTIVE,
) -> QuerySet[Membership]:
    """Active members of a community with their expertise, filterable by level and tag.
    Coordinators may also list requests and former members by `status`."""
    members = (
        Membership.objects.filter(community=community, status=status)
        .select_related("user")
        .prefetch_related(Prefetch("expertise", queryset=Tag.objects.order_by("name")))
    )
    if level in Level.values:
        members = members.filter(level=level)
    if role in Role.values:
        members = members.filter(role=role)
    if "\x00" in expertise:  # PostgreSQL refuses NUL in text; no topic has one
        members = members.none()
    elif expertise:
        members = members.filter(expertise__slug=expertise)
    # The order of the `membership_directory` indexes: a page is read from one in order.
    return members.order_by("role", "sort_name", "id")


def pending_requests(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, status=MembershipStatus.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def newcomers_to_welcome(community: Community, *, limit: int = 6) -> list[Membership]:
    return list(
        Membership.objects.filter(
            community=community, status=MembershipStatus.ACTIVE, level=Level.NEWCOMER
        )
        .select_related("user")
        .order_by("-joined_at")[:limit]
    )


# What the directory page shows of a member: the sort of every active member by role
# and name then carries a narrow row, not whole user rows (password hash, bio…).
DIRECTORY_COLUMNS = (
    "community_id", "user_id", "role", "status", "level", "user__display_name", "user__email",
)  # fmt: skip


def directory_size(counts: dict[str, int], *, level: str = "", expertise: str = "") -> int | None:
    """How many members the directory lists, from `level_counts` when it can tell (no
    topic filter): the page then needs no COUNT of its own. None when it cannot."""
    if expertise:
        return None
    if level in Level.values:  # member_directory ignores any other level
        return counts[level]
    return sum(counts.values())


def level_counts(community: Community) -> dict[str, int]:
    rows = (
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .values("level")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Level.values, 0)
    counts.update({row["level"]: row["n"] for row in rows})
    return counts


def kept_level_counts(community: Community) -> dict[str, int]:
    """`level_counts`, kept until the directory changes (`cop.cache.members`)."""
    return cache.remember(
        "cop:level_counts", (cache.members(community.pk),), (), lambda: level_counts(community)
    )


def access_member(community: Community, user_id: int) -> Membership:
    membership = (
        Membership.objects.filter(
            community=community, user_id=user_id, status=MembershipStatus.ACTIVE
        )
        .select_related("user", "community")
        .prefetch_related("expertise")
        .first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def recent_participation(membership: Membership, *, limit: int = 30) -> list[ParticipationEvent]:
    return list(
        membership.participation_events.select_related("subject_type").order_by("-occurred_at")[
            :limit
        ]
    )


def level_history(membership: Membership, *, limit: int = 20) -> list[LevelChange]:
    return list(membership.level_changes.order_by("-changed_at")[:limit])


def coordinators(community: Community) -> QuerySet[User]:
    return User.objects.filter(
        memberships__community=community,
        memberships__role=Role.COORDINATOR,
        memberships__status=MembershipStatus.ACTIVE,
    ).order_by("display_name")


def monthly_points(membership: Membership, *, months: int = 12, now=None) -> list[dict]:
    """The member's points per calendar month over the last `months` months, oldest first,
    months without activity included. One query."""

    now = now or timezone.now()
    local = timezone.localtime(now)
    first = date(local.year, local.month, 1)
    keys = []
    for _ in range(months):
        keys.append(first)
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    keys.reverse()
    start = timezone.make_aware(timezone.datetime(keys[0].year, keys[0].month, 1))
    rows = (
        membership.participation_events.filter(occurred_at__gte=start, occurred_at__lte=now)
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(points=Sum("weight"))
    )
    by_month = {row["month"].date(): row["points"] for row in rows}
    return [{"month": key.isoformat()[:7], "points": by_month.get(key, 0)} for key in keys]


# --- Home feed ----------------------------------------------------------------------------

FEED_SIZE = 20


@dataclass
class FeedPage:
    items: list
    older: str = ""


def feed_community_ids(user) -> list[int]:
    return list(
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def home_feed(user, *, older: str = "", size: int = FEED_SIZE) -> FeedPage:
    """What is new across the member's communities, newest first: one keyset query per
    registered source (each on its own (community, time) index, `size + 1` rows, no
    COUNT, no OFFSET), merged; `older` is the cursor of the last item shown."""
    community_ids = feed_community_ids(user)
    if not community_ids:
        return FeedPage(items=[])
    cursor = decode_feed_cursor(older)
    batches = [
        source.fetch(
            user=user,
            community_ids=community_ids,
            cursor=cursor,
            limit=size + 1,
            rank=source.order,
        )
        for source in FEED_SOURCES
    ]
    items, next_cursor = merge_feed(batches, size=size)
    return FeedPage(items=items, older=next_cursor)


def mark_thanked(user, key: str, items) -> None:
    """Set `thanked_by_me` on each of `items` (of the thankable content kind `key`):
    whether `user` thanked it, read in one query for all of them (none for a visitor)."""
    items = list(items)
    thanked = set()
    if user is not None and user.is_authenticated and items:
        thanked = set(
            Thanks.objects.filter(
                user=user,
                content_type=kind_named(key).content_type(),
                object_id__in=[item.pk for item in items],
            ).values_list("object_id", flat=True)
        )
    for item in items:
        item.thanked_by_me = item.pk in thanked
