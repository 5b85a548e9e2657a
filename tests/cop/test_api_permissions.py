"""Every communities endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here. The other apps'
endpoints join this table as they are added."""

import pytest
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, MembershipStatus, Role, Visibility
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "non_member", "member", "coordinator", "staff"]

# (method, path template, body) -> {visibility: {caller: status}}
# Staff have no special rights inside communities: privacy holds for them too.
ALL = dict.fromkeys(CALLERS, 200)
ENDPOINTS = [
    (
        "get",
        "/api/v1/communities/",
        None,
        {"public": ALL, "private": ALL},  # the list is filtered, never refused
    ),
    (
        "get",
        "/api/v1/communities/{slug}/",
        None,
        {
            "public": ALL,
            "private": {
                "anonymous": 404,
                "non_member": 404,
                "member": 200,
                "coordinator": 200,
                "staff": 404,
            },
        },
    ),
    (
        "patch",
        "/api/v1/communities/{slug}/",
        {"purpose": "Changed"},
        {
            "public": {
                "anonymous": 401,
                "non_member": 403,
                "member": 403,
                "coordinator": 200,
                "staff": 403,
            },
            "private": {
                "anonymous": 401,
                "non_member": 404,
                "member": 403,
                "coordinator": 200,
                "staff": 404,
            },
        },
    ),
    (
        "get",
        "/api/v1/communities/{slug}/members/",
        None,
        {
            "public": ALL,
            "private": {
                "anonymous": 404,
                "non_member": 404,
                "member": 200,
                "coordinator": 200,
                "staff": 404,
            },
        },
    ),
    (
        "post",
        "/api/v1/communities/{slug}/members/",
        {"message": "hi"},
        {
            # Joining an open public community; a private one is invisible to outsiders.
            "public": {
                "anonymous": 401,
                "non_member": 201,
                "member": 201,
                "coordinator": 201,
                "staff": 201,
            },
            "private": {
                "anonymous": 401,
                "non_member": 404,
                "member": 201,
                "coordinator": 201,
                "staff": 404,
            },
        },
    ),
    (
        "post",
        "/api/v1/communities/{slug}/members/{pending}/approve/",
        None,
        {
            "public": {
                "anonymous": 401,
                "non_member": 403,
                "member": 403,
                "coordinator": 200,
                "staff": 403,
            },
            "private": {
                "anonymous": 401,
                "non_member": 404,
                "member": 403,
                "coordinator": 200,
                "staff": 404,
            },
        },
    ),
    (
        "post",
        "/api/v1/communities/{slug}/leave/",
        None,
        {
            "public": {
                "anonymous": 401,
                "non_member": 400,
                "member": 200,
                "coordinator": 400,  # the last coordinator stays
                "staff": 400,
            },
            "private": {
                "anonymous": 401,
                "non_member": 404,
                "member": 200,
                "coordinator": 400,
                "staff": 404,
            },
        },
    ),
]

CASES = [
    pytest.param(method, path, body, visibility, caller, expected[visibility][caller],
                 id=f"{method} {path} {visibility} {caller}")
    for method, path, body, expected in ENDPOINTS
    for visibility in ("public", "private")
    for caller in CALLERS
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "visibility", "caller", "expected"), CASES)
def test_endpoint_permissions(method, path, body, visibility, caller, expected):
    coordinator = UserFactory()
    community = CommunityFactory(
        visibility=Visibility.PUBLIC if visibility == "public" else Visibility.PRIVATE,
        join_policy=JoinPolicy.OPEN if visibility == "public" else JoinPolicy.INVITATION,
        coordinator=coordinator,
    )
    pending = MembershipFactory(community=community, status=MembershipStatus.PENDING)
    callers = {
        "anonymous": None,
        "non_member": UserFactory(),
        "member": MembershipFactory(community=community, role=Role.MEMBER).user,
        "coordinator": coordinator,
        "staff": UserFactory(is_staff=True, is_superuser=True),
    }
    api = APIClient()
    if callers[caller] is not None:
        api.force_authenticate(callers[caller])
    url = path.format(slug=community.slug, pending=pending.pk)
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == expected, response.content
    if response.status_code >= 400:
        assert response.json(), "every 4xx carries a reason"
