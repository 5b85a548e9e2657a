"""The mentoring demo seeder: every state once, and nothing twice."""

import pytest

from cop.demo import seed_communities, seed_users
from mentoring.demo import seed_mentoring
from mentoring.models import CheckIn, MentorOffer, MentorRequest, Mentorship
from mentoring.services import hand_off_stale_requests

pytestmark = pytest.mark.django_db


def _counts():
    return (
        MentorOffer.objects.count(),
        MentorRequest.objects.count(),
        Mentorship.objects.count(),
        CheckIn.objects.count(),
    )


def test_seed_mentoring_creates_each_state_once_and_is_idempotent():
    users = seed_users()
    communities = seed_communities(users)

    lines = seed_mentoring(users, communities)
    first = _counts()
    seed_mentoring(users, communities)

    assert _counts() == first
    assert lines[0].startswith("Mentoring in Bedside Teaching Circle")
    sre = communities["sre-guild"]
    statuses = dict(
        MentorRequest.objects.filter(community=sre).values_list("requester__email", "status")
    )
    assert statuses == {
        "eli@example.org": "accepted",
        "june@example.org": "offered",
        "hana@example.org": "offered",
        "gus@example.org": "unmatched",
        "fatima@example.org": "accepted",
    }
    active = Mentorship.objects.get(community=sre, status="active")
    assert (active.mentor.email, active.mentee.email) == ("ben@example.org", "eli@example.org")
    assert active.checkins.count() == 3
    assert Mentorship.objects.filter(community=sre, status="completed").count() == 1
    assert MentorOffer.objects.filter(community=sre, paused=True).count() == 1
    # The stalled request is overdue: the periodic hand-off moves it on.
    assert hand_off_stale_requests() == 1


def test_seed_mentoring_skips_missing_communities():
    users = seed_users()
    assert seed_mentoring(users, {}) == []
    assert MentorOffer.objects.count() == 0
