from datetime import timedelta

import pytest
from django.utils import timezone

from knowledge.selectors import digest_unanswered_in_expertise
from knowledge.services.problems import ask_problem
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def test_unanswered_problems_in_my_expertise_only():
    community = CommunityFactory(coordinator=UserFactory())
    dns, css = (
        TagFactory(community=community, name="dns"),
        TagFactory(community=community, name="css"),
    )
    expert = MembershipFactory(community=community)
    expert.expertise.add(dns)
    asker = make_member(community)
    ask_problem(community=community, author=asker, title="DNS flaps", context="x", tags=[dns])
    ask_problem(community=community, author=asker, title="CSS grid", context="x", tags=[css])
    section = digest_unanswered_in_expertise(
        user=expert.user, since=timezone.now() - timedelta(days=7)
    )
    assert [item["title"] for item in section["items"]] == ["DNS flaps"]


def test_no_expertise_means_no_section():
    community = CommunityFactory(coordinator=UserFactory())
    member = make_member(community)
    assert digest_unanswered_in_expertise(user=member, since=timezone.now()) is None
