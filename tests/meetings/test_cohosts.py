"""Joint meetings: co-hosted by a related community, shown and counted in both."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import ParticipationKind, Visibility
from cop.models import Membership, ParticipationEvent
from cop.services import constellations
from meetings import cohosts, selectors, services
from meetings.forms import MeetingForm
from meetings.models import Meeting, MeetingCohost
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _upcoming(community, viewer) -> list:
    """The Meetings tab's upcoming list, as `viewer` reads it."""
    today = timezone.localdate()
    return selectors.meetings_tab(community, viewer, year=today.year, month=today.month).upcoming


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
    assert [m.title for m in _upcoming(world["b"], viewer)] == ["Joint game day"]
    assert [m.title for m in _upcoming(world["a"], viewer)] == ["Joint game day"]
    feed = selectors.community_feed_meetings(world["b"], viewer)
    assert [m.title for m in feed] == ["Joint game day"]
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
    with pytest.raises(ValidationError, match="private"):  # a public community's readers
        cohosts.set_cohosts(meeting=secret, communities=[world["b"]], by=cp)
    assert not MeetingCohost.objects.exists()


@pytest.fixture
def private_pair():
    """A private host and a private related community whose coordinator is in both."""
    cp, cq = UserFactory(), UserFactory()
    host = CommunityFactory(
        name="Vault", slug="vault", visibility=Visibility.PRIVATE, coordinator=cp
    )
    other = CommunityFactory(
        name="Red team", slug="red-team", visibility=Visibility.PRIVATE, coordinator=cq
    )
    Membership.objects.create(community=host, user=cq, status="active")
    relation = constellations.request_relation(community=host, other=other, by=cp)
    constellations.accept_relation(relation=relation, by=cq)
    meeting = MeetingFactory(community=host, hosts=[cp], title="Key ceremony")
    return {"cp": cp, "cq": cq, "host": host, "other": other, "meeting": meeting}


def test_a_private_meeting_is_cohosted_when_every_cohost_member_sees_the_host(client, private_pair):
    p = private_pair
    cohosts.set_cohosts(meeting=p["meeting"], communities=[p["other"]], by=p["cp"])
    assert [m.title for m in _upcoming(p["other"], p["cq"])] == ["Key ceremony"]
    client.force_login(p["cq"])
    listed = client.get(reverse("meetings:community", args=["red-team"])).content.decode()
    assert "Key ceremony" in listed


def test_a_private_meeting_is_refused_when_a_cohost_member_could_not_see_it(private_pair):
    p = private_pair
    make_member(p["other"])  # not a member of the private host
    with pytest.raises(ValidationError, match="could not open this meeting"):
        cohosts.set_cohosts(meeting=p["meeting"], communities=[p["other"]], by=p["cp"])
    assert not MeetingCohost.objects.exists()


def test_a_later_cohost_member_who_cannot_see_the_private_host_never_sees_its_meeting(
    client, private_pair
):
    p = private_pair
    cohosts.set_cohosts(meeting=p["meeting"], communities=[p["other"]], by=p["cp"])
    newcomer = make_member(p["other"])  # joined after: not a member of the host
    assert _upcoming(p["other"], newcomer) == []
    assert selectors.community_feed_meetings(p["other"], newcomer) == []
    assert selectors.personal_feed_meetings(newcomer) == []
    start = p["meeting"].starts_at
    month = selectors.month_calendar(p["other"], newcomer, year=start.year, month=start.month)
    assert not [m for week in month.weeks for day in week for m in day.meetings]
    client.force_login(newcomer)
    for url in (
        reverse("meetings:community", args=["red-team"]),
        reverse("meetings:community_ics", args=["red-team"]),
        reverse("community_home", args=["red-team"]),
    ):
        assert "Key ceremony" not in client.get(url).content.decode(), url
    assert client.get(p["meeting"].get_absolute_url()).status_code == 404


def test_ending_the_relation_takes_the_meeting_out_of_the_other_side(world):
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"]], by=world["ca"])
    constellations.end_relation(relation=world["relation"], by=world["cb"], side=world["b"])
    assert _upcoming(world["b"], world["cb"]) == []
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


# … the co-hosted meetings looked up once for the tab's three lists, the co-hosts shown
# on the rows (one query for both lists; before, one per non-empty list), no hosts. The
# second visit reads only the keys of the kept rows and grid (`meetings.listing`), and
# the bell's count is kept too.
QUERIES = 8


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


def test_hosts_choose_cohosts_in_the_meeting_form(client, world):
    client.force_login(world["ca"])
    url = reverse("meetings:schedule", args=["sre"])
    form = client.get(url).content.decode()
    assert "Co-hosting communities" in form and "Incidents" in form
    data = {
        "title": "Joint retro",
        "kind": "regular",
        "day": "2031-03-04",
        "start_time": "17:00",
        "end_time": "18:00",
        "timezone": "Europe/Paris",
        "online_url": "https://meet.example.org/retro",
        "hosts": [world["ca"].pk],
        "cohosts": [world["b"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(title="Joint retro")
    assert cohosts.cohosts_of(meeting) == [world["b"]]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Co-hosted with" in page and 'href="/c/incidents/"' in page

    edit = reverse("meetings:edit", args=["sre", meeting.pk])
    form = client.get(edit).content.decode()
    assert f'name="cohosts" value="{world["b"].pk}"' in form and "checked" in form
    data["title"] = "Joint retrospective"
    del data["cohosts"]
    assert client.post(edit, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Joint retrospective" and cohosts.cohosts_of(meeting) == []


def test_a_refused_cohost_saves_nothing_of_the_edit(client, private_pair):
    p = private_pair
    make_member(p["other"])  # not a member of the private host: refused
    client.force_login(p["cp"])
    meeting = p["meeting"]
    edit = reverse("meetings:edit", args=["vault", meeting.pk])
    data = MeetingForm.initial_for(meeting)
    data.update(
        title="Renamed",
        day=data["day"].isoformat(),
        start_time=data["start_time"].strftime("%H:%M"),
        end_time=data["end_time"].strftime("%H:%M"),
        hosts=[p["cp"].pk],
        cohosts=[p["other"].pk],
        online_url=data["online_url"] or "https://meet.example.org/x",
        capacity=data["capacity"] or "",
    )
    page = client.post(edit, data).content.decode()
    assert "could not open this meeting" in page
    meeting.refresh_from_db()
    assert meeting.title == "Key ceremony" and not MeetingCohost.objects.exists()


def test_list_items_say_cohosted_with(client, world):
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"]], by=world["ca"])
    client.force_login(make_member(world["a"]))
    listed = client.get(reverse("meetings:community", args=["sre"])).content.decode()
    assert "Co-hosted with" in listed and 'href="/c/incidents/"' in listed


def test_a_private_cohost_is_not_named_to_outsiders(client, world):
    cp = UserFactory()
    private = CommunityFactory(
        name="Hidden guild", slug="hidden", visibility=Visibility.PRIVATE, coordinator=cp
    )
    relation = constellations.request_relation(community=world["a"], other=private, by=world["ca"])
    constellations.accept_relation(relation=relation, by=cp)
    cohosts.set_cohosts(meeting=world["meeting"], communities=[world["b"], private], by=world["ca"])
    detail = world["meeting"].get_absolute_url()
    listed = reverse("meetings:community", args=["sre"])
    for viewer in (None, make_member(world["a"])):
        if viewer:
            client.force_login(viewer)
        for url in (detail, listed):
            page = client.get(url).content.decode()
            assert "Co-hosted with" in page and "Incidents" in page
            assert "Hidden guild" not in page, url
    client.force_login(cp)
    assert "Hidden guild" in client.get(detail).content.decode()
