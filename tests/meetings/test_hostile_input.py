"""Input that used to break meetings pages for everyone: out-of-range times, odd RRULEs,
months at the ends of the calendar."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import services
from meetings.models import Meeting, Series

pytestmark = pytest.mark.django_db


def _form(**overrides):
    day = timezone.localdate() + timedelta(days=5)
    data = {
        "title": "Edge",
        "kind": "regular",
        "day": day.isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "Europe/Berlin",
        "location": "Room 1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(host):
    client = APIClient()
    client.force_authenticate(host)
    return client


# --- meeting times are bounded --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone", "start", "end"),
    [
        ("0001-01-01", "Pacific/Kiritimati", "00:00", "01:00"),  # UTC+14
        ("9999-12-31", "Pacific/Pago_Pago", "23:00", "23:30"),
        ("9999-12-31", "Europe/Berlin", "23:00", "01:00"),  # ends after midnight
        ("1970-01-01", "UTC", "10:00", "11:00"),
    ],
)
def test_meeting_form_refuses_dates_far_away(client, community, host, day, zone, start, end):
    client.force_login(host)
    response = client.post(
        reverse("meetings:schedule", kwargs={"slug": community.slug}),
        {**_form(day=day, timezone=zone, start_time=start, end_time=end), "hosts": [host.pk]},
    )
    assert response.status_code == 200
    assert "A meeting must start between" in response.content.decode()
    assert not Meeting.objects.exists()


def test_meeting_form_refuses_more_than_ten_years_ahead(client, community, host):
    client.force_login(host)
    day = timezone.localdate() + timedelta(days=11 * 366)
    response = client.post(
        reverse("meetings:schedule", kwargs={"slug": community.slug}),
        {**_form(day=day.isoformat()), "hosts": [host.pk]},
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "starts_at",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:00:00-11:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "1990-05-01T10:00:00Z",
    ],
)
def test_api_refuses_meeting_times_far_away(api, community, starts_at):
    response = api.post(
        "/api/v1/meetings/",
        {
            "community": community.slug,
            "title": "Edge",
            "starts_at": starts_at,
            "ends_at": starts_at,
            "timezone": "UTC",
            "location": "Room 1",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert not Meeting.objects.exists()


def test_api_refuses_moving_a_meeting_far_away(api, meeting):
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"starts_at": "9000-01-01T10:00:00Z", "ends_at": "9000-01-01T11:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "A meeting must start between" in str(response.json())
    meeting.refresh_from_db()
    assert meeting.starts_at.year < 3000


def test_service_bound_is_the_same_for_form_and_api(community, host):

    start = timezone.now() + timedelta(days=10 * 366)
    with pytest.raises(ValidationError, match="A meeting must start between"):
        services.schedule_meeting(
            community=community,
            by=host,
            title="Far",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone_name="UTC",
            location="Room",
        )
    recent = timezone.now() - timedelta(days=300)
    services.schedule_meeting(
        community=community,
        by=host,
        title="Recorded afterwards",
        starts_at=recent,
        ends_at=recent + timedelta(hours=1),
        timezone_name="UTC",
        location="Room",
    )


# --- months at the ends of the calendar -----------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "10000-01", "-1-01", "2026-13", "x"])
def test_meetings_page_months_out_of_range(client, community, month):
    response = client.get(
        reverse("meetings:community", kwargs={"slug": community.slug}), {"month": month}
    )
    assert response.status_code in (200, 400)


def test_meetings_page_clamps_the_month(client, community):
    response = client.get(
        reverse("meetings:community", kwargs={"slug": community.slug}), {"month": "9999-12"}
    )
    assert response.status_code == 200
    first = response.context["month"].first
    assert first.year <= timezone.localdate().year + 11


# --- recurrence rules ----------------------------------------------------------------------


def _series_body(rrule, **overrides):
    body = {
        "community": "sre",
        "title": "Rhythm",
        "rrule": rrule,
        "starts_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "start_time": "17:00",
        "duration_minutes": 60,
        "timezone": "Europe/Berlin",
        "location": "Room 2",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;INTERVAL=-1",
        "FREQ=WEEKLY;INTERVAL=0;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=+53MO",
        "FREQ=MONTHLY;BYDAY=-53MO",
        "FREQ=WEEKLY;BYDAY=MO\nEXDATE:20300101T100000",
        "FREQ=WEEKLY;BYDAY=MO\r\nRDATE:20300101T100000",
        "EXDATE:20300101T100000",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=WEEKLY;BYDAY=MO;BYMINUTE=0,30",
        "FREQ=WEEKLY;BYDAY=MO;BYSECOND=1,2",
        "FREQ=DAILY;BYSETPOS=400;BYDAY=MO",
        "FREQ=YEARLY;BYYEARDAY=400",
        "FREQ=WEEKLY;COUNT=-3;BYDAY=MO",
        "FREQ=WEEKLY;UNTIL=99991231T235959;BYDAY=MO;INTERVAL=99999999999999999999",
        "FREQ=WEEKLY;UNTIL=99991231T235959;BYDAY=MO",  # ends past the bound
        # Rules that match nothing, which dateutil would search day by day to year 9999:
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYDAY=1MO;BYMONTHDAY=31",
        "FREQ=WEEKLY;BYDAY=2MO",
        "FREQ=WEEKLY;BYDAY=MO;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=MO;X-NAME=1",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20301301",
        "FREQ=WEEKLY;BYDAY=MO;COUNT=3;UNTIL=20301201",
        "FREQ=HOURLY",
        "",
        "\x00FREQ=WEEKLY",
    ],
)
def test_series_api_refuses_unusable_rules(api, community, rrule):
    started = time.monotonic()
    response = api.post("/api/v1/series/", _series_body(rrule), format="json")
    assert time.monotonic() - started < 2
    assert response.status_code == 400, response.content
    assert response.json()
    assert not Series.objects.exists()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("starts_on", ["0001-01-01", "9999-12-31", "1990-01-01"])
def test_series_api_refuses_first_dates_far_away(api, community, starts_on):
    response = api.post(
        "/api/v1/series/", _series_body("FREQ=WEEKLY;BYDAY=MO", starts_on=starts_on), format="json"
    )
    assert response.status_code == 400, response.content
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    ("starts_on", "until"),
    [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-02-01"), (None, "9999-12-31")],
)
def test_series_form_refuses_dates_far_away(client, community, host, starts_on, until):
    client.force_login(host)
    response = client.post(
        reverse("meetings:series_create", kwargs={"slug": community.slug}),
        {
            "title": "Rhythm",
            "kind": "regular",
            "frequency": "weekly",
            "interval": 1,
            "weekdays": [0],
            "starts_on": starts_on or timezone.localdate().isoformat(),
            "start_time": "17:00",
            "duration_minutes": 60,
            "timezone": "Pacific/Kiritimati",
            "end": "on_date",
            "until": until,
            "location": "Room",
            "hosts": [host.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Series.objects.exists()


def test_several_times_a_day_is_refused_with_a_reason(api, community):
    response = api.post("/api/v1/series/", _series_body("FREQ=DAILY;BYHOUR=9,17"), format="json")
    assert response.status_code == 400
    assert "once a day" in str(response.json())


def test_usable_rules_still_work(api, community):
    for rrule in (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=DAILY;COUNT=3",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20301231T235959",
    ):
        response = api.post("/api/v1/series/", _series_body(rrule), format="json")
        assert response.status_code == 201, (rrule, response.content)
