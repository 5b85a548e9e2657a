import pytest

from cop.enums import Role
from tests.factories import CommunityFactory, make_member


@pytest.fixture
def community():
    return CommunityFactory(name="Night Nurses", slug="night-nurses")


@pytest.fixture
def coordinator(community):
    return make_member(community, role=Role.COORDINATOR, display_name="Cora")


@pytest.fixture
def author(community):
    return make_member(community, display_name="Arlo")


@pytest.fixture
def member(community):
    return make_member(community, display_name="Mina")
