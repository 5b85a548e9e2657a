import pytest

from cop.enums import Role
from tests.factories import CommunityFactory, MeetingFactory, UserFactory, make_member


@pytest.fixture
def host():
    return UserFactory(display_name="Hana Host", timezone="Europe/Berlin")


@pytest.fixture
def community(host):
    return CommunityFactory(coordinator=host, name="SRE Guild", slug="sre")


@pytest.fixture
def member(community):
    return make_member(community, display_name="Mo Member")


@pytest.fixture
def coordinator(community):
    return make_member(community, role=Role.COORDINATOR, display_name="Cora Coordinator")


@pytest.fixture
def meeting(community, host):
    return MeetingFactory(community=community, hosts=[host], title="Incident review")
