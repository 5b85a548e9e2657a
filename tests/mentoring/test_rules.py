"""Each mentoring predicate, unit tested."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cop.enums import MembershipStatus, Role
from cop.models import Membership
from mentoring import rules as r
from mentoring import services
from tests.factories import CommunityFactory, UserFactory, make_member, make_mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    mentor = make_mentor(community)
    other_mentor = make_mentor(community)
    mentee = make_member(community)
    request = services.request_mentor(
        community=community,
        requester=mentee,
        goals="Learn",
        topics=[],
        cadence="weekly",
        timezone_name="Europe/Berlin",
        mentor=mentor,
    )
    return {
        "community": community,
        "coordinator": coordinator,
        "mentor": mentor,
        "other_mentor": other_mentor,
        "mentee": mentee,
        "member": make_member(community),
        "outsider": UserFactory(),
        "anonymous": AnonymousUser(),
        "request": request,
    }


def _who(cast, predicate, obj):
    names = ["coordinator", "mentor", "other_mentor", "mentee", "member", "outsider", "anonymous"]
    return {name for name in names if predicate(cast[name], obj)}


def _fresh(user):
    user.__dict__.pop("_copse_memberships", None)
    return user


def test_offer_and_request_need_an_active_member(cast):
    members = {"coordinator", "mentor", "other_mentor", "mentee", "member"}
    assert _who(cast, r.can_offer_mentoring, cast["community"]) == members
    assert _who(cast, r.can_request_mentor, cast["community"]) == members
    Membership.objects.filter(user=cast["member"]).update(status=MembershipStatus.LEFT)
    assert not r.can_request_mentor(_fresh(cast["member"]), cast["community"])


def test_coordinator_overview_and_onboarding_editing_are_for_coordinators(cast):
    assert _who(cast, r.can_view_mentoring_overview, cast["community"]) == {"coordinator"}
    assert _who(cast, r.can_edit_onboarding, cast["community"]) == {"coordinator"}


def test_only_the_offered_mentor_answers(cast):
    assert _who(cast, r.can_answer_request, cast["request"]) == {"mentor"}
    services.decline_request(request=cast["request"], mentor=cast["mentor"])
    cast["request"].refresh_from_db()
    assert _who(cast, r.can_answer_request, cast["request"]) == {"other_mentor"}


def test_withdraw_is_the_requesters_while_live(cast):
    assert _who(cast, r.can_withdraw_request, cast["request"]) == {"mentee"}
    services.withdraw_request(request=cast["request"], by=cast["mentee"])
    cast["request"].refresh_from_db()
    assert _who(cast, r.can_withdraw_request, cast["request"]) == set()


def test_assign_is_for_coordinators_while_live(cast):
    assert _who(cast, r.can_assign_mentor, cast["request"]) == {"coordinator"}
    services.accept_request(request=cast["request"], mentor=cast["mentor"])
    cast["request"].refresh_from_db()
    assert _who(cast, r.can_assign_mentor, cast["request"]) == set()


def test_a_request_is_seen_by_requester_mentors_offered_it_and_coordinators(cast):
    services.decline_request(request=cast["request"], mentor=cast["mentor"])
    cast["request"].refresh_from_db()
    assert _who(cast, r.can_view_request, cast["request"]) == {
        "coordinator",
        "mentor",
        "other_mentor",
        "mentee",
    }


def test_mentorship_pair_sees_all_coordinators_the_summary_and_shared_checkins(cast):
    mentorship = services.accept_request(request=cast["request"], mentor=cast["mentor"])
    assert _who(cast, r.can_view_mentorship, mentorship) == {"coordinator", "mentor", "mentee"}
    assert _who(cast, r.can_change_mentorship, mentorship) == {"mentor", "mentee"}
    assert _who(cast, r.can_view_checkins, mentorship) == {"mentor", "mentee"}
    mentorship.share_checkins_with_coordinators = True
    assert _who(cast, r.can_view_checkins, mentorship) == {"coordinator", "mentor", "mentee"}


def test_a_member_who_left_loses_access_to_their_mentorship(cast):
    mentorship = services.accept_request(request=cast["request"], mentor=cast["mentor"])
    Membership.objects.filter(user=cast["mentee"]).update(
        status=MembershipStatus.LEFT, role=Role.MEMBER
    )
    assert not r.is_party(_fresh(cast["mentee"]), mentorship)
