"""Object permissions of the meetings app, as `rules` predicates.

Meeting predicates take (user, meeting); `can_schedule_meeting` takes (user, community).
Membership lookups go through `cop.rules.membership_of`, cached per request.
"""

import rules
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.enums import MembershipStatus
from cop.models import Membership
from cop.permissions import declare
from cop.rules import can_view_community, is_active_member, is_coordinator, is_participant

from .cohosts import meeting_community_ids
from .enums import MeetingStatus, PollStatus


@rules.predicate
def can_view_meetings_community(user, meeting) -> bool:
    return can_view_community(user, meeting.community)


@rules.predicate
def is_member_of_meetings_community(user, meeting) -> bool:
    """An active member who accepted the code of conduct in force: taking part."""
    return is_participant(user, meeting.community)


@rules.predicate
def is_coordinator_of_meetings_community(user, meeting) -> bool:
    return is_coordinator(user, meeting.community)


@rules.predicate
def is_host(user, meeting) -> bool:
    """A host who is still an active member. Uses prefetched hosts when present."""
    if user is None or not user.is_authenticated:
        return False
    if not is_active_member(user, meeting.community):
        return False
    cache = getattr(meeting, "_prefetched_objects_cache", {})
    if "hosts" in cache:
        return any(host.pk == user.pk for host in cache["hosts"])
    return meeting.hosts.filter(pk=user.pk).exists()


@rules.predicate
def is_guest(user, meeting) -> bool:
    """Invited by email to this one meeting (invitation neither withdrawn nor expired)."""
    if user is None or user.pk is None:
        return False
    return meeting.guests.filter(
        user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


@rules.predicate
def is_scheduled(user, meeting) -> bool:
    return meeting.status == MeetingStatus.SCHEDULED


can_view_meeting = can_view_meetings_community


@rules.predicate
def is_member_of_cohost(user, meeting) -> bool:
    """A taking-part member of a community co-hosting the meeting (`meetings.cohosts`)."""
    if user is None or not user.is_authenticated:
        return False
    cohosts = meeting_community_ids(meeting)[1:]
    return (
        bool(cohosts)
        and Membership.objects.filter(
            user=user,
            community_id__in=cohosts,
            status=MembershipStatus.ACTIVE,
            conduct_version_accepted__gte=F("community__conduct_version"),
        ).exists()
    )


can_rsvp = (is_member_of_meetings_community | is_guest | is_member_of_cohost) & is_scheduled
can_propose_agenda_item = is_member_of_meetings_community & is_scheduled
can_vote_agenda_item = is_member_of_meetings_community & is_scheduled
can_manage_meeting = is_host | is_coordinator_of_meetings_community
can_schedule_meeting = is_coordinator

declare("meetings.view_meeting", can_view_meeting, _("You cannot see this meeting."))
declare(
    "meetings.rsvp",
    can_rsvp,
    _("Only members of the community and the meeting's guests can answer. Join it first."),
)
declare(
    "meetings.manage_guests",
    can_manage_meeting,
    _("Only the meeting's hosts and coordinators invite and see its guests."),
)
declare(
    "meetings.propose_agenda_item",
    can_propose_agenda_item,
    _("Only members of the community can propose agenda items."),
)
declare(
    "meetings.vote_agenda_item", can_vote_agenda_item, _("Only members of the community can vote.")
)
declare(
    "meetings.change_meeting",
    can_manage_meeting,
    _("Only the meeting's hosts and coordinators can do this."),
)
declare(
    "meetings.add_meeting",
    can_schedule_meeting,
    _("Only the community's coordinators schedule meetings."),
)
declare(
    "meetings.add_series",
    can_schedule_meeting,
    _("Only the community's coordinators set up a series of meetings."),
)


# Series predicates take (user, series).


@rules.predicate
def is_series_host(user, series) -> bool:
    return user.is_authenticated and any(host.pk == user.pk for host in series.hosts.all())


@rules.predicate
def is_coordinator_of_series_community(user, series) -> bool:
    return is_coordinator(user, series.community)


can_manage_series = is_series_host | is_coordinator_of_series_community
declare(
    "meetings.change_series",
    can_manage_series,
    _("Only the series' hosts and coordinators can do this."),
)


# Poll predicates take (user, poll), but `meetings.create_poll` takes (user, community).


@rules.predicate
def can_view_polls_community(user, poll) -> bool:
    return can_view_community(user, poll.community)


@rules.predicate
def is_member_of_polls_community(user, poll) -> bool:
    return is_active_member(user, poll.community)


@rules.predicate
def is_coordinator_of_polls_community(user, poll) -> bool:
    return is_coordinator(user, poll.community)


@rules.predicate
def is_poll_open(user, poll) -> bool:

    return poll.status == PollStatus.OPEN


declare("meetings.view_poll", can_view_polls_community, _("This poll is not visible to you."))
declare(
    "meetings.create_poll",
    is_coordinator,
    _("Only coordinators propose slots for a meeting."),
)
declare(
    "meetings.vote_poll",
    is_member_of_polls_community & is_poll_open,
    _("Only members of the community vote, while the poll is open."),
)
declare(
    "meetings.decide_poll",
    is_coordinator_of_polls_community,
    _("Only the community's coordinators turn a slot into a meeting."),
)


@rules.predicate
def attended(user, meeting) -> bool:
    """Marked as attending the meeting (and still a member)."""
    if user is None or not user.is_authenticated:
        return False
    return (
        is_active_member(user, meeting.community)
        and meeting.attendances.filter(user_id=user.pk).exists()
    )


declare(
    "meetings.give_feedback",
    attended,
    _("Only people who attended the meeting give feedback."),
)
declare(
    "meetings.view_feedback",
    can_manage_meeting,
    _("Only the meeting's hosts and coordinators read its feedback."),
)


declare(
    "meetings.manage_cohosts",
    can_manage_meeting & is_scheduled,
    _("Only the meeting's hosts and coordinators can choose co-hosting communities."),
)
