"""Reads of the mentoring app: each owns its joins and its visibility filter.

Visibility: everything hangs off a community fetched with
`cop.selectors.communities.access_community` (a private community is a 404 to
non-members); requests and mentorships a viewer may not see are a 404 too, so their
existence is not revealed.
"""

from datetime import timedelta

from django.db.models import Count, F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cop.enums import Level, MembershipStatus
from cop.models import Community, Membership, Tag
from cop.permissions import allowed
from cop.selectors.communities import access_community

from .enums import (
    LIVE_REQUEST_STATUSES,
    NEEDS_COORDINATOR_STATUSES,
    OPEN_MENTORSHIP_STATUSES,
    MentorshipStatus,
    OfferOutcome,
    RequestStatus,
)
from .models import CheckIn, MentorOffer, MentorRequest, Mentorship, OnboardingStep, RequestOffer
from .services import ensure_onboarding_steps, sync_onboarding
from .services.ranking import open_mentorships

__all__ = ["access_community"]

_TAGS = Prefetch("topics", queryset=Tag.objects.order_by("name"))


def mentor_directory(community: Community) -> QuerySet[MentorOffer]:
    """Unpaused offers of active members, with topics and how many mentees each has."""
    return (
        MentorOffer.objects.filter(
            community=community,
            paused=False,
            mentor__memberships__community=community,
            mentor__memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("mentor")
        .prefetch_related(_TAGS)
        .annotate(open_mentorships=open_mentorships(community))
        .order_by("mentor__display_name", "mentor__email")
    )


def offer_of(user, community: Community) -> MentorOffer | None:
    if not user.is_authenticated:
        return None
    return (
        MentorOffer.objects.filter(community=community, mentor=user)
        .prefetch_related(_TAGS)
        .annotate(open_mentorships=open_mentorships(community))
        .first()
    )


def _requests() -> QuerySet[MentorRequest]:
    return MentorRequest.objects.select_related(
        "community", "requester", "current_mentor"
    ).prefetch_related(_TAGS)


def inbox(user, community: Community) -> list[MentorRequest]:
    """Requests waiting for this mentor's answer, oldest deadline first."""
    return list(
        _requests()
        .filter(community=community, status=RequestStatus.OFFERED, current_mentor=user)
        .order_by("deadline", "pk")
    )


def my_requests(user, community: Community) -> list[MentorRequest]:
    """The viewer's live requests in the community."""
    return list(
        _requests()
        .filter(community=community, requester=user, status__in=LIVE_REQUEST_STATUSES)
        .order_by("-created_at")
    )


def _mentorships() -> QuerySet[Mentorship]:
    return Mentorship.objects.select_related("community", "mentor", "mentee").annotate(
        checkin_count=Count("checkins")
    )


def mentorships_of(user, community: Community, *, as_mentor: bool) -> list[Mentorship]:
    """The viewer's mentorships in the community as mentor (or mentee); open ones first."""
    side = {"mentor": user} if as_mentor else {"mentee": user}
    return list(
        _mentorships()
        .filter(community=community, **side)
        .order_by(F("completed_at").asc(nulls_first=True), "-started_at")
    )


def access_request(user, community: Community, pk: int) -> MentorRequest:
    """A request of the community the viewer may see (requester, a mentor it was offered
    to, a coordinator); 404 otherwise."""
    request = (
        _requests()
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=RequestOffer.objects.select_related("mentor", "assigned_by").order_by(
                    "offered_at", "pk"
                ),
            )
        )
        .filter(community=community, pk=pk)
        .first()
    )
    if request is None or not allowed(user, "mentoring.view_request", request):
        raise Http404("No such request.")
    return request


def access_mentorship(user, community: Community, pk: int) -> Mentorship:
    """A mentorship the viewer may see (the pair, or a coordinator for its summary)."""
    mentorship = (
        Mentorship.objects.select_related("community", "mentor", "mentee", "request")
        .filter(community=community, pk=pk)
        .first()
    )
    if mentorship is None or not allowed(user, "mentoring.view_mentorship", mentorship):
        raise Http404("No such mentorship.")
    return mentorship


def acceptance_message(mentorship: Mentorship) -> str:
    """What the mentor wrote when they accepted the request ("" if nothing)."""

    return (
        RequestOffer.objects.filter(
            request_id=mentorship.request_id,
            mentor_id=mentorship.mentor_id,
            outcome=OfferOutcome.ACCEPTED,
        )
        .values_list("message", flat=True)
        .first()
        or ""
    )


def checkins(mentorship: Mentorship) -> list[CheckIn]:
    return list(mentorship.checkins.select_related("author").order_by("-date", "-pk"))


def coordinator_overview(community: Community, *, now=None) -> dict:
    """What coordinators act on: requests nobody has (open or unmatched), stalled ones
    (overdue, or offered to two or more mentors already), and running mentorships."""
    now = now or timezone.now()
    live = (
        _requests()
        .filter(community=community, status__in=LIVE_REQUEST_STATUSES)
        .annotate(tries=Count("offers"))
        .order_by("created_at", "pk")
    )
    needs_mentor, stalled = [], []
    for request in live:
        if request.status in NEEDS_COORDINATOR_STATUSES:
            needs_mentor.append(request)
        elif (request.deadline and request.deadline <= now) or request.tries >= 2:
            stalled.append(request)
    running = list(
        _mentorships()
        .filter(community=community, status__in=OPEN_MENTORSHIP_STATUSES)
        .order_by("end_date", "pk")
    )
    ending = timezone.localdate(now) + timedelta(days=14)
    return {
        "needs_mentor": needs_mentor,
        "stalled": stalled,
        "running": running,
        "ending_soon": [m for m in running if m.end_date <= ending],
        "completed_count": Mentorship.objects.filter(
            community=community, status=MentorshipStatus.COMPLETED
        ).count(),
    }


def assignable_mentors(community: Community) -> list[MentorOffer]:
    """Every offer of an active member (paused ones too: a coordinator may ask anyway)."""
    return list(
        MentorOffer.objects.filter(
            community=community,
            mentor__memberships__community=community,
            mentor__memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("mentor")
        .annotate(open_mentorships=open_mentorships(community))
        .order_by("mentor__display_name", "mentor__email")
    )


def onboarding_checklist(*, membership: Membership, community: Community, user) -> list[dict]:
    """The member's checklist, ticking automatic steps first (see `sync_onboarding`).
    Pass the community and user already loaded so no query fetches them again."""
    membership.community = community
    membership.user = user
    steps = ensure_onboarding_steps(community=community)
    done = sync_onboarding(membership=membership, steps=steps)
    return [{"step": step, "progress": done.get(step.pk)} for step in steps]


def onboarding_steps(community: Community) -> list[OnboardingStep]:
    return ensure_onboarding_steps(community=community)


def shows_onboarding(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.level == Level.NEWCOMER
    )


def onboarding_home_section(*, community: Community, user, membership) -> dict | None:
    """The community home's checklist for newcomers; None (nothing shown) for others."""
    if not shows_onboarding(membership):
        return None
    items = onboarding_checklist(membership=membership, community=community, user=user)
    if not items:
        return None
    return {
        "community": community,
        "items": items,
        "done_count": sum(1 for item in items if item["progress"]),
        "next_url": community.get_absolute_url(),
    }
