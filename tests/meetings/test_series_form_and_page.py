"""The series form shows the fields of the chosen pattern, previews the next dates, puts
an error summary first and picks hosts from a list; a new series asks nothing yet and
never claims to be confirmed past its own end."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _series(community, host, rrule="FREQ=WEEKLY;BYDAY=TU"):
    return services.create_series(
        community=community, by=host, title="Weekly", rrule=rrule, starts_on=date.today(),
        start_time=time(17, 0), duration_minutes=60, timezone_name="Europe/Berlin",
        location="Room 1", hosts=[host],
    )  # fmt: skip


def test_form_marks_pattern_fields_error_summary_and_host_checkboxes(client, community,
                                                                  coordinator):  # fmt: skip
    client.force_login(coordinator)
    address = reverse("meetings:series_create", args=[community.slug])
    html = client.get(address).content.decode()
    assert 'data-show-for="frequency:weekly"' in html
    assert 'data-show-for="frequency:monthly_weekday"' in html
    assert 'data-show-for="end:on_date"' in html and 'data-preview-url="' in html
    assert 'type="checkbox" name="hosts"' in html and '<select name="hosts"' not in html
    response = client.post(address, {"title": "", "frequency": "weekly", "interval": "1",
                                     "end": "never", "duration_minutes": "60"})  # fmt: skip
    html = response.content.decode()
    summary_at = html.index('id="error-summary"')
    assert summary_at < html.index('name="title"')
    assert 'href="#id_title"' in html[summary_at:]


def test_preview_lists_the_next_dates(client, community, coordinator):
    client.force_login(coordinator)
    address = reverse("meetings:series_preview", args=[community.slug])
    start = timezone.localdate() + timedelta(days=1)
    html = client.get(address, {"frequency": "weekly", "interval": "1", "weekdays": "0",
                                "starts_on": start.isoformat(), "start_time": "17:00",
                                "duration_minutes": "60", "timezone": "Europe/Berlin",
                                "end": "after_count", "count": "3"}).content.decode()  # fmt: skip
    assert html.count("<time") == 3 and "Monday" in html and "17:00" in html
    missing = client.get(address, {"frequency": "weekly", "interval": "1", "end": "never"})
    assert "To see the first dates" in missing.content.decode()
    client.force_login(make_member(community))
    assert client.get(address).status_code == 403


def test_a_new_series_asks_nothing_and_an_ending_one_is_not_confirmed_past_its_end(
    client, community, coordinator
):
    client.force_login(coordinator)
    fresh = _series(community, coordinator)
    html = client.get(fresh.get_absolute_url()).content.decode()
    assert "Yes, it still runs" not in html
    short = _series(community, coordinator, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    html = client.get(short.get_absolute_url()).content.decode()
    assert "Last meeting" in html and "Confirmed until" not in html
    fresh.confirm_requested_at = timezone.now()
    fresh.save(update_fields=["confirm_requested_at"])
    assert "Yes, it still runs" in client.get(fresh.get_absolute_url()).content.decode()
