"""The schema declares what the API answers, and the API refuses what the schema refuses."""

import pytest
from rest_framework.test import APIClient

from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_schema):
    return api_schema


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_operation_declares_its_refusals_as_json(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for code in ("401", "403", "404", "429"):
            assert code in responses, f"{method} {path} lacks {code}"
            assert "application/json" in responses[code]["content"]
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), f"{method} {path}"
            assert set(operation["requestBody"]["content"]) == {"application/json"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_withdrawing_an_endorsement_is_documented_as_it_answers(schema):
    operation = schema["paths"]["/api/v1/practices/{id}/validate/"]["delete"]
    assert "200" in operation["responses"]


def test_slug_and_page_size_parameters_say_what_they_take(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/stories/"]["get"]["parameters"]}
    assert parameters["community"]["schema"]["pattern"] == "^[-a-zA-Z0-9_]*$"
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/communities/a/b/c/d/"])
def test_an_api_address_that_matches_nothing_answers_json(path):
    response = APIClient().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "201", "1.5", ""])
def test_a_page_size_outside_the_schema_is_a_400(value):
    CommunityFactory()
    response = APIClient().get("/api/v1/communities/", {"page_size": value})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_page_size_inside_the_schema_is_used():
    for _ in range(3):
        CommunityFactory()
    response = APIClient().get("/api/v1/communities/", {"page_size": "2"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(("value", "status"), [("maybe", 400), ("true", 200), ("0", 200)])
def test_a_boolean_filter_takes_booleans_only(value, status):
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/meetings/", {"mine": value}).status_code == status


def test_my_memberships_page_through_by_community_name():

    user = UserFactory()
    for name in ("Cedar", "Alder", "Birch"):
        MembershipFactory(user=user, community=CommunityFactory(name=name, slug=name.lower()))
    api = APIClient()
    api.force_authenticate(user)
    first = api.get("/api/v1/me/memberships/", {"page_size": 2})
    assert first.status_code == 200  # was a 500: the cursor could not read its position
    second = api.get(first.json()["next"])
    slugs = [m["community"] for m in first.json()["results"] + second.json()["results"]]
    assert slugs == ["alder", "birch", "cedar"]
