import pytest

from cop.demo import seed_communities, seed_users
from meetings.demo import seed_meetings
from meetings.models import RSVP, Attendance, Meeting, Series

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Series.objects.count(),
        Meeting.objects.count(),
        RSVP.objects.count(),
        Attendance.objects.count(),
    )


def test_seed_meetings_is_idempotent_and_shows_every_feature():
    users = seed_users()
    communities = seed_communities(users)

    report = seed_meetings(users=users, communities=communities)
    first = _counts()
    seed_meetings(users=users, communities=communities)

    assert _counts() == first
    assert len(report) == 3
    weekly = Series.objects.get(title="Weekly incident review")
    assert weekly.rrule.startswith("FREQ=WEEKLY")
    assert Series.objects.get(title="Case teaching evening").rrule.startswith("FREQ=MONTHLY")
    full = Meeting.objects.get(title="Chaos engineering workshop")
    assert full.rsvps.filter(answer="going", waitlisted=False).count() == 3
    assert full.rsvps.filter(waitlisted=True).count() == 2
    past = Meeting.objects.filter(status="held")
    assert past.count() == 2
    assert all(m.notes and m.attendances.exists() for m in past)
    assert Attendance.objects.filter(walk_in=True).exists()


def test_seed_meetings_skips_missing_communities():
    users = seed_users()
    assert seed_meetings(users=users, communities={}) == []
    assert not Meeting.objects.exists()
