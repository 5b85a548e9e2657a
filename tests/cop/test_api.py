"""The communities part of the REST API, over the same services and rules as the pages."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, MembershipStatus, Role, Visibility
from cop.models import Community, Membership
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def public(coordinator):
    return CommunityFactory(slug="public-one", coordinator=coordinator)


@pytest.fixture
def private(coordinator):
    return CommunityFactory(
        slug="private-one",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.APPROVAL,
        coordinator=coordinator,
    )


def test_list_shows_public_to_anonymous(api, public, private):
    response = api.get("/api/v1/communities/")
    assert response.status_code == 200
    slugs = [c["slug"] for c in response.json()["results"]]
    assert slugs == ["public-one"]
    item = response.json()["results"][0]
    assert item["url"].endswith("/c/public-one/")
    assert {"id", "ics_url", "description_html", "member_count"} <= set(item)


def test_list_shows_private_to_members(api, private):
    api.force_authenticate(make_member(private))
    slugs = [c["slug"] for c in api.get("/api/v1/communities/").json()["results"]]
    assert slugs == ["private-one"]


def test_private_community_is_404_with_reason_to_non_members(api, private):
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/communities/private-one/")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert api.get("/api/v1/communities/private-one/members/").status_code == 404


def test_create_community_from_contract_fields(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/communities/",
        {
            "name": "Potters",
            "slug": "potters",
            "domain": "Wheel-thrown stoneware.",
            "purpose": "Share glaze recipes.",
            "visibility": "public",
            "join_policy": "approval",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "potters"
    membership = Membership.objects.get(community__slug="potters", user=user)
    assert membership.role == Role.COORDINATOR


def test_create_community_bad_input_is_400_with_reasons(api, public):
    api.force_authenticate(UserFactory())
    response = api.post(
        "/api/v1/communities/",
        {"name": "", "slug": "public-one", "domain": "x", "visibility": "secret"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"name", "slug", "visibility", "join_policy"} <= set(errors)


def test_create_community_needs_login_and_verified_email(api):
    payload = {
        "name": "X",
        "slug": "x",
        "domain": "d",
        "visibility": "public",
        "join_policy": "open",
    }
    assert api.post("/api/v1/communities/", payload, format="json").status_code in (401, 403)
    api.force_authenticate(UserFactory(verified=False))
    response = api.post("/api/v1/communities/", payload, format="json")
    assert response.status_code == 403
    assert "Verify your email" in response.json()["detail"]
    assert not Community.objects.filter(slug="x").exists()


def test_update_only_by_coordinator(api, public, coordinator):
    api.force_authenticate(make_member(public))
    response = api.patch("/api/v1/communities/public-one/", {"purpose": "Hijack"}, format="json")
    assert response.status_code == 403
    assert "coordinators" in response.json()["detail"]
    api.force_authenticate(coordinator)
    response = api.patch(
        "/api/v1/communities/public-one/",
        {"purpose": "Better purpose", "description": "**bold** <script>x</script>"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["purpose"] == "Better purpose"
    assert "<strong>bold</strong>" in response.json()["description_html"]
    assert "<script>" not in response.json()["description_html"]


def test_join_open_and_approval_and_invitation(api):
    user = UserFactory()
    api.force_authenticate(user)
    open_one = CommunityFactory(slug="open", coordinator=UserFactory())
    approval = CommunityFactory(
        slug="approval", join_policy=JoinPolicy.APPROVAL, coordinator=UserFactory()
    )
    invitation = CommunityFactory(
        slug="invite", join_policy=JoinPolicy.INVITATION, coordinator=UserFactory()
    )
    assert api.post("/api/v1/communities/open/members/").json()["status"] == "active"
    response = api.post("/api/v1/communities/approval/members/", {"message": "hi"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    response = api.post("/api/v1/communities/invite/members/")
    assert response.status_code == 400
    assert "invitation only" in json.dumps(response.json())
    assert open_one and approval and invitation


def test_approve_by_coordinator_only(api, private, coordinator):
    pending = MembershipFactory(community=private, status=MembershipStatus.PENDING)
    url = f"/api/v1/communities/private-one/members/{pending.pk}/approve/"
    api.force_authenticate(make_member(private))
    assert api.post(url).status_code == 403
    api.force_authenticate(coordinator)
    response = api.post(url)
    assert response.status_code == 200 and response.json()["status"] == "active"


def test_leave_and_last_coordinator_guard(api, public, coordinator):
    member = make_member(public)
    api.force_authenticate(member)
    assert api.post("/api/v1/communities/public-one/leave/").json()["status"] == "left"
    api.force_authenticate(coordinator)
    response = api.post("/api/v1/communities/public-one/leave/")
    assert response.status_code == 400
    assert "last coordinator" in json.dumps(response.json())


def test_members_list_paginates_with_cursor(api, public):
    for _ in range(5):
        MembershipFactory(community=public)
    response = api.get("/api/v1/communities/public-one/members/", {"page_size": 2})
    body = response.json()
    assert len(body["results"]) == 2 and body["next"]
    second = api.get(body["next"]).json()
    assert {m["id"] for m in second["results"]}.isdisjoint({m["id"] for m in body["results"]})


@pytest.mark.parametrize("count", [1, 30])
def test_community_list_query_count_is_constant(api, django_assert_num_queries, count):
    for _ in range(count):
        CommunityFactory()
    with django_assert_num_queries(2):
        response = api.get("/api/v1/communities/")
    assert len(response.json()["results"]) == count


def test_schema_is_valid_openapi_and_served_as_json(client):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/communities/{slug}/" in schema["paths"]
    assert "/api/v1/communities/{community_slug}/members/{id}/approve/" in schema["paths"]


def test_docs_page_served_without_external_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr" not in response.content


def test_community_list_is_paged_by_name(api):
    for name in ["Zebra keepers", "Apiarists", "Mycologists"]:
        CommunityFactory(name=name)
    names = [c["name"] for c in api.get("/api/v1/communities/").json()["results"]]
    assert names == ["Apiarists", "Mycologists", "Zebra keepers"]


def test_created_community_answer_carries_every_field(api):
    api.force_authenticate(UserFactory())
    body = api.post(
        "/api/v1/communities/",
        {"name": "N", "slug": "n", "domain": "d", "visibility": "public", "join_policy": "open"},
        format="json",
    ).json()
    assert body["member_count"] == 1
    assert body["ics_url"].endswith("/c/n/meetings/calendar.ics")


@pytest.mark.parametrize("slug", ["new", "mine", "api"])
def test_reserved_addresses_are_refused_as_on_the_page(api, slug):
    api.force_authenticate(UserFactory())
    payload = {
        "name": "X",
        "slug": slug,
        "domain": "d",
        "visibility": "public",
        "join_policy": "open",
    }
    response = api.post("/api/v1/communities/", payload, format="json")
    assert response.status_code == 400
    assert "reserved" in response.json()["slug"][0]
    assert not Community.objects.filter(slug=slug).exists()


def test_coordinators_change_the_participation_settings(api, public, coordinator):
    api.force_authenticate(coordinator)
    url = "/api/v1/communities/public-one/"
    response = api.patch(
        url,
        {"active_threshold": 5, "core_threshold": 20, "reminder_offsets_hours": "1, 48,24"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["active_threshold"], body["core_threshold"]) == (5, 20)
    assert body["reminder_offsets_hours"] == "48,24,1"  # normalised as on the page
    public.refresh_from_db()
    assert public.core_threshold == 20


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"core_threshold": 3}, "core_threshold"),  # core must need more than active
        ({"level_window_days": 2}, "level_window_days"),
        ({"reminder_offsets_hours": "soon"}, "reminder_offsets_hours"),
        ({"tags": ["x" * 51]}, "tags"),
    ],
)
def test_bad_settings_are_400_with_the_pages_reasons(api, public, coordinator, changes, field):
    api.force_authenticate(coordinator)
    response = api.patch("/api/v1/communities/public-one/", changes, format="json")
    assert response.status_code == 400
    assert field in response.json()
    public.refresh_from_db()
    assert public.core_threshold == 25


def test_patch_keeps_what_it_leaves_out(api, public, coordinator):
    api.force_authenticate(coordinator)
    url = "/api/v1/communities/public-one/"
    api.patch(url, {"tags": ["On-call", "Deploys"]}, format="json")
    response = api.patch(url, {"purpose": "New purpose"}, format="json")
    assert sorted(response.json()["topics"]) == ["Deploys", "On-call"]
    assert response.json()["slug"] == "public-one"


def test_settings_can_be_given_when_starting_a_community(api):
    api.force_authenticate(UserFactory())
    payload = {
        "name": "Potters",
        "slug": "potters",
        "domain": "Stoneware.",
        "visibility": "public",
        "join_policy": "open",
        "active_threshold": 4,
        "core_threshold": 12,
    }
    response = api.post("/api/v1/communities/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert Community.objects.get(slug="potters").core_threshold == 12


def test_directory_search_matches_name_domain_and_topics(api, coordinator):
    CommunityFactory(name="Potters", slug="potters", domain="Stoneware", coordinator=coordinator)
    CommunityFactory(name="Knitters", slug="knitters", domain="Wool", coordinator=coordinator)
    tagged = CommunityFactory(name="Makers", slug="makers", domain="All", coordinator=coordinator)

    TagFactory(community=tagged, name="Stoneware glazes")
    found = api.get("/api/v1/communities/", {"search": "stoneware"}).json()["results"]
    assert [c["slug"] for c in found] == ["makers", "potters"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/communities/?search=a%00b",
        "/communities/?q=a%00b",
        "/api/v1/communities/public-one/members/?expertise=a%00b",
        "/c/public-one/members/?expertise=a%00b",
        "/c/public-one/knowledge/stories/?tag=a%00b",
        "/c/public-one/knowledge/problems/?tag=a%00b",
        "/c/public-one/knowledge/practices/?tag=a%00b&kind=a%00b",
    ],
)
def test_nul_bytes_in_search_words_are_no_server_error(client, public, url):
    """PostgreSQL refuses NUL in text: a search carrying one finds nothing instead."""
    assert client.get(url).status_code == 200
