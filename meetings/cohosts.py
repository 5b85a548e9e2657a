"""Joint meetings: a meeting co-hosted by communities related to its host community.

A co-hosted meeting appears in each co-host's meeting list, month calendar, calendar
feed and home section; its members may answer and be marked as attending; and what
they do counts in their own community (participation is recorded in each of the
meeting's communities where the person is an active member). A co-host counts only
while the relation is in force (`cop.selectors.network`), so ending the relation takes
the meeting out of the other side's lists.

Privacy, the rule of shared practices (`knowledge.sharing`): a public community's
meeting may be co-hosted by any related community; a private community's meeting only
by a private community whose every active member is already an active member of the
host (so no co-host member is shown a meeting they could not open). Membership moves
on, so the lists check again when they read: a private community's meeting is listed
in a co-host only for viewers who may see the host community (`cohosted_by`).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from cop.enums import AuditAction, MembershipStatus, RelationStatus, Visibility
from cop.models import Community, CommunityRelation, Membership, User
from cop.selectors.network import readers_may_see, related_community_ids
from cop.services import audit

from .listing import lists_changed
from .models import Meeting, MeetingCohost

MAX_COHOSTS = 5


def _in_force() -> Exists:
    """The co-host row's relation with the meeting's community is in force."""
    return Exists(
        CommunityRelation.objects.filter(status=RelationStatus.ACTIVE).filter(
            Q(from_community=OuterRef("community"), to_community=OuterRef("meeting__community"))
            | Q(from_community=OuterRef("meeting__community"), to_community=OuterRef("community"))
        )
    )


def _cohosted_rows(community: Community, user) -> QuerySet[MeetingCohost]:
    rows = MeetingCohost.objects.filter(community=community).filter(_in_force())
    if community.visibility == Visibility.PUBLIC:
        return rows.filter(meeting__community__visibility=Visibility.PUBLIC)
    return rows.filter(host_visible_to(user))


def cohosted_by(community: Community, user) -> Q:
    """The filter of a community's meeting lists as `user` reads them: its own meetings
    and those it co-hosts whose host community `user` may see (one subquery on the
    co-host index; no join that could repeat a row). In a public community's lists,
    only public communities' meetings."""
    return Q(community=community) | Q(pk__in=_cohosted_rows(community, user).values("meeting_id"))


def cohosted_ids(community: Community, user) -> list[int]:
    """The meetings `cohosted_by` adds for `user`, looked up now (one query): for a page
    that filters several lists by them, which then carry a plain filter each instead of
    the subquery (built, planned and run once per list)."""
    return sorted(_cohosted_rows(community, user).values_list("meeting_id", flat=True))


def _visible_to(user, community: str) -> Q:
    """Rows whose `community` (a path to a community) `user` may see: a public one or one
    they are an active member of (a subquery, no query of its own)."""
    visible = Q(**{f"{community}__visibility": Visibility.PUBLIC})
    if user is not None and user.is_authenticated:
        mine = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        visible |= Q(**{f"{community}_id__in": mine.values("community_id")})
    return visible


def host_visible_to(user) -> Q:
    """Co-host rows whose meeting's host community `user` may see."""
    return _visible_to(user, "meeting__community")


def shown_cohosts(user) -> QuerySet[MeetingCohost]:
    """Co-host rows in force whose community `user` may see (a private co-host is not
    named to outsiders), with the community, by name: for "Co-hosted with …"."""
    return (
        MeetingCohost.objects.filter(_in_force())
        .filter(_visible_to(user, "community"))
        .select_related("community")
        .only("meeting_id", "community__name", "community__slug")
        .order_by("community__name")
    )


def _shown_cohosts_prefetch(user) -> Prefetch:
    return Prefetch("cohosts", queryset=shown_cohosts(user), to_attr="cohosts_shown")


def with_cohosts(meetings: QuerySet[Meeting], user) -> QuerySet[Meeting]:
    """`meetings` with `shown_cohosts` as `cohosts_shown` (one query for the whole list)."""
    return meetings.prefetch_related(_shown_cohosts_prefetch(user))


def add_cohosts(meetings: list[Meeting], user) -> None:
    """`with_cohosts` for meetings already read, from any number of lists (one query)."""
    prefetch_related_objects(meetings, _shown_cohosts_prefetch(user))


def meeting_community_ids(meeting: Meeting) -> list[int]:
    """The host community and the co-hosts in force (one query)."""
    cohosts = MeetingCohost.objects.filter(meeting=meeting).filter(_in_force())
    return [meeting.community_id, *cohosts.values_list("community_id", flat=True)]


def cohosts_of(meeting: Meeting) -> list[Community]:
    """The co-host communities in force, by name (one query)."""
    return list(
        Community.objects.filter(
            pk__in=MeetingCohost.objects.filter(meeting=meeting)
            .filter(_in_force())
            .values("community_id")
        )
        .only("name", "slug")
        .order_by("name")
    )


def cohost_choices(meeting_or_community) -> list[Community]:
    """The communities a meeting of this community may be co-hosted by: the effectively
    related ones."""
    community = getattr(meeting_or_community, "community", meeting_or_community)
    return list(
        Community.objects.filter(pk__in=related_community_ids(community.pk))
        .only("name", "slug")
        .order_by("name")
    )


@transaction.atomic
def set_cohosts(*, meeting: Meeting, communities: list[Community], by: User) -> list[Community]:
    """Make `communities` the meeting's co-hosts (the caller manages the meeting). Each
    must be effectively related to the host community, at most five; a private host's
    co-hosts must pass `readers_may_see`. Side effects: co-host rows added and removed,
    an audit entry in the host community and in each co-host added or removed."""
    wanted = {community.pk: community for community in communities}
    current = set(
        MeetingCohost.objects.filter(meeting=meeting).values_list("community_id", flat=True)
    )
    if not wanted and not current:
        return []
    if len(wanted) > MAX_COHOSTS:
        raise ValidationError(_("At most %(n)d co-hosting communities.") % {"n": MAX_COHOSTS})
    host = meeting.community
    related = set(related_community_ids(host.pk))
    strangers = [c.name for pk, c in wanted.items() if pk not in related]
    if strangers:
        raise ValidationError(
            _("Only related communities can co-host: %(names)s.") % {"names": ", ".join(strangers)}
        )
    unseen = [
        c.name for pk, c in wanted.items() if pk not in current and not readers_may_see(host, c)
    ]
    if unseen:
        raise ValidationError(
            _(
                "%(host)s is private, and %(names)s has members who are not its members: "
                "they could not open this meeting."
            )
            % {"host": host.name, "names": ", ".join(unseen)}
        )
    MeetingCohost.objects.filter(meeting=meeting).exclude(community_id__in=wanted).delete()
    MeetingCohost.objects.bulk_create(
        [
            MeetingCohost(meeting=meeting, community=community, added_by=by)
            for pk, community in wanted.items()
            if pk not in current
        ]
    )
    changed = set(wanted) ^ current
    if changed:
        lists_changed([meeting.pk], *changed)
        summary = _("Co-hosts of “%(title)s”: %(names)s") % {
            "title": meeting.title,
            "names": ", ".join(sorted(c.name for c in wanted.values())),
        }
        for community in [meeting.community, *Community.objects.filter(pk__in=changed)]:
            audit.record(
                community=community,
                actor=by,
                action=AuditAction.COHOSTS_CHANGED,
                summary=summary,
                url=meeting.get_absolute_url(),
            )
    return sorted(wanted.values(), key=lambda c: c.name)
