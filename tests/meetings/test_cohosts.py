"""Joint meetings: co-hosted by a related community, shown and counted in both."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cop.enums import ParticipationKind, Visibility
from cop.models import Membership, ParticipationEvent
from cop.services import constellations
from meetings import cohosts, selectors, services
from meetings.models import MeetingCohost
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ca, cb = UserFactory(), UserFactory()
    a = CommunityFactory(name="SRE", slug="sre", coordinator=ca)
    b = CommunityFactory(name="Incidents", slug="incidents", coordinator=cb)
    relation = constellations.request_relation(community=a, other=b, by=ca)
    relation = constellations.accept_relation(relation=relation, by=cb)
    meeting = MeetingFactory(community=a, hosts=[ca], title="Joint game day")
    return {"ca": ca, "cb": cb, "a": a, "b": b, "meeting": meeting, "relation": relation}


def test_cohosted_meeting_shows_in_both_communities(world):
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"]], by=world["ca"])
    viewer = make_member(world["b"])
    assert [m.title for m in selectors.upcoming_meetings(world["b"], viewer)] == ["Joint game day"]
    assert [m.title for m in selectors.upcoming_meetings(world["a"], viewer)] == ["Joint game day"]
    assert [m.title for m in selectors.community_feed_meetings(world["b"])] == ["Joint game day"]
    assert [m.title for m in selectors.personal_feed_meetings(viewer)] == ["Joint game day"]
    start = world["meeting"].starts_at
    month = selectors.month_calendar(world["b"], viewer, year=start.year, month=start.month)
    placed = [m for week in month.weeks for day in week for m in day.meetings]
    assert [m.community.slug for m in placed] == ["sre"]  # the host's address


def test_cohost_members_answer_attend_and_it_counts_in_their_community(world):
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"]], by=world["ca"])
    member_b = make_member(world["b"])
    member_a = make_member(world["a"])
    services.rsvp(meeting=world["meeting"], user=member_b, answer="going")
    meeting = world["meeting"]
    meeting.starts_at = meeting.starts_at.replace(year=meeting.starts_at.year - 1)
    meeting.ends_at = meeting.ends_at.replace(year=meeting.ends_at.year - 1)
    meeting.save(update_fields=["starts_at", "ends_at"])
    services.mark_attendance(meeting=meeting, by=world["ca"], attendees=[member_b, member_a])

    in_b = Membership.objects.get(user=member_b, community=world["b"])
    in_a = Membership.objects.get(user=member_a, community=world["a"])
    for membership in (in_b, in_a):
        assert ParticipationEvent.objects.filter(
            membership=membership, kind=ParticipationKind.ATTENDED_MEETING
        ).exists()


def test_set_cohosts_refusals(world):
    with pytest.raises(ValidationError, match="related communities"):
        cohosts.set_cohosts(
            meeting=world["meeting"], communities=[CommunityFactory()], by=world["ca"]
        )
    cp = UserFactory()
    private = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=cp)
    relation = constellations.request_relation(community=private, other=world["b"], by=cp)
    constellations.accept_relation(relation=relation, by=world["cb"])
    secret = MeetingFactory(community=private)
    with pytest.raises(ValidationError, match="public"):
        cohosts.set_cohosts(meeting=secret, communities=[world["b"]], by=cp)
    assert not MeetingCohost.objects.exists()


def test_ending_the_relation_takes_the_meeting_out_of_the_other_side(world):
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"]], by=world["ca"])
    constellations.end_relation(relation=world["relation"], by=world["cb"], side=world["b"])
    assert selectors.upcoming_meetings(world["b"], world["cb"]) == []
    with pytest.raises(ValidationError):
        services.rsvp(meeting=world["meeting"], user=make_member(world["b"]), answer="going")


def test_cohosts_page(client, world):
    client.force_login(world["ca"])
    url = reverse("meetings:cohosts", args=["sre", world["meeting"].pk])
    assert "Incidents" in client.get(url).content.decode()
    assert client.post(url, {"communities": [world["b"].pk]}).status_code == 302
    assert list(cohosts.cohosts_of(world["meeting"])) == [world["b"]]
    client.force_login(make_member(world["a"]))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("count", [1, 6])
def test_cohost_meeting_list_query_count(client, world, count, django_assert_num_queries):
    for n in range(count):
        meeting = MeetingFactory(community=world["a"], hosts=[world["ca"]], title=f"Joint {n}")
        cohosts.set_cohosts(meeting=meeting, communities=[world["b"]], by=world["ca"])
    client.force_login(make_member(world["b"]))
    url = reverse("meetings:community", args=["incidents"])
    client.get(url)
    with django_assert_num_queries(QUERIES):
        page = client.get(url)
    assert page.content.decode().count("Joint ") >= count


QUERIES = 9


def test_cohosts_api(world):
    client = APIClient()
    client.force_authenticate(world["ca"])
    url = f"/api/v1/meetings/{world['meeting'].pk}/cohosts/"
    response = client.put(url, {"communities": ["incidents"]}, format="json")
    assert response.status_code == 200, response.content
    assert [c["slug"] for c in response.json()] == ["incidents"]
    assert [c["slug"] for c in APIClient().get(url).json()] == ["incidents"]
    refused = client.put(url, {"communities": ["nowhere"]}, format="json")
    assert refused.status_code == 400
    member = APIClient()
    member.force_authenticate(make_member(world["a"]))
    assert member.put(url, {"communities": []}, format="json").status_code == 403
    assert client.put(url, {"communities": []}, format="json").json() == []
