from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cop.enums import Visibility
from cop.extensions import COMMUNITY_TABS, HOME_SECTIONS
from meetings import services
from meetings.enums import AgendaItemStatus, MeetingStatus, RSVPAnswer
from meetings.forms import MeetingForm
from meetings.models import RSVP, Meeting
from meetings.selectors import home_section_context
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _url(name, meeting, **extra):
    return reverse(
        f"meetings:{name}",
        kwargs={"slug": meeting.community.slug, "meeting_id": meeting.pk, **extra},
    )


# --- query-count guards ------------------------------------------------------------------------


def _fill(community, host, n, *, past=False):
    for i in range(n):
        if past:
            start = timezone.now() - timedelta(days=i + 2)
        else:
            start = timezone.now() + timedelta(days=i + 1)
        meeting = MeetingFactory(
            community=community,
            hosts=[host],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=5,
        )
        if not past:
            services.rsvp(meeting=meeting, user=host, answer=RSVPAnswer.GOING)


@pytest.mark.parametrize("n", [1, 12])
def test_community_meetings_page_queries_do_not_grow(
    client, community, host, n, django_assert_num_queries
):
    _fill(community, host, n)
    _fill(community, host, n, past=True)
    client.force_login(host)
    url = reverse("meetings:community", kwargs={"slug": community.slug})
    # Cold, 18: the keys of the kept rows and grid (the co-hosted meetings, looked up once
    # for the three lists; the first end to come; the viewer's answers and private
    # communities), then the rows (their own columns, no hosts), the co-hosts shown on
    # both lists' rows in one query, the grid.
    with django_assert_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'class="meeting-row') == 2 * n
    # Warm, 9: the keys only (`meetings.listing`); the community header and the bell's
    # count are kept too.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.content.count(b'class="meeting-row') == 2 * n


@pytest.mark.parametrize("n", [1, 12])
def test_my_meetings_page_queries_do_not_grow(client, host, n, django_assert_num_queries):
    for _ in range(n):
        community = CommunityFactory(coordinator=host)
        _fill(community, host, 1)
    client.force_login(host)
    with django_assert_num_queries(13):  # 13 with the co-hosts shown on the rows
        response = client.get(reverse("meetings:mine"))
    assert response.content.count(b'class="meeting-row') == n


@pytest.mark.parametrize("n", [1, 12])
def test_meeting_detail_queries_do_not_grow(
    client, community, meeting, host, n, django_assert_num_queries
):
    for i in range(n):
        person = make_member(community)
        services.rsvp(meeting=meeting, user=person, answer=RSVPAnswer.GOING)
        item = services.propose_agenda_item(meeting=meeting, by=person, title=f"Topic {i}")
        services.vote_agenda_item(item=item, user=host)
    client.force_login(host)
    # 18 with the speakers, the co-hosts and the comment thread, whatever the number of
    # answers.
    with django_assert_num_queries(18):
        response = client.get(_url("detail", meeting))
    assert response.content.count(b"Topic ") == n


@pytest.mark.parametrize("n", [1, 12])
def test_personal_feed_queries_do_not_grow(client, host, n, django_assert_num_queries):
    community = CommunityFactory(coordinator=host)
    _fill(community, host, n)
    token = services.feed_token_for(user=host).token
    with django_assert_num_queries(2):
        response = client.get(reverse("meetings:personal_ics", args=[token]))
    assert response.content.count(b"BEGIN:VEVENT") == n


# --- visibility ---------------------------------------------------------------------------------


def test_private_community_meeting_is_404_to_non_members(client, host):
    private = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    meeting = MeetingFactory(community=private, hosts=[host], title="Secret plans")
    client.force_login(UserFactory())
    for url in (
        _url("detail", meeting),
        _url("ics", meeting),
        reverse("meetings:community", kwargs={"slug": private.slug}),
        reverse("meetings:community_ics", kwargs={"slug": private.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Secret plans" not in response.content
    client.logout()
    assert client.get(_url("detail", meeting)).status_code == 404


def test_meeting_in_another_community_is_404(client, meeting, host):
    other = CommunityFactory(coordinator=host)
    url = reverse("meetings:detail", kwargs={"slug": other.slug, "meeting_id": meeting.pk})
    assert client.get(url).status_code == 404


def test_public_meeting_is_readable_by_visitors(client, meeting):
    response = client.get(_url("detail", meeting))
    assert response.status_code == 200
    assert b"Incident review" in response.content
    assert b"Sign in to answer" in response.content


# --- RSVP --------------------------------------------------------------------------------------


def test_rsvp_plain_post_redirects_back_and_saves(client, meeting, member):
    client.force_login(member)
    response = client.post(_url("rsvp", meeting), {"answer": "going"})
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert RSVP.objects.get(meeting=meeting, user=member).answer == "going"


def test_rsvp_htmx_returns_panel_with_waitlist_position(client, meeting, host, community):
    services.update_meeting(meeting=meeting, by=host, capacity=1)
    services.rsvp(meeting=meeting, user=make_member(community), answer="going")
    late = make_member(community)
    client.force_login(late)
    response = client.post(_url("rsvp", meeting), {"answer": "going"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card rsvp" id="rsvp"')
    assert "You are number 1 on the waitlist." in body
    assert '<section class="card" id="whos-coming" hx-swap-oob="true">' in body
    assert late.name in body.split('id="whos-coming"')[1]
    assert "<html" not in body


def test_rsvp_htmx_error_is_shown_in_the_panel(client, meeting, member):
    client.force_login(member)
    response = client.post(_url("rsvp", meeting), {"answer": "perhaps"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Choose going, maybe or not going." in response.content.decode()
    assert not RSVP.objects.exists()


def test_rsvp_by_non_member_is_refused_with_message(client, meeting):
    client.force_login(UserFactory())
    response = client.post(_url("rsvp", meeting), {"answer": "going"}, follow=True)
    assert "Join it first" in response.content.decode()
    assert not RSVP.objects.exists()


def test_rsvp_after_start_is_refused(client, meeting, member):
    client.force_login(member)
    with time_machine.travel(meeting.starts_at + timedelta(minutes=1)):
        response = client.post(_url("rsvp", meeting), {"answer": "going"}, follow=True)
    assert "Answers closed when the meeting started." in response.content.decode()


def test_detail_shows_times_in_viewer_zone_and_names_it(client, community, host):

    start = datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    meeting = MeetingFactory(
        community=community, hosts=[host], starts_at=start, ends_at=start + timedelta(hours=1)
    )
    viewer = make_member(community, timezone="America/New_York")
    client.force_login(viewer)
    body = client.get(_url("detail", meeting)).content.decode()
    assert "Tuesday 15 January 2030, 11:00" in body
    assert "(America/New_York)" in body
    assert "Planned in Europe/Berlin" in body


# --- host tools ----------------------------------------------------------------------------------


def test_schedule_meeting_form_creates_meeting_in_chosen_zone(client, community, host):
    client.force_login(host)
    url = reverse("meetings:schedule", kwargs={"slug": community.slug})
    response = client.post(
        url,
        {
            "title": "Chaos day",
            "kind": "workshop",
            "day": "2030-03-05",
            "start_time": "17:00",
            "end_time": "19:00",
            "timezone": "Europe/Berlin",
            "location": "Room 4",
            "capacity": "8",
            "hosts": [host.pk],
        },
    )
    meeting = Meeting.objects.get(title="Chaos day")
    assert response.status_code == 302
    assert meeting.starts_at.isoformat() == "2030-03-05T16:00:00+00:00"
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)
    assert (meeting.capacity, meeting.kind) == (8, "workshop")


def test_schedule_meeting_form_without_place_shows_error(client, community, host):
    client.force_login(host)
    url = reverse("meetings:schedule", kwargs={"slug": community.slug})
    response = client.post(
        url,
        {
            "title": "Nowhere",
            "kind": "regular",
            "day": "2030-03-05",
            "start_time": "17:00",
            "end_time": "18:00",
            "timezone": "Europe/Berlin",
            "hosts": [host.pk],
        },
    )
    assert response.status_code == 200
    assert "Give a place, an online link, or both." in response.content.decode()
    assert not Meeting.objects.exists()


def test_schedule_meeting_by_plain_member_is_forbidden(client, community, member):
    client.force_login(member)
    response = client.get(reverse("meetings:schedule", kwargs={"slug": community.slug}))
    assert response.status_code == 403
    assert "coordinators schedule meetings" in response.content.decode()


def test_series_form_creates_weekly_series(client, community, host):
    client.force_login(host)
    url = reverse("meetings:series_create", kwargs={"slug": community.slug})
    response = client.post(
        url,
        {
            "title": "Tuesday practice",
            "kind": "regular",
            "frequency": "weekly",
            "interval": "2",
            "weekdays": ["1"],
            "starts_on": timezone.localdate().isoformat(),
            "start_time": "17:00",
            "duration_minutes": "90",
            "timezone": "Europe/Berlin",
            "end": "after_count",
            "count": "4",
            "online_url": "https://meet.example.org/sre",
            "hosts": [host.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    series = community.series.get()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=4"
    assert 1 <= series.meetings.count() <= 4
    page = client.get(response["Location"]).content.decode()
    assert "Every 2 weeks on Tuesday, 4 times" in page


def test_series_form_monthly_weekday_needs_weekday(client, community, host):
    client.force_login(host)
    url = reverse("meetings:series_create", kwargs={"slug": community.slug})
    response = client.post(
        url,
        {
            "title": "Monthly",
            "kind": "regular",
            "frequency": "monthly_weekday",
            "interval": "1",
            "starts_on": "2030-01-01",
            "start_time": "17:00",
            "duration_minutes": "60",
            "timezone": "Europe/Berlin",
            "end": "never",
            "location": "Cafe",
            "hosts": [host.pk],
        },
    )
    assert response.status_code == 200
    assert "Choose which weekday of the month." in response.content.decode()


def test_edit_meeting_this_and_following(client, community, host):
    series = services.create_series(
        community=community,
        by=host,
        title="Weekly",
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=WE",
        starts_on=timezone.localdate(),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        location="Room 1",
    )
    first, second, third = series.meetings.order_by("starts_at")[:3]
    client.force_login(host)
    data = {
        **MeetingForm.initial_for(second),
        "location": "Room 2",
        "scope": "following",
        "hosts": [host.pk],
        "capacity": "",
    }
    data["day"] = data["day"].isoformat()
    data["start_time"] = "18:00"
    data["end_time"] = "19:30"
    response = client.post(_url("edit", second), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.location == "Room 1"
    assert third.location == "Room 2"
    assert third.ends_at - third.starts_at == timedelta(minutes=90)


def test_cancel_meeting_page_cancels(client, meeting, host):
    client.force_login(host)
    response = client.post(_url("cancel", meeting), {"reason": "Snow"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_host_tools_forbidden_to_members(client, meeting, member):
    client.force_login(member)
    for name in ("edit", "cancel", "attendance", "notes"):
        assert client.get(_url(name, meeting)).status_code == 403, name


def test_agenda_propose_vote_accept_through_pages(client, meeting, member, host):
    client.force_login(member)
    client.post(_url("agenda_propose", meeting), {"title": "Alert fatigue"})
    item = meeting.agenda_items.get()
    client.post(_url("agenda_vote", meeting, item_id=item.pk), {"vote": "1"})
    assert item.votes.count() == 1
    client.force_login(host)
    response = client.post(
        _url("agenda_status", meeting, item_id=item.pk),
        {"status": "accepted"},
        HTTP_HX_REQUEST="true",
    )
    assert response.content.decode().lstrip().startswith('<section class="card" id="agenda"')
    item.refresh_from_db()
    assert item.status == AgendaItemStatus.ACCEPTED


def test_attendance_page_marks_attendance_and_walk_ins(client, meeting, host, community):
    came, walk_in = make_member(community), make_member(community)
    services.rsvp(meeting=meeting, user=came, answer="going")
    client.force_login(host)
    with time_machine.travel(meeting.ends_at + timedelta(minutes=10)):
        page = client.get(_url("attendance", meeting)).content.decode()
        assert came.name in page and walk_in.name in page
        response = client.post(
            _url("attendance", meeting), {"attendees": [came.pk], "walk_ins": [walk_in.pk]}
        )
    assert response.status_code == 302
    assert set(meeting.attendances.values_list("user_id", "walk_in")) == {
        (came.pk, False),
        (walk_in.pk, True),
    }
    story_url = reverse("knowledge:story_create", kwargs={"slug": community.slug})
    client.force_login(came)
    assert story_url in client.get(_url("detail", meeting)).content.decode()
    client.force_login(make_member(community))  # did not come: not invited
    assert story_url not in client.get(_url("detail", meeting)).content.decode()


def test_notes_page_saves_and_detail_renders_markdown_safely(client, meeting, host):
    client.force_login(host)
    client.post(_url("notes", meeting), {"notes": "**Decided** <script>alert(1)</script>"})
    body = client.get(_url("detail", meeting)).content.decode()
    assert "<strong>Decided</strong>" in body
    assert "<script>alert(1)" not in body


def test_community_tab_and_home_section_are_registered():

    assert any(t.url_name == "meetings:community" and t.order == 10 for t in COMMUNITY_TABS)
    assert any(s.template == "meetings/_home_section.html" for s in HOME_SECTIONS)


def test_month_calendar_places_meeting_on_its_local_day(client, community, host):

    start = datetime(2030, 5, 31, 23, 30, tzinfo=UTC)  # 1 June in Berlin
    MeetingFactory(
        community=community,
        hosts=[host],
        title="Late one",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    client.force_login(host)  # Europe/Berlin
    url = reverse("meetings:community", kwargs={"slug": community.slug}) + "?month=2030-06"
    response = client.get(url)
    month = response.context["month"]
    days = {cell.day.isoformat(): cell.meetings for week in month.weeks for cell in week}
    assert [m.title for m in days["2030-06-01"]] == ["Late one"]
    assert "June 2030" in response.content.decode()


def test_month_parameter_garbage_falls_back_to_this_month(client, community):
    url = reverse("meetings:community", kwargs={"slug": community.slug}) + "?month=abc"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["month"].first.month == timezone.localdate().month


@pytest.mark.parametrize("n", [1, 3])
def test_community_home_section_queries_do_not_grow(client, community, host, n):
    """The "Next meetings" section costs the same whatever it shows."""

    _fill(community, host, n)
    with CaptureQueriesContext(connection) as ctx:
        context = home_section_context(community=community, user=host)
    assert len(ctx.captured_queries) == 2  # the rows, and the co-hosts shown on them
    assert len(context["meetings"]) == n
    client.force_login(host)
    page = client.get(reverse("community_home", kwargs={"slug": community.slug}))
    assert page.content.decode().count('class="meeting-row') == n


def test_series_page_lists_its_upcoming_meetings(client, community, host):
    series = services.create_series(
        community=community,
        by=host,
        title="Fortnightly",
        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        starts_on=timezone.localdate(),
        start_time=time(9, 0),
        duration_minutes=30,
        timezone_name="Europe/Berlin",
        location="Room 1",
    )
    MeetingFactory(community=community, hosts=[host], title="Not in the series")
    client.force_login(host)
    body = client.get(series.get_absolute_url()).content.decode()
    assert body.count('class="meeting-row') == series.meetings.count()
    assert "Not in the series" not in body
    # Just set up: nothing to confirm yet, and no button asking for it.
    assert "Yes, it still runs" not in body and "Confirmed until" in body
