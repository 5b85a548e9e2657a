"""Every `next` a form sends back is followed only when it is a page of this site."""

import pytest
from django.urls import reverse

from cop.enums import Role
from cop.models import Membership
from mentoring.models import MentorRequest
from mentoring.services import ensure_onboarding_steps
from tests.factories import CommunityFactory, UserFactory, make_member, make_mentor

pytestmark = pytest.mark.django_db

OUTSIDE = ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"]


@pytest.fixture
def world(client):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    client.force_login(coordinator)
    return {"community": community, "coordinator": coordinator}


def _posts(world):
    """(address, data, where it goes without a usable next) for each view with `next`."""
    community = world["community"]
    member = make_member(community)
    membership = Membership.objects.get(user=member, community=community)
    request = MentorRequest.objects.create(
        community=community, requester=member, goals="x", timezone="UTC", status="unmatched"
    )
    mentor = make_mentor(community)
    ensure_onboarding_steps(community=community)
    step = community.onboarding_steps.first()
    return [
        (
            reverse("meetings:propose_problem", args=[community.slug]),
            {"problem": "", "meeting": ""},
            community.get_absolute_url(),
        ),
        (
            reverse("mentoring_assign", args=[community.slug, request.pk]),
            {"mentor": str(mentor.pk)},
            request.get_absolute_url(),
        ),
        (
            reverse("mentoring_onboarding", args=[community.slug]),
            {"step": str(step.pk), "done": "1"},
            reverse("mentoring_onboarding", args=[community.slug]),
        ),
        (
            reverse("member_action", args=[community.slug, membership.pk, "promote"]),
            {},
            reverse("community_members", args=[community.slug]),
        ),
    ]


@pytest.mark.parametrize("outside", OUTSIDE)
def test_outside_next_is_not_followed(client, world, outside):
    for address, data, default in _posts(world):
        response = client.post(address, {**data, "next": outside})
        assert response.status_code == 302, address
        assert response.url == default, address
        Membership.objects.filter(community=world["community"], role=Role.COORDINATOR).exclude(
            user=world["coordinator"]
        ).update(role=Role.MEMBER)


def test_a_page_of_the_site_is_followed(client, world):
    here = world["community"].get_absolute_url() + "members/?level=core"
    for address, data, _default in _posts(world):
        response = client.post(address, {**data, "next": here})
        assert response.url == here, address
