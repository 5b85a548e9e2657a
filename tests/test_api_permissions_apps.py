"""Every meetings, knowledge, mentoring and notifications endpoint, as every kind of
caller, on a public and a private community, against a table of expected status codes
kept here (the communities endpoints have theirs in tests/cop/test_api_permissions.py)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Role, Visibility
from meetings.services import create_series
from tests.factories import (
    CommunityFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MembershipFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    StoryFactory,
    UserFactory,
)
from tests.mentoring.factories import make_mentorship

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "non_member", "member", "coordinator", "staff"]


def _row(anonymous, non_member, member, coordinator, staff):
    return dict(zip(CALLERS, (anonymous, non_member, member, coordinator, staff), strict=True))


# Staff have no special rights inside communities: privacy holds for them too.
ALL = _row(200, 200, 200, 200, 200)
READ = {"public": ALL, "private": _row(404, 404, 200, 200, 404)}
# Members act; outsiders are refused (403), or do not see a private community (404).
MEMBERS_ACT = {
    "public": _row(401, 403, 200, 200, 403),
    "private": _row(401, 404, 200, 200, 404),
}
MEMBERS_CREATE = {
    "public": _row(401, 403, 201, 201, 403),
    "private": _row(401, 404, 201, 201, 404),
}
# Only the community's coordinators (and a meeting's hosts) manage.
COORDINATOR_ONLY = {
    "public": _row(401, 403, 403, 200, 403),
    "private": _row(401, 404, 403, 200, 404),
}


def _starts():
    start = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


ENDPOINTS = [
    # meetings
    ("get", "/api/v1/meetings/", None, {"public": ALL, "private": ALL}),  # filtered, not refused
    ("get", "/api/v1/meetings/{meeting}/", None, READ),
    ("get", "/api/v1/meetings/?community={slug}", None, {"public": ALL, "private": ALL}),
    (
        "post",
        "/api/v1/meetings/",
        {
            "community": "{slug}",
            "title": "New",
            "kind": "workshop",
            "timezone": "UTC",
            "starts_at": "{starts_at}",
            "ends_at": "{ends_at}",
        },
        {"public": _row(401, 403, 403, 201, 403), "private": _row(401, 404, 403, 201, 404)},
    ),
    ("patch", "/api/v1/meetings/{meeting}/", {"title": "Renamed"}, COORDINATOR_ONLY),
    ("post", "/api/v1/meetings/{meeting}/cancel/", {"reason": "Snow"}, COORDINATOR_ONLY),
    ("post", "/api/v1/meetings/{meeting}/rsvp/", {"answer": "going"}, MEMBERS_ACT),
    ("get", "/api/v1/meetings/{meeting}/agenda/", None, READ),
    ("post", "/api/v1/meetings/{meeting}/agenda/", {"title": "Topic"}, MEMBERS_CREATE),
    ("post", "/api/v1/meetings/{meeting}/notes/", {"notes": "Decided"}, COORDINATOR_ONLY),
    ("get", "/api/v1/series/", None, {"public": ALL, "private": ALL}),
    ("get", "/api/v1/series/{series}/", None, READ),
    (
        "post",
        "/api/v1/series/",
        {
            "community": "{slug}",
            "title": "Weekly",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "starts_on": "{starts_on}",
            "start_time": "17:00",
            "duration_minutes": 60,
            "timezone": "Europe/Berlin",
        },
        {"public": _row(401, 403, 403, 201, 403), "private": _row(401, 404, 403, 201, 404)},
    ),
    ("post", "/api/v1/series/{series}/confirm/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/series/{series}/end/", None, COORDINATOR_ONLY),
    # knowledge
    ("get", "/api/v1/problems/", None, {"public": ALL, "private": ALL}),
    ("get", "/api/v1/problems/{problem}/", None, READ),
    (
        "post",
        "/api/v1/problems/",
        {"community": "{slug}", "title": "Stuck", "context": "On this"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/problems/{problem}/replies/", None, READ),
    ("post", "/api/v1/problems/{problem}/replies/", {"body": "Try this"}, MEMBERS_CREATE),
    # The member asked the problem: they and the coordinator accept.
    ("post", "/api/v1/problems/{problem}/accept/", {"reply": "{reply}"}, MEMBERS_ACT),
    ("get", "/api/v1/stories/", None, {"public": ALL, "private": ALL}),
    ("get", "/api/v1/stories/{story}/", None, READ),
    ("get", "/api/v1/practices/", None, {"public": ALL, "private": ALL}),
    ("get", "/api/v1/practices/{entry}/", None, READ),
    ("get", "/api/v1/practices/{entry}/revisions/", None, READ),
    # Another member wrote it: the member and the coordinator may say it worked for them.
    ("post", "/api/v1/practices/{entry}/validate/", {}, MEMBERS_ACT),
    ("get", "/api/v1/glossary/{term}/", None, READ),
    ("post", "/api/v1/glossary/{term}/accept/", None, COORDINATOR_ONLY),
    # Another member wrote these: only the coordinator (or the author) may.
    (
        "delete",
        "/api/v1/stories/{story}/",
        None,
        {"public": _row(401, 403, 403, 204, 403), "private": _row(401, 404, 403, 204, 404)},
    ),
    ("post", "/api/v1/practices/{entry}/status/", {"status": "archived"}, COORDINATOR_ONLY),
    # Only the author edits: the member, the coordinator and staff did not write it.
    (
        "patch",
        "/api/v1/stories/{story}/",
        {"title": "Mine now"},
        {"public": _row(401, 403, 403, 403, 403), "private": _row(401, 404, 403, 403, 404)},
    ),
    (
        "post",
        "/api/v1/glossary/",
        {"community": "{slug}", "term": "Toil", "definition": "Manual work"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/search/?q=stuck", None, {"public": ALL, "private": ALL}),
    # mentoring
    ("get", "/api/v1/mentor-offers/?community={slug}", None, READ),
    ("post", "/api/v1/mentor-offers/", {"community": "{slug}", "capacity": 2}, MEMBERS_CREATE),
    (
        "post",
        "/api/v1/mentor-requests/",
        {"community": "{slug}", "goals": "Grow", "timezone": "UTC"},
        MEMBERS_CREATE,
    ),
    (
        "get",
        "/api/v1/mentor-requests/",
        None,
        {"public": _row(401, 200, 200, 200, 200), "private": _row(401, 200, 200, 200, 200)},
    ),
    # The member is the mentee, the coordinator their mentor: only the pair see it.
    (
        "get",
        "/api/v1/mentorships/{mentorship}/check-ins/",
        None,
        {"public": _row(401, 404, 200, 200, 404), "private": _row(401, 404, 200, 200, 404)},
    ),
    (
        "post",
        "/api/v1/mentorships/{mentorship}/pause/",
        None,
        {"public": _row(401, 404, 200, 200, 404), "private": _row(401, 404, 200, 200, 404)},
    ),
    # notifications: one's own, whatever the community
    (
        "get",
        "/api/v1/notifications/",
        None,
        {"public": _row(401, 200, 200, 200, 200), "private": _row(401, 200, 200, 200, 200)},
    ),
]

CASES = [
    pytest.param(method, path, body, visibility, caller, expected[visibility][caller],
                 id=f"{method} {path} {visibility} {caller}")
    for method, path, body, expected in ENDPOINTS
    for visibility in ("public", "private")
    for caller in CALLERS
]  # fmt: skip


def _fill(value, names: dict):
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(("method", "path", "body", "visibility", "caller", "expected"), CASES)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    coordinator = UserFactory()
    community = CommunityFactory(
        visibility=Visibility.PUBLIC if visibility == "public" else Visibility.PRIVATE,
        join_policy=JoinPolicy.OPEN if visibility == "public" else JoinPolicy.INVITATION,
        coordinator=coordinator,
    )
    member = MembershipFactory(community=community, role=Role.MEMBER).user
    author = MembershipFactory(community=community, role=Role.MEMBER).user
    meeting = MeetingFactory(community=community, hosts=[coordinator])
    problem = ProblemFactory(community=community, author=member)
    starts_at, ends_at = _starts()
    series = create_series(
        community=community,
        by=coordinator,
        title="Rhythm",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_on=timezone.localdate() + timedelta(days=2),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        horizon_days=21,
    )
    names = {
        "slug": community.slug,
        "meeting": meeting.pk,
        "problem": problem.pk,
        "reply": ReplyFactory(problem=problem, author=author).pk,
        "story": StoryFactory(community=community, author=author).pk,
        "entry": PracticeEntryFactory(community=community, author=author).pk,
        "term": GlossaryTermFactory(community=community).pk,
        "mentorship": make_mentorship(community, mentor=coordinator, mentee=member).pk,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "series": series.pk,
        "starts_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    callers = {
        "anonymous": None,
        "non_member": UserFactory(),
        "member": member,
        "coordinator": coordinator,
        "staff": UserFactory(is_staff=True, is_superuser=True),
    }
    api = APIClient()
    if callers[caller] is not None:
        api.force_authenticate(callers[caller])
    url = path.format(**names)
    response = getattr(api, method)(url, _fill(body, names), format="json")
    assert response.status_code == expected, response.content
    if response.status_code >= 400:
        assert response.json(), "every 4xx carries a reason"
