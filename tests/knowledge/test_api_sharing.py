"""The shared-practices API: the same selector and permissions as the pages; the copy
is read-only."""

import pytest
from rest_framework.test import APIClient

from cop.enums import Visibility
from cop.services import constellations
from knowledge import sharing
from knowledge.models import SharedPractice
from tests.factories import CommunityFactory, PracticeEntryFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    ca, cb = UserFactory(), UserFactory()
    a = CommunityFactory(slug="sre", name="SRE", coordinator=ca)
    b = CommunityFactory(slug="incidents", name="Incidents", coordinator=cb)
    relation = constellations.request_relation(community=a, other=b, by=ca)
    constellations.accept_relation(relation=relation, by=cb)
    entry = PracticeEntryFactory(community=a, title="Roll back first", body="**Roll back**")
    return {"ca": ca, "cb": cb, "a": a, "b": b, "entry": entry}


def test_share_list_read_and_unshare(world):
    entry = world["entry"]
    response = _as(world["ca"]).post(
        f"/api/v1/practices/{entry.pk}/shares/", {"community": "incidents"}, format="json"
    )
    assert response.status_code == 201, response.content
    share_id = response.json()["id"]

    listed = _as(None).get("/api/v1/communities/incidents/shared-practices/").json()["results"]
    assert [(r["id"], r["title"], r["source"]["slug"]) for r in listed] == [
        (share_id, "Roll back first", "sre")
    ]
    detail = _as(make_member(world["b"])).get(
        f"/api/v1/communities/incidents/shared-practices/{share_id}/"
    )
    assert detail.status_code == 200
    assert "<strong>Roll back</strong>" in detail.json()["body_html"]
    assert detail.json()["source_url"].endswith(entry.get_absolute_url())
    where = _as(None).get(f"/api/v1/practices/{entry.pk}/shares/").json()
    assert [w["community"] for w in where] == ["incidents"]

    deleted = _as(world["cb"]).delete(f"/api/v1/practices/{entry.pk}/shares/{share_id}/")
    assert deleted.status_code == 204
    assert _as(None).get("/api/v1/communities/incidents/shared-practices/").json()["results"] == []


def test_the_copy_is_read_only_in_the_api(world):
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    url = f"/api/v1/communities/incidents/shared-practices/{share.pk}/"
    coordinator_b = _as(world["cb"])
    for method in ("put", "patch", "delete", "post"):
        response = getattr(coordinator_b, method)(url, {"title": "Hijack"}, format="json")
        assert response.status_code == 405, method
    # the practice itself, at its source, is not B's to edit
    response = coordinator_b.patch(
        f"/api/v1/practices/{world['entry'].pk}/", {"title": "Hijack"}, format="json"
    )
    assert response.status_code == 403
    world["entry"].refresh_from_db()
    assert world["entry"].title == "Roll back first"


def test_share_refusals(world):
    entry = world["entry"]
    url = f"/api/v1/practices/{entry.pk}/shares/"
    assert _as(world["cb"]).post(url, {"community": "incidents"}, format="json").status_code == 403
    assert _as(None).post(url, {"community": "incidents"}, format="json").status_code == 401
    unrelated = CommunityFactory(slug="unrelated")
    refused = _as(world["ca"]).post(url, {"community": unrelated.slug}, format="json")
    assert refused.status_code == 400
    assert not SharedPractice.objects.exists()


def test_private_practice_is_refused_and_invisible_to_outsiders(world):
    cp = UserFactory()
    private = CommunityFactory(slug="private", visibility=Visibility.PRIVATE, coordinator=cp)
    relation = constellations.request_relation(community=private, other=world["b"], by=cp)
    constellations.accept_relation(relation=relation, by=world["cb"])
    secret = PracticeEntryFactory(community=private, title="Secret")
    refused = _as(cp).post(
        f"/api/v1/practices/{secret.pk}/shares/", {"community": "incidents"}, format="json"
    )
    assert refused.status_code == 400
    assert "private" in str(refused.json())
    assert _as(world["cb"]).get(f"/api/v1/practices/{secret.pk}/shares/").status_code == 404
