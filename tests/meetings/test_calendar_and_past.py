"""The month reads as a calendar (titles and times, an agenda list for phones) and a
past meeting says who came instead of asking who is coming."""

import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.counters import refresh_counts
from meetings.models import RSVP, Attendance
from tests.factories import MeetingFactory, make_member

pytestmark = pytest.mark.django_db


def test_month_shows_titles_times_and_an_agenda_list(client, community, member):
    start = timezone.localtime().replace(hour=17, minute=30, second=0, microsecond=0)
    MeetingFactory(community=community, title="Pager review", starts_at=start,
                   ends_at=start + timedelta(hours=1))  # fmt: skip
    client.force_login(member)
    html = client.get(reverse("meetings:community", args=[community.slug])).content.decode()
    grid = html[html.index('class="month-grid"') : html.index("</table>")]
    local = timezone.localtime(start, zoneinfo.ZoneInfo(member.timezone))
    assert "Pager review" in grid and f"{local:%H:%M}</time> Pager review" in grid
    agenda = html[html.index('class="month-agenda') :]
    assert "Pager review" in agenda[: agenda.index("</ol>")]


def test_a_past_meeting_says_who_came(client, community, member):
    start = timezone.now() - timedelta(days=3)
    meeting = MeetingFactory(community=community, title="Old one", starts_at=start,
                             ends_at=start + timedelta(hours=1))  # fmt: skip
    came = make_member(community, display_name="Cam Came")
    RSVP.objects.create(meeting=meeting, user=member, answer="going")
    Attendance.objects.create(meeting=meeting, user=came)
    refresh_counts([meeting.pk])  # rows written past the services
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Are you coming?" not in page and "Who came" in page and "Cam Came" in page
    assert "1 going" not in page
    listing = client.get(reverse("meetings:community", args=[community.slug])).content.decode()
    past = listing[listing.index('id="past-title"') :]
    assert "1 came" in past and "going" not in past[: past.index("</section>")]
