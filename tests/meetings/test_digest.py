import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from cop.enums import Visibility
from meetings import services
from meetings.enums import RSVPAnswer
from meetings.selectors import digest_section
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_digest_lists_the_coming_fortnight_of_my_communities_with_my_answer():
    community = CommunityFactory(coordinator=UserFactory())
    member = make_member(community, timezone="Asia/Tokyo")
    soon = MeetingFactory(
        community=community, title="Soon", starts_at=timezone.now() + timedelta(days=2)
    )
    MeetingFactory(community=community, title="Far", starts_at=timezone.now() + timedelta(days=30))
    MeetingFactory(
        community=CommunityFactory(visibility=Visibility.PRIVATE),
        title="Not mine",
        starts_at=timezone.now() + timedelta(days=1),
    )
    services.rsvp(meeting=soon, user=member, answer=RSVPAnswer.GOING)
    section = digest_section(user=member, since=timezone.now() - timedelta(days=7))
    assert [item["title"] for item in section["items"]] == ["Soon"]
    assert "Going" in section["items"][0]["detail"]
    local = timezone.localtime(soon.starts_at, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") in section["items"][0]["detail"]


def test_digest_has_no_meetings_section_when_nothing_is_coming():
    community = CommunityFactory(coordinator=UserFactory())
    member = make_member(community)
    assert digest_section(user=member, since=timezone.now()) is None
