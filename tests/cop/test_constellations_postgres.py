"""The constellation services that lock rows, called as a view calls them: in
autocommit on PostgreSQL."""

import pytest

from cop.enums import RelationStatus
from cop.models import CommunityRelation
from cop.services import constellations
from tests.factories import CommunityFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sides():
    ca, cb = UserFactory(), UserFactory()
    return CommunityFactory(coordinator=ca), CommunityFactory(coordinator=cb), ca, cb


def test_accept_relation_in_autocommit(sides):
    a, b, ca, cb = sides
    relation = constellations.request_relation(community=a, other=b, by=ca)
    constellations.accept_relation(relation=relation, by=cb)
    assert CommunityRelation.objects.get(pk=relation.pk).status == RelationStatus.ACTIVE


def test_decline_relation_in_autocommit(sides):
    a, b, ca, cb = sides
    relation = constellations.request_relation(community=a, other=b, by=ca)
    constellations.decline_relation(relation=relation, by=cb, reason="No")
    assert CommunityRelation.objects.get(pk=relation.pk).status == RelationStatus.DECLINED


def test_end_relation_in_autocommit(sides):
    a, b, ca, cb = sides
    relation = constellations.request_relation(community=a, other=b, by=ca)
    constellations.accept_relation(relation=relation, by=cb)
    constellations.end_relation(relation=relation, by=ca, side=a)
    assert CommunityRelation.objects.get(pk=relation.pk).status == RelationStatus.ENDED


def test_one_live_relation_per_pair_whichever_side_asks(sides):
    """The database's unique index on the unordered pair holds even if the service's
    check is raced: a second live row for the pair cannot be written."""
    a, b, ca, cb = sides
    constellations.request_relation(community=a, other=b, by=ca)
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from the index
        CommunityRelation.objects.create(from_community=b, to_community=a, requested_by=cb)
