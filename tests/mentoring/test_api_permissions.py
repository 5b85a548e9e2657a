"""Every mentoring endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work). In the world the member is the
mentee and the coordinator their mentor."""

import pytest

from mentoring import services
from mentoring.models import MentorOffer
from tests.api_permissions import (
    COORDINATOR_CREATES,
    COORDINATOR_ONLY,
    COORDINATOR_READS,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    SIGNED_IN,
    cases,
    check,
    row,
    worlds_fixture,
)
from tests.factories import MentorOfferFactory

pytestmark = pytest.mark.django_db

# Only the pair of a mentorship see it, whatever the community's visibility.
PAIR = {"public": row(401, 404, 200, 200, 404), "private": row(401, 404, 200, 200, 404)}

ENDPOINTS = [
    ("get", "/api/v1/mentor-offers/?community={slug}", None, READ),
    ("post", "/api/v1/mentor-offers/", {"community": "{slug}", "capacity": 2}, MEMBERS_CREATE),
    (
        "post",
        "/api/v1/mentor-requests/",
        {"community": "{slug}", "goals": "Grow", "timezone": "UTC"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/mentor-requests/", None, SIGNED_IN),
    ("get", "/api/v1/mentorships/{mentorship}/check-ins/", None, PAIR),
    ("post", "/api/v1/mentorships/{mentorship}/pause/", None, PAIR),
    ("post", "/api/v1/mentorships/{mentorship}/agreement/",
     {"goals": "More", "cadence": "weekly"}, PAIR),
    ("post", "/api/v1/mentorships/{mentorship}/extend/", {"end_date": "2099-01-01"}, PAIR),
    # The author's offer: only they pause it; outsiders of a private community do not see it.
    ("post", "/api/v1/mentor-offers/{offer}/pause/", None, {
        "public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)}),
    ("get", "/api/v1/mentor-offers/matches/?community={slug}", None, {
        "public": row(401, 403, 200, 200, 403), "private": row(401, 404, 200, 200, 404)}),
    # The author asked and nobody could take it: the coordinators' business.
    ("post", "/api/v1/mentor-requests/{waiting}/assign/", {"mentor": "{mentor}"}, {
        "public": row(401, 404, 404, 200, 404), "private": row(401, 404, 404, 200, 404)}),
    ("get", "/api/v1/communities/{slug}/mentoring/", None, COORDINATOR_READS),
    ("get", "/api/v1/onboarding-steps/?community={slug}", None, MEMBERS_ACT),
    ("post", "/api/v1/onboarding-steps/{step}/tick/", {}, MEMBERS_ACT),
    ("post", "/api/v1/onboarding-steps/", {"community": "{slug}", "title": "Say hello"},
     COORDINATOR_CREATES),
    ("patch", "/api/v1/onboarding-steps/{step}/", {"title": "Say hi"}, COORDINATOR_ONLY),
    ("post", "/api/v1/onboarding-steps/{step}/move/", {"direction": "down"}, COORDINATOR_ONLY),
    ("delete", "/api/v1/onboarding-steps/{step}/", None, {
        "public": row(401, 403, 403, 204, 403), "private": row(401, 404, 403, 204, 404)}),
]  # fmt: skip


def _mentoring(names, users) -> dict:
    """The author's offer and open request, a mentor to assign, a checklist step."""
    community = names["community"]
    offer = MentorOfferFactory(community=community, mentor=users["author"])
    mentor = MentorOfferFactory(community=community, mentor=users["coordinator"]).mentor
    offers = MentorOffer.objects.filter(community=community)
    offers.update(paused=True)  # nobody free: the request waits for the coordinators
    waiting = services.request_mentor(
        community=community,
        requester=users["author"],
        goals="Grow",
        topics=[],
        cadence="fortnightly",
        timezone_name="UTC",
        mentor=None,
    )
    offers.update(paused=False)
    step = services.ensure_onboarding_steps(community=community)[0]
    return {"offer": offer.pk, "waiting": waiting.pk, "mentor": mentor.pk, "step": step.pk}


worlds = worlds_fixture(extra=_mentoring)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
