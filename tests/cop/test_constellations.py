"""Related communities: the services, the rules, the pages and the home section."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cop.enums import AuditAction, NotificationKind, RelationStatus, Role, Visibility
from cop.models import AuditEntry, CommunityRelation, Notification
from cop.permissions import allowed
from cop.selectors.network import are_related, related_communities, related_community_ids
from cop.services import constellations
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_a():
    return UserFactory(display_name="Ada Coordinator")


@pytest.fixture
def coordinator_b():
    return UserFactory(display_name="Bea Coordinator")


@pytest.fixture
def a(coordinator_a):
    return CommunityFactory(name="Site reliability", coordinator=coordinator_a)


@pytest.fixture
def b(coordinator_b):
    return CommunityFactory(name="Incident response", coordinator=coordinator_b)


def _related(a, b, by_a, by_b):
    relation = constellations.request_relation(community=a, other=b, by=by_a)
    return constellations.accept_relation(relation=relation, by=by_b)


# --- services ---------------------------------------------------------------------------


def test_request_relation_waits_for_the_other_side(a, b, coordinator_a, coordinator_b):
    relation = constellations.request_relation(
        community=a, other=b, by=coordinator_a, message="We share on-call practice."
    )

    assert relation.status == RelationStatus.REQUESTED
    assert not are_related(a.pk, b.pk)
    told = Notification.objects.get(recipient=coordinator_b, kind=NotificationKind.RELATION)
    assert "Site reliability" in told.title
    assert told.body == "We share on-call practice."
    assert set(
        AuditEntry.objects.filter(action=AuditAction.RELATION_REQUESTED).values_list(
            "community_id", flat=True
        )
    ) == {a.pk, b.pk}


def test_accept_relation_makes_it_effective_for_both(a, b, coordinator_a, coordinator_b):
    relation = _related(a, b, coordinator_a, coordinator_b)

    assert relation.status == RelationStatus.ACTIVE
    assert relation.answered_by == coordinator_b
    assert are_related(a.pk, b.pk) and are_related(b.pk, a.pk)
    assert related_community_ids(a.pk) == [b.pk]
    assert related_community_ids(b.pk) == [a.pk]
    assert Notification.objects.filter(
        recipient=coordinator_a, kind=NotificationKind.RELATION, title__contains="accepted"
    ).exists()


def test_request_relation_refuses_itself_and_a_second_live_request(
    a, b, coordinator_a, coordinator_b
):
    with pytest.raises(ValidationError):
        constellations.request_relation(community=a, other=a, by=coordinator_a)
    constellations.request_relation(community=a, other=b, by=coordinator_a)
    with pytest.raises(ValidationError):
        constellations.request_relation(community=a, other=b, by=coordinator_a)
    with pytest.raises(ValidationError, match="already related"):
        constellations.request_relation(community=b, other=a, by=coordinator_b)
    assert CommunityRelation.objects.count() == 1


def test_request_relation_refuses_a_too_long_message(a, b, coordinator_a):
    with pytest.raises(ValidationError, match="too long"):
        constellations.request_relation(community=a, other=b, by=coordinator_a, message="x" * 1001)
    assert not CommunityRelation.objects.exists()


def test_accept_relation_twice_is_refused(a, b, coordinator_a, coordinator_b):
    relation = _related(a, b, coordinator_a, coordinator_b)
    with pytest.raises(ValidationError, match="already been answered"):
        constellations.accept_relation(relation=relation, by=coordinator_b)


def test_decline_relation_tells_the_asking_side(a, b, coordinator_a, coordinator_b):
    relation = constellations.request_relation(community=a, other=b, by=coordinator_a)
    declined = constellations.decline_relation(
        relation=relation, by=coordinator_b, reason="Too far"
    )

    assert declined.status == RelationStatus.DECLINED
    told = Notification.objects.get(recipient=coordinator_a, kind=NotificationKind.RELATION)
    assert told.body == "Too far"
    # declined: a new request may be made
    constellations.request_relation(community=a, other=b, by=coordinator_a)


def test_end_relation_from_either_side(a, b, coordinator_a, coordinator_b):
    relation = _related(a, b, coordinator_a, coordinator_b)
    ended = constellations.end_relation(relation=relation, by=coordinator_b, side=b)

    assert ended.status == RelationStatus.ENDED
    assert ended.ended_by == coordinator_b
    assert not are_related(a.pk, b.pk)
    assert AuditEntry.objects.filter(action=AuditAction.RELATION_ENDED, community=a).exists()
    with pytest.raises(ValidationError, match="already ended"):
        constellations.end_relation(relation=relation, by=coordinator_a, side=a)


# --- rules ------------------------------------------------------------------------------


def test_rules_of_relations(a, b, coordinator_a, coordinator_b):
    member_b = make_member(b)
    relation = constellations.request_relation(community=a, other=b, by=coordinator_a)

    assert allowed(coordinator_a, "cop.request_relation", a)
    assert not allowed(member_b, "cop.request_relation", b)
    assert allowed(coordinator_b, "cop.answer_relation", relation)
    assert not allowed(coordinator_a, "cop.answer_relation", relation)  # the asking side
    assert not allowed(member_b, "cop.answer_relation", relation)
    assert allowed(coordinator_a, "cop.end_relation", relation)  # withdraw
    relation = constellations.accept_relation(relation=relation, by=coordinator_b)
    assert not allowed(coordinator_b, "cop.answer_relation", relation)
    assert allowed(coordinator_b, "cop.end_relation", relation)
    assert not allowed(member_b, "cop.end_relation", relation)


def test_view_network_is_for_staff_and_allowed_viewers():
    assert allowed(UserFactory(is_staff=True), "cop.view_network")
    assert allowed(UserFactory(network_viewer=True), "cop.view_network")
    assert not allowed(UserFactory(), "cop.view_network")
    assert not allowed(UserFactory(network_viewer=True, is_active=False), "cop.view_network")


# --- selectors: privacy -------------------------------------------------------------------


def test_related_private_community_is_named_only_to_its_members(a, coordinator_a):
    coordinator_p = UserFactory()
    private = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=coordinator_p)
    _related(a, private, coordinator_a, coordinator_p)
    outsider = UserFactory()

    assert related_communities(a, outsider) == []
    assert related_communities(a, coordinator_p) == [private]


# --- pages --------------------------------------------------------------------------------


def test_relations_page_journey(client, a, b, coordinator_a, coordinator_b):
    client.force_login(coordinator_a)
    page = client.get(reverse("community_relations", args=[a.slug]))
    assert page.status_code == 200
    assert "No related communities yet." in page.content.decode()

    response = client.post(
        reverse("community_relations", args=[a.slug]), {"community": b.pk, "message": "Hello"}
    )
    assert response.status_code == 302
    relation = CommunityRelation.objects.get()
    assert "Waiting for an answer" in client.get(response.url).content.decode()

    client.force_login(coordinator_b)
    page = client.get(reverse("community_relations", args=[b.slug])).content.decode()
    assert "Requests to answer" in page and "Site reliability" in page
    accept = reverse("relation_action", args=[b.slug, relation.pk, "accept"])
    assert "Relate Incident response to Site reliability?" in client.get(accept).content.decode()
    assert client.post(accept).status_code == 302
    relation.refresh_from_db()
    assert relation.status == RelationStatus.ACTIVE

    home = client.get(reverse("community_home", args=[b.slug])).content.decode()
    assert "Related communities" in home and "Site reliability" in home


def test_relations_page_refuses_members(client, a):
    member = make_member(a)
    client.force_login(member)
    response = client.get(reverse("community_relations", args=[a.slug]))
    assert response.status_code == 403
    assert "Only a coordinator" in response.content.decode()


def test_relation_action_refuses_the_asking_side_accepting(client, a, b, coordinator_a):
    relation = constellations.request_relation(community=a, other=b, by=coordinator_a)
    client.force_login(coordinator_a)
    response = client.post(reverse("relation_action", args=[a.slug, relation.pk, "accept"]))
    assert response.status_code == 403
    relation.refresh_from_db()
    assert relation.status == RelationStatus.REQUESTED


def test_relation_action_of_another_community_is_404(client, a, b, coordinator_a, coordinator_b):
    relation = constellations.request_relation(community=a, other=b, by=coordinator_a)
    third = CommunityFactory(coordinator=coordinator_b)
    client.force_login(coordinator_b)
    response = client.post(reverse("relation_action", args=[third.slug, relation.pk, "accept"]))
    assert response.status_code == 404


def test_decline_page_sends_the_reason(client, a, b, coordinator_a, coordinator_b):
    relation = constellations.request_relation(community=a, other=b, by=coordinator_a)
    client.force_login(coordinator_b)
    url = reverse("relation_action", args=[b.slug, relation.pk, "decline"])
    assert client.post(url, {"reason": "Not now"}).status_code == 302
    relation.refresh_from_db()
    assert relation.status == RelationStatus.DECLINED
    assert Notification.objects.get(recipient=coordinator_a).body == "Not now"


def test_home_section_empty_state_for_coordinators_only(client, a, coordinator_a):
    client.force_login(coordinator_a)
    assert "No related communities yet." in client.get(a.get_absolute_url()).content.decode()
    client.force_login(make_member(a))
    assert "Related communities" not in client.get(a.get_absolute_url()).content.decode()


def test_relations_page_query_count_is_fixed(client, django_assert_num_queries, a, coordinator_a):
    client.force_login(coordinator_a)
    url = reverse("community_relations", args=[a.slug])
    client.get(url)

    def relate_one():
        other_coordinator = UserFactory()
        other = CommunityFactory(coordinator=other_coordinator)
        _related(a, other, coordinator_a, other_coordinator)
        asking = CommunityFactory(coordinator=other_coordinator)
        constellations.request_relation(community=asking, other=a, by=other_coordinator)

    relate_one()
    with django_assert_num_queries(QUERIES):
        client.get(url)
    for _ in range(4):
        relate_one()
    with django_assert_num_queries(QUERIES):
        page = client.get(url)
    assert page.content.decode().count(">Accept<") == 5


# session, user, community, membership, live relations, past relations, candidates
# (visible ids, the choices), the bell
QUERIES = 9


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COORDINATOR])
def test_home_page_query_count_does_not_grow_with_relations(
    client, django_assert_max_num_queries, a, coordinator_a, role
):
    viewer = coordinator_a if role == Role.COORDINATOR else make_member(a)
    client.force_login(viewer)
    for _ in range(5):
        other_coordinator = UserFactory()
        _related(
            a, CommunityFactory(coordinator=other_coordinator), coordinator_a, other_coordinator
        )
    with django_assert_max_num_queries(40):
        page = client.get(a.get_absolute_url())
    assert page.content.decode().count("Community ") >= 5
