"""Editing "this and the following meetings" on PostgreSQL, where row locks need a
transaction: through the page and through the API (both call `edit_meeting`), with
autocommit as in production."""

import zoneinfo
from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import services
from meetings.forms import MeetingForm

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def series(community, host):
    return services.create_series(
        community=community,
        by=host,
        title="Weekly review",
        rrule="FREQ=WEEKLY;BYDAY=WE",
        starts_on=timezone.localdate() + timedelta(days=1),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        location="Room 1",
        horizon_days=35,
    )


def test_editing_following_meetings_through_the_page(series, host):
    first, second, *later = series.meetings.order_by("starts_at")
    client = Client(raise_request_exception=False)
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
    response = client.post(
        reverse("meetings:edit", kwargs={"slug": second.community.slug, "meeting_id": second.pk}),
        data,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response.url).status_code == 200  # the meeting page it lands on
    first.refresh_from_db()
    assert first.location == "Room 1"
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    for meeting in [second, *later]:
        meeting.refresh_from_db()
        assert meeting.location == "Room 2"
        assert meeting.starts_at.astimezone(zone).hour == 18
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)


def test_editing_following_meetings_through_the_api(series, host):
    first, second, *later = series.meetings.order_by("starts_at")
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(host)
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    local = second.starts_at.astimezone(zone)
    response = api.patch(
        f"/api/v1/meetings/{second.pk}/",
        {
            "scope": "following",
            "title": "Weekly retro",
            "starts_at": local.replace(hour=18).isoformat(),
            "ends_at": local.replace(hour=19, minute=30).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    first.refresh_from_db()
    assert first.title == "Weekly review"
    for meeting in [second, *later]:
        meeting.refresh_from_db()
        assert (meeting.title, meeting.starts_at.astimezone(zone).hour) == ("Weekly retro", 18)


def test_update_following_called_on_its_own_locks_inside_a_transaction(series, host):
    second = series.meetings.order_by("starts_at")[1]
    services.update_following(meeting=second, by=host, location="Room 3")
    second.refresh_from_db()
    assert second.location == "Room 3"


def test_edit_meeting_called_on_its_own_changes_the_following_in_one_transaction(series, host):
    first, second, *later = series.meetings.order_by("starts_at")
    services.edit_meeting(
        meeting=second, by=host, scope="following", location="Room 4", agenda="Only here"
    )
    first.refresh_from_db()
    assert first.location == "Room 1"
    for meeting in [second, *later]:
        meeting.refresh_from_db()
        assert meeting.location == "Room 4"
    assert second.agenda == "Only here" and not later[0].agenda
