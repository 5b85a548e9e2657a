"""Calendar feeds, parsed back with icalendar and compared with the meetings."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from cop.enums import Visibility
from meetings import services
from meetings.models import Meeting
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _events(response):
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return calendar, list(calendar.walk("VEVENT"))


def test_meeting_ics_has_uid_sequence_tzid_and_vtimezone(client, meeting, host):
    services.update_meeting(meeting=meeting, by=host, title="Renamed", location="Room 7")
    meeting.refresh_from_db()
    response = client.get(
        reverse("meetings:ics", kwargs={"slug": meeting.community.slug, "meeting_id": meeting.pk})
    )
    assert "attachment" in response["Content-Disposition"]
    calendar, [event] = _events(response)
    assert str(event["uid"]) == f"meeting-{meeting.uid}@127.0.0.1"
    assert event["sequence"] == 1
    assert str(event["summary"]) == "Renamed"
    assert str(event["location"]) == "Room 7"
    assert str(event["status"]) == "CONFIRMED"
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtstart") == meeting.starts_at
    assert event.decoded("dtend") == meeting.ends_at
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_uid_stays_and_sequence_grows_with_changes_and_cancellation(client, meeting, host):
    url = reverse("meetings:ics", kwargs={"slug": meeting.community.slug, "meeting_id": meeting.pk})
    _cal, [before] = _events(client.get(url))
    services.update_meeting(
        meeting=meeting,
        by=host,
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    services.cancel_meeting(meeting=meeting, by=host)
    _cal, [after] = _events(client.get(url))
    assert after["uid"] == before["uid"]
    assert after["sequence"] > before["sequence"]
    assert str(after["status"]) == "CANCELLED"


@pytest.mark.parametrize(
    ("tz", "now"),
    [
        ("Europe/Berlin", datetime(2027, 2, 20, 9, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2027, 9, 10, 9, tzinfo=UTC)),
        ("America/New_York", datetime(2027, 2, 1, 9, tzinfo=UTC)),
        ("America/New_York", datetime(2027, 9, 20, 9, tzinfo=UTC)),
    ],
)
def test_community_feed_gives_series_occurrences_across_dst(client, community, host, tz, now):
    with time_machine.travel(now, tick=False):
        series = services.create_series(
            community=community,
            by=host,
            title="Evening circle",
            rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=TH",
            starts_on=now.date(),
            start_time=time(17, 0),
            duration_minutes=90,
            timezone_name=tz,
            location="Library",
        )
        response = client.get(reverse("meetings:community_ics", kwargs={"slug": community.slug}))
    _cal, events = _events(response)
    meetings = list(series.meetings.order_by("starts_at"))
    zone = ZoneInfo(tz)
    starts = sorted(event.decoded("dtstart") for event in events)
    assert starts == [m.starts_at for m in meetings]
    assert {s.astimezone(zone).time() for s in starts} == {time(17, 0)}
    assert len({s.astimezone(zone).utcoffset() for s in starts}) == 2  # crosses a change
    assert all(e.decoded("dtend") - e.decoded("dtstart") == timedelta(minutes=90) for e in events)
    assert {e["dtstart"].params["TZID"] for e in events} == {tz}


def test_community_feed_of_private_community_is_404_to_non_members(client, host):
    private = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    MeetingFactory(community=private, hosts=[host])
    url = reverse("meetings:community_ics", kwargs={"slug": private.slug})
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(host)
    _cal, events = _events(client.get(url))
    assert len(events) == 1


def test_personal_feed_has_all_communities_including_private_ones(client, host):
    person = UserFactory()
    public = CommunityFactory(coordinator=host)
    private = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    elsewhere = CommunityFactory(coordinator=host)
    for community in (public, private):
        make_member(community, email=f"x{community.pk}@example.org")
        community.memberships.create(user=person, status="active")
    mine = [
        MeetingFactory(community=public, hosts=[host], title="Public one"),
        MeetingFactory(community=private, hosts=[host], title="Private one"),
    ]
    MeetingFactory(community=elsewhere, hosts=[host], title="Not my community")
    token = services.feed_token_for(user=person).token

    _cal, events = _events(client.get(reverse("meetings:personal_ics", args=[token])))

    assert sorted(str(e["summary"]) for e in events) == ["Private one", "Public one"]
    assert {str(e["uid"]) for e in events} == {f"meeting-{m.uid}@127.0.0.1" for m in mine}


def test_personal_feed_stops_after_revoke_and_when_membership_ends(client, host):
    person = UserFactory()
    community = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    membership = community.memberships.create(user=person, status="active")
    MeetingFactory(community=community, hosts=[host])
    old = services.feed_token_for(user=person).token
    assert len(_events(client.get(reverse("meetings:personal_ics", args=[old])))[1]) == 1

    membership.status = "left"
    membership.save()
    assert _events(client.get(reverse("meetings:personal_ics", args=[old])))[1] == []

    new = services.revoke_feed_token(user=person).token
    assert client.get(reverse("meetings:personal_ics", args=[old])).status_code == 404
    assert client.get(reverse("meetings:personal_ics", args=[new])).status_code == 200


def test_revoke_feed_page_gives_a_new_address(client):
    person = UserFactory()
    client.force_login(person)
    page = client.get(reverse("meetings:mine")).content.decode()
    old = services.feed_token_for(user=person).token
    assert old in page
    response = client.post(reverse("meetings:revoke_feed"), follow=True)
    assert old not in response.content.decode()
    assert "old one no longer works" in response.content.decode()


def test_feed_window_leaves_out_long_past_meetings(client, community, host):
    old_start = datetime.now(UTC) - timedelta(days=400)
    MeetingFactory(
        community=community,
        hosts=[host],
        starts_at=old_start,
        ends_at=old_start + timedelta(hours=1),
    )
    MeetingFactory(community=community, hosts=[host])
    _cal, events = _events(
        client.get(reverse("meetings:community_ics", kwargs={"slug": community.slug}))
    )
    assert len(events) == 1
    assert Meeting.objects.count() == 2
    assert date.today() <= events[0].decoded("dtstart").date()
