"""Reads of constellations (related communities) and of the site-wide network page.

Each owns its joins and its visibility filter: a related community is named only to
people who may see it; the network page only to those `cop.view_network` allows."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cop.enums import MembershipStatus, RelationStatus, Stage, Visibility
from cop.extensions import NETWORK_COLUMNS
from cop.models import Community, CommunityRelation, Membership, ParticipationEvent
from cop.selectors.communities import visible_community_ids

ACTIVE_WINDOW = timedelta(days=30)
NETWORK_LIMIT = 500  # rows shown at once: a network of communities, not of members
NETWORK_SORTS = ("name", "stage", "members", "active", "newest")


def relations_of(community: Community) -> QuerySet[CommunityRelation]:
    """Every relation `community` is a side of, both communities joined, newest first."""
    return CommunityRelation.objects.filter(
        Q(from_community=community) | Q(to_community=community)
    ).select_related("from_community", "to_community", "requested_by")


def related_community_ids(community_id: int) -> list[int]:
    """The ids of the communities effectively related to `community_id` (one query)."""
    rows = CommunityRelation.objects.filter(
        Q(from_community_id=community_id) | Q(to_community_id=community_id),
        status=RelationStatus.ACTIVE,
    ).values_list("from_community_id", "to_community_id")
    return [a if b == community_id else b for a, b in rows]


def readers_may_see(source: Community, target: Community) -> bool:
    """Whether everyone who can read `target` could already read `source`: a public
    source, or a private one and a private target whose every active member is an active
    member of the source. The rule for what crosses a relation (shared practices,
    co-hosted meetings)."""
    if source.visibility == Visibility.PUBLIC:
        return True
    if target.visibility == Visibility.PUBLIC:
        return False
    source_members = Membership.objects.filter(
        community=source, status=MembershipStatus.ACTIVE
    ).values("user_id")
    return not (
        Membership.objects.filter(community=target, status=MembershipStatus.ACTIVE)
        .exclude(user_id__in=source_members)
        .exists()
    )


def are_related(a_id: int, b_id: int) -> bool:
    """Whether two communities are effectively related (one query)."""
    return CommunityRelation.objects.filter(
        Q(from_community_id=a_id, to_community_id=b_id)
        | Q(from_community_id=b_id, to_community_id=a_id),
        status=RelationStatus.ACTIVE,
    ).exists()


def related_communities(community: Community, user) -> list[Community]:
    """The communities effectively related to `community` that `user` may see, by name.
    A private related community stays unnamed to those who are not its members."""
    ids = related_community_ids(community.pk)
    if not ids:
        return []
    visible = set(visible_community_ids(user))
    return list(
        Community.objects.filter(pk__in=[pk for pk in ids if pk in visible])
        .only("name", "slug", "domain", "stage", "visibility")
        .order_by("name")
    )


def access_relation(community: Community, pk: int) -> CommunityRelation:
    """One relation `community` is a side of; 404 for any other."""
    relation = relations_of(community).filter(pk=pk).first()
    if relation is None:
        raise Http404("No such relation.")
    return relation


@dataclass
class RelationsPage:
    active: list = field(default_factory=list)
    incoming: list = field(default_factory=list)
    outgoing: list = field(default_factory=list)
    past: list = field(default_factory=list)


def relations_page(community: Community, *, past_limit: int = 20) -> RelationsPage:
    """The relations of the coordinators' page, sorted into what needs an answer, what
    waits for the other side, what is in force and the last few that ended (one query)."""
    page = RelationsPage()
    live = relations_of(community).filter(
        status__in=[RelationStatus.REQUESTED, RelationStatus.ACTIVE]
    )
    for relation in live:
        relation.other = relation.other_side(community)
        if relation.status == RelationStatus.ACTIVE:
            page.active.append(relation)
        elif relation.to_community_id == community.pk:
            page.incoming.append(relation)
        else:
            page.outgoing.append(relation)
    past = relations_of(community).filter(
        status__in=[RelationStatus.DECLINED, RelationStatus.ENDED]
    )[:past_limit]
    for relation in past:
        relation.other = relation.other_side(community)
        page.past.append(relation)
    page.active.sort(key=lambda r: r.other.name.lower())
    return page


def relation_candidates(community: Community, user) -> QuerySet[Community]:
    """What a coordinator may ask to relate to: communities they can see, other than
    this one and those already related or asked."""
    taken = set()
    for a, b in (
        relations_of(community)
        .filter(status__in=[RelationStatus.REQUESTED, RelationStatus.ACTIVE])
        .values_list("from_community_id", "to_community_id")
    ):
        taken.update((a, b))
    taken.add(community.pk)
    ids = [pk for pk in visible_community_ids(user) if pk not in taken]
    return Community.objects.filter(pk__in=ids).only("name", "slug").order_by("name")


# --- The network page ----------------------------------------------------------------------


def _count_subquery(queryset, column: str):
    """A correlated COUNT for one community row, 0 when none."""
    counted = queryset.order_by().values(column).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def network_rows(
    *, search: str = "", stage: str = "", sort: str = "name", now=None
) -> list[Community]:
    """Every community for the network page (the caller has checked `cop.view_network`),
    with `member_count` and `active_count` (members who did something counted in the last
    30 days) and each app's `NETWORK_COLUMNS` figures in `figures`. Private communities
    are listed by name, domain and stage, never their content. A fixed number of queries
    whatever the number of communities: one for the rows, one per registered column."""
    now = now or timezone.now()
    rows = Community.objects.only("name", "slug", "domain", "stage", "visibility", "created_at")
    search = search.replace("\x00", "").strip()[:100]
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    rows = rows.annotate(
        member_count=_count_subquery(
            Membership.objects.filter(community=OuterRef("pk"), status=MembershipStatus.ACTIVE),
            "community",
        ),
        active_count=_count_subquery(
            Membership.objects.filter(
                community=OuterRef("pk"),
                status=MembershipStatus.ACTIVE,
                pk__in=ParticipationEvent.objects.filter(
                    occurred_at__gte=now - ACTIVE_WINDOW
                ).values("membership_id"),
            ),
            "community",
        ),
    )
    order = {
        "name": ["name", "pk"],
        "stage": ["stage", "name", "pk"],
        "members": ["-member_count", "name", "pk"],
        "active": ["-active_count", "name", "pk"],
        "newest": ["-created_at", "-pk"],
    }.get(sort, ["name", "pk"])
    communities = list(rows.order_by(*order)[:NETWORK_LIMIT])
    ids = [community.pk for community in communities]
    figures = {column.key: column.build(ids, now) for column in NETWORK_COLUMNS} if ids else {}
    for community in communities:
        community.is_private = community.visibility != Visibility.PUBLIC
        community.figures = [
            (column, figures[column.key].get(community.pk)) for column in NETWORK_COLUMNS
        ]
    return communities
