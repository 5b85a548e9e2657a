"""The mentor ranking, pinned with its reasons on constructed data."""

import pytest

from cop.enums import MembershipStatus, ParticipationKind
from cop.models import Membership
from cop.services.participation import record_participation
from mentoring.models import MentorRequest
from mentoring.services import (
    rank_candidates,
    rank_mentors,
    timezone_distance_hours,
    utc_offset_hours,
)
from tests.factories import (
    CommunityFactory,
    MentorOfferFactory,
    TagFactory,
    UserFactory,
    make_member,
    make_mentor,
    make_mentorship,
)

pytestmark = pytest.mark.django_db


def _reasons(candidate):
    return [(reason.text, reason.points) for reason in candidate.reasons]


def test_timezone_distance_is_measured_at_the_reference_instant_the_short_way_round():
    # January: Berlin is UTC+1 whatever today's daylight saving says.
    assert utc_offset_hours("Europe/Berlin") == 1
    assert timezone_distance_hours("Europe/Berlin", "Europe/London") == 1
    assert timezone_distance_hours("Asia/Tokyo", "America/Los_Angeles") == 7
    assert timezone_distance_hours("Europe/Berlin", "Asia/Kolkata") == 4.5
    assert timezone_distance_hours("UTC", "Not/AZone") == 0


@pytest.fixture
def world():
    """A community with three mentors who could take a request, and four who cannot."""
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    incidents = TagFactory(community=community, name="Incidents", slug="incidents")
    postgres = TagFactory(community=community, name="Postgres", slug="postgres")
    frontend = TagFactory(community=community, name="Frontend", slug="frontend")
    requester = make_member(community, display_name="Rae", timezone="Europe/Berlin")

    ana = make_mentor(
        community, display_name="Ana", timezone="Europe/London", topics=[incidents, postgres]
    )
    bo = make_mentor(
        community, display_name="Bo", timezone="America/New_York", topics=[incidents], capacity=3
    )
    make_mentorship(community, mentor=bo, mentee=make_member(community))
    bo_membership = Membership.objects.get(user=bo, community=community)
    for _ in range(2):
        tagged = MentorRequest.objects.create(
            community=community, requester=coordinator, goals="x", timezone="UTC", status="accepted"
        )
        tagged.topics.set([incidents])
        record_participation(
            kind=ParticipationKind.SOLUTION_ACCEPTED, member=bo_membership, subject=tagged
        )
    record_participation(kind=ParticipationKind.HOSTED_MEETING, member=bo_membership)

    cy = make_mentor(
        community, display_name="Cy", timezone="Asia/Tokyo", topics=[frontend], capacity=1
    )
    cy_membership = Membership.objects.get(user=cy, community=community)
    for _ in range(6):
        record_participation(kind=ParticipationKind.ANSWERED_PROBLEM, member=cy_membership)

    # Cannot take it: paused, full, the requester themself, no longer a member.
    paused = make_mentor(community, display_name="Di", topics=[incidents, postgres])
    paused.mentor_offers.update(paused=True)
    full = make_mentor(community, display_name="Ed", topics=[incidents, postgres], capacity=1)
    make_mentorship(community, mentor=full, mentee=make_member(community), status="paused")
    MentorOfferFactory(community=community, mentor=requester, topics=[incidents])
    gone = make_mentor(community, display_name="Fay", topics=[incidents, postgres])
    Membership.objects.filter(user=gone).update(status=MembershipStatus.LEFT)

    return {
        "community": community,
        "requester": requester,
        "topics": {incidents.pk, postgres.pk},
        "ana": ana,
        "bo": bo,
        "cy": cy,
    }


def test_ranking_orders_mentors_and_explains_each_place(world):
    ranked = rank_candidates(
        community=world["community"],
        requester=world["requester"],
        topic_ids=world["topics"],
        timezone_name="Europe/Berlin",
    )

    assert [c.mentor for c in ranked] == [world["ana"], world["bo"], world["cy"]]
    ana, bo, cy = ranked
    assert _reasons(ana) == [
        ("2 topics in common: Incidents, Postgres", 6),
        ("No answers, practices or meetings recorded here yet", 0),
        ("2 of 2 places free", 2),
        ("1 hour apart (Europe/London)", 3),
    ]
    assert _reasons(bo) == [
        ("1 topic in common: Incidents", 3),
        ("In your topics: 2 answers accepted", 4),
        ("Elsewhere in the community: 1 meeting hosted", 1),
        ("2 of 3 places free", 2),
        ("6 hours apart (America/New_York)", 1),
    ]
    assert _reasons(cy) == [
        ("No topics in common", 0),
        ("Elsewhere in the community: 6 problems answered", 6),
        ("1 of 1 place free", 1),
        ("8 hours apart (Asia/Tokyo)", 0),
    ]
    # Ana and Bo tie on points; the nearer time zone goes first.
    assert (ana.score, bo.score, cy.score) == (11, 11, 7)
    assert ana.timezone_hours < bo.timezone_hours


def test_ranking_without_topics_counts_the_record_overall(world):
    ranked = rank_candidates(
        community=world["community"],
        requester=world["requester"],
        topic_ids=set(),
        timezone_name="Asia/Tokyo",
    )

    assert [c.mentor for c in ranked] == [world["cy"], world["bo"], world["ana"]]
    cy, bo, ana = ranked
    assert _reasons(cy) == [
        ("Did: 6 problems answered", 6),
        ("1 of 1 place free", 1),
        ("Same time of day as you (Asia/Tokyo)", 3),
    ]
    assert _reasons(bo)[0] == ("Did: 2 answers accepted, 1 meeting hosted", 3)
    assert (cy.score, bo.score, ana.score) == (10, 5, 2)


def test_ranking_ties_are_broken_by_name_then_id():
    community = CommunityFactory()
    gil = make_mentor(community, display_name="Gil")
    abe = make_mentor(community, display_name="abe")
    other_abe = make_mentor(community, display_name="Abe")

    ranked = rank_candidates(
        community=community, requester=None, topic_ids=set(), timezone_name="Europe/Berlin"
    )

    assert [c.mentor for c in ranked] == [abe, other_abe, gil]
    assert len({c.score for c in ranked}) == 1


def test_rank_mentors_leaves_out_mentors_already_tried(world):
    request = MentorRequest.objects.create(
        community=world["community"],
        requester=world["requester"],
        goals="Get better at incident reviews",
        timezone="Europe/Berlin",
    )
    request.topics.set(world["topics"])
    request.offers.create(mentor=world["ana"], deadline=request.created_at, outcome="declined")

    assert [c.mentor for c in rank_mentors(request)] == [world["bo"], world["cy"]]
    assert rank_mentors(request, include_tried=True)[0].mentor == world["ana"]


def test_ranking_uses_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        rank_candidates(
            community=world["community"],
            requester=world["requester"],
            topic_ids=world["topics"],
            timezone_name="Europe/Berlin",
        )
