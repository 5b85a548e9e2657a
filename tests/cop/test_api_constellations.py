"""The related-communities API: the same services and permissions as the pages."""

import pytest
from rest_framework.test import APIClient

from cop.enums import RelationStatus, Visibility
from cop.models import CommunityRelation
from cop.services import constellations
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ca, cb = UserFactory(), UserFactory()
    a = CommunityFactory(slug="sre", name="SRE", coordinator=ca)
    b = CommunityFactory(slug="incidents", name="Incidents", coordinator=cb)
    return {"ca": ca, "cb": cb, "a": a, "b": b}


def _as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_request_accept_list_and_end(world):
    response = _as(world["ca"]).post(
        "/api/v1/communities/sre/related/",
        {"community": "incidents", "message": "Hi"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["direction"] == "outgoing"
    assert body["community"]["slug"] == "incidents"
    pk = body["id"]

    incoming = _as(world["cb"]).get("/api/v1/communities/incidents/related/").json()["results"]
    assert [(r["id"], r["direction"]) for r in incoming] == [(pk, "incoming")]
    # a member of B sees no request, only effective relations
    member_b = make_member(world["b"])
    assert _as(member_b).get("/api/v1/communities/incidents/related/").json()["results"] == []

    accepted = _as(world["cb"]).post(f"/api/v1/communities/incidents/related/{pk}/acceptance/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    listed = _as(member_b).get("/api/v1/communities/incidents/related/").json()["results"]
    assert [r["community"]["slug"] for r in listed] == ["sre"]
    assert _as(None).get(f"/api/v1/communities/sre/related/{pk}/").json()["status"] == "active"

    assert _as(member_b).delete(f"/api/v1/communities/incidents/related/{pk}/").status_code == 403
    assert _as(world["ca"]).delete(f"/api/v1/communities/sre/related/{pk}/").status_code == 204
    assert CommunityRelation.objects.get(pk=pk).status == RelationStatus.ENDED


def test_refusal_and_who_may_answer(world):
    relation = constellations.request_relation(
        community=world["a"], other=world["b"], by=world["ca"]
    )
    url = f"/api/v1/communities/incidents/related/{relation.pk}/"
    # the asking side cannot accept its own request
    own = _as(world["ca"]).post(f"/api/v1/communities/sre/related/{relation.pk}/acceptance/")
    assert own.status_code == 403
    assert "asked community" in own.json()["detail"]
    assert _as(make_member(world["b"])).post(url + "refusal/").status_code == 403
    refused = _as(world["cb"]).post(url + "refusal/", {"reason": "Later"}, format="json")
    assert refused.status_code == 200
    assert refused.json()["status"] == "declined"
    again = _as(world["cb"]).post(url + "acceptance/")
    assert again.status_code == 403


def test_request_refusals_are_4xx_with_a_reason(world):
    client = _as(world["ca"])
    unknown = client.post("/api/v1/communities/sre/related/", {"community": "nope"}, format="json")
    assert unknown.status_code == 400
    itself = client.post("/api/v1/communities/sre/related/", {"community": "sre"}, format="json")
    assert itself.status_code == 400
    assert "itself" in str(itself.json())
    long = client.post(
        "/api/v1/communities/sre/related/",
        {"community": "incidents", "message": "x" * 1001},
        format="json",
    )
    assert long.status_code == 400
    member = _as(make_member(world["a"]))
    refused = member.post(
        "/api/v1/communities/sre/related/", {"community": "incidents"}, format="json"
    )
    assert refused.status_code == 403
    assert _as(None).post("/api/v1/communities/sre/related/", {}, format="json").status_code == 401


def test_private_communities_stay_private(world):
    coordinator_p = UserFactory()
    private = CommunityFactory(
        slug="hidden", visibility=Visibility.PRIVATE, coordinator=coordinator_p
    )
    # invisible to A's coordinator: asking it looks like an unknown community
    response = _as(world["ca"]).post(
        "/api/v1/communities/sre/related/", {"community": "hidden"}, format="json"
    )
    assert response.status_code == 400
    relation = constellations.request_relation(
        community=private, other=world["a"], by=coordinator_p
    )
    constellations.accept_relation(relation=relation, by=world["ca"])
    outsider = UserFactory()
    assert _as(outsider).get("/api/v1/communities/sre/related/").json()["results"] == []
    assert _as(outsider).get(f"/api/v1/communities/sre/related/{relation.pk}/").status_code == 404
    assert _as(outsider).get("/api/v1/communities/hidden/related/").status_code == 404
    # A's coordinator, a side of it, sees it
    listed = _as(world["ca"]).get("/api/v1/communities/sre/related/").json()["results"]
    assert [r["community"]["slug"] for r in listed] == ["hidden"]
