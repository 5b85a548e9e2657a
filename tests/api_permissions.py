"""What every permission table of the REST API shares.

Each app keeps its own table of expected status codes (in its
`test_api_permissions.py`): rows of (method, path template, body, expected), where
`expected` maps visibility ("public"/"private") to caller to status. `cases()` turns a
table into pytest params; `worlds_fixture()` makes the module's fixture that builds two
small worlds once per module (a public and a private community, each with a
coordinator, a member, another member who authored things, a pending request and one
object of each kind) inside a transaction rolled back after the module; `check()` calls
the endpoint as the caller and compares, each case rolled back to that world.

Path templates and bodies name objects in braces: `{slug}`, `{meeting}`, `{problem}`,
`{reply}`, `{story}`, `{entry}`, `{term}`, `{mentorship}`, `{series}`, `{pending}`,
`{member_id}` (the member's membership), `{author_id}` (the author's membership) and
the times `{starts_at}`, `{ends_at}`, `{starts_on}`. A table that needs more passes
`extra`, a function of (names, users) that returns more names (`names["community"]`
is the community itself).
"""

from datetime import time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, MembershipStatus, Role, Visibility
from cop.models import User
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
    make_mentorship,
)

CALLERS = ["anonymous", "non_member", "member", "coordinator", "staff"]
VISIBILITIES = ("public", "private")


def row(anonymous, non_member, member, coordinator, staff) -> dict:
    return dict(zip(CALLERS, (anonymous, non_member, member, coordinator, staff), strict=True))


# Staff have no special rights inside communities: privacy holds for them too.
ALL = row(200, 200, 200, 200, 200)
EVERYONE = {"public": ALL, "private": ALL}  # lists are filtered, never refused
READ = {"public": ALL, "private": row(404, 404, 200, 200, 404)}
# Members act; outsiders are refused (403), or do not see a private community (404).
MEMBERS_ACT = {
    "public": row(401, 403, 200, 200, 403),
    "private": row(401, 404, 200, 200, 404),
}
MEMBERS_CREATE = {
    "public": row(401, 403, 201, 201, 403),
    "private": row(401, 404, 201, 201, 404),
}
# Only the community's coordinators (and a meeting's hosts) manage.
COORDINATOR_ONLY = {
    "public": row(401, 403, 403, 200, 403),
    "private": row(401, 404, 403, 200, 404),
}
COORDINATOR_CREATES = {
    "public": row(401, 403, 403, 201, 403),
    "private": row(401, 404, 403, 201, 404),
}
COORDINATOR_READS = {
    "public": row(401, 403, 403, 200, 403),
    "private": row(401, 404, 403, 200, 404),
}
# One's own things, whatever the community.
SIGNED_IN = {"public": row(401, 200, 200, 200, 200), "private": row(401, 200, 200, 200, 200)}


def cases(endpoints) -> list:
    return [
        pytest.param(method, path, body, visibility, caller, expected[visibility][caller],
                     id=f"{method} {path} {visibility} {caller}")
        for method, path, body, expected in endpoints
        for visibility in VISIBILITIES
        for caller in CALLERS
    ]  # fmt: skip


def fill(value, names: dict):
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


def build_world(visibility: str) -> tuple[dict, dict]:
    """A community and one object of each kind; answers (names, callers)."""

    coordinator = UserFactory()
    community = CommunityFactory(
        visibility=Visibility.PUBLIC if visibility == "public" else Visibility.PRIVATE,
        join_policy=JoinPolicy.OPEN if visibility == "public" else JoinPolicy.INVITATION,
        coordinator=coordinator,
    )
    member_ship = MembershipFactory(community=community, role=Role.MEMBER)
    author_ship = MembershipFactory(community=community, role=Role.MEMBER)
    member, author = member_ship.user, author_ship.user
    pending = MembershipFactory(community=community, status=MembershipStatus.PENDING)
    meeting = MeetingFactory(community=community, hosts=[coordinator])
    problem = ProblemFactory(community=community, author=member)
    start = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
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
        "community": community,
        "slug": community.slug,
        "meeting": meeting.pk,
        "problem": problem.pk,
        "reply": ReplyFactory(problem=problem, author=author).pk,
        "story": StoryFactory(community=community, author=author).pk,
        "entry": PracticeEntryFactory(community=community, author=author).pk,
        "term": GlossaryTermFactory(community=community).pk,
        "mentorship": make_mentorship(community, mentor=coordinator, mentee=member).pk,
        "series": series.pk,
        "pending": pending.pk,
        "member_id": member_ship.pk,
        "author_id": author_ship.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "starts_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    callers = {
        "anonymous": None,
        "non_member": UserFactory(),
        "member": member,
        "coordinator": coordinator,
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "author": author,
    }
    return names, callers


def worlds_fixture(extra=None):
    """The module-scoped fixture `worlds`: {visibility: (names, caller ids)}, built once
    per module inside a transaction that is rolled back after it; each case runs in a
    savepoint of it (its own `django_db` transaction), so what a case changes is undone
    before the next. A table that needs more passes `extra(names, callers) -> names`."""

    @pytest.fixture(scope="module")
    def worlds(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            built = {}
            for visibility in VISIBILITIES:
                names, callers = build_world(visibility)
                if extra is not None:
                    names.update(extra(names, callers))
                ids = {name: user.pk if user else None for name, user in callers.items()}
                built[visibility] = (names, ids)
            yield built
            transaction.set_rollback(True)

    return worlds


def check(worlds, method, path, body, visibility, caller, expected) -> None:
    names, caller_ids = worlds[visibility]
    api = APIClient()
    if caller_ids[caller] is not None:
        # Fetched afresh: a user object carries caches (memberships) from earlier cases.
        api.force_authenticate(User.objects.get(pk=caller_ids[caller]))
    url = path.format(**names)
    response = getattr(api, method)(url, fill(body, names), format="json")
    assert response.status_code == expected, response.content
    if response.status_code >= 400:
        assert response.json(), "every 4xx carries a reason"


def refused(user, method: str, url: str, **body) -> str:
    """Call the endpoint as `user`, who may not: answers the declared refusal (a 403)."""
    api = APIClient()
    api.force_authenticate(user)
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 403, response.content
    return response.json()["detail"]
