"""The member directory's kept rows and level counts (`cop.cache.members`): every
membership path makes the next read fresh, a coordinator's rows (with their forms) are
never kept, and a failing cache is only slower."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop import cache
from cop.enums import Level, MembershipStatus, Role, Visibility
from cop.models import Membership
from cop.services import communities
from cop.services.accounts import update_profile
from cop.services.directory import recount_sort_names
from cop.services.participation import recompute_level
from tests.factories import CommunityFactory, TagFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return UserFactory(display_name="Cora Coordinator")


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="sre", coordinator=coordinator)


@pytest.fixture
def viewer(client, community):
    user = make_member(community, display_name="Vera Viewer")
    client.force_login(user)
    return user


def _page(client, community, **query) -> str:
    response = client.get(reverse("community_members", args=[community.slug]), query)
    assert response.status_code == 200
    return response.content.decode()


def _warm(client, community, **query) -> str:
    _page(client, community, **query)
    return _page(client, community, **query)


def _membership(community, user) -> Membership:
    return Membership.objects.get(community=community, user=user)


def test_cold_then_warm_query_count(client, community, viewer, django_assert_num_queries):
    for _ in range(3):
        make_member(community)
    _page(client, community)  # records last-seen, keeps the header and the level counts
    # Cold for these rows: the members and their expertise (the bell's count is kept).
    with django_assert_num_queries(7):
        _page(client, community, level="newcomer")
    # Warm: neither the members nor their expertise.
    with django_assert_num_queries(5):
        html = _page(client, community, level="newcomer")
    assert html.count('class="badge') >= 1 and "Vera Viewer" in html


def test_joining_approval_leaving_removal_and_undo_show_at_once(client, community, viewer):
    coordinator = community.memberships.get(role=Role.COORDINATOR).user
    assert "Newcomer: 2" in _warm(client, community)
    joiner = UserFactory(display_name="Jo Joiner")
    communities.join_community(community=community, user=joiner)
    html = _page(client, community)
    assert "Jo Joiner" in html and "Newcomer: 3" in html
    communities.leave_community(membership=_membership(community, joiner))
    html = _page(client, community)
    assert "Jo Joiner" not in html and "Newcomer: 2" in html
    other = make_member(community, display_name="Ria Removed")
    assert "Ria Removed" in _warm(client, community)
    removed = communities.remove_member(membership=_membership(community, other), by=coordinator)
    assert "Ria Removed" not in _page(client, community)
    communities.undo_removal(membership=removed, by=coordinator)
    assert "Ria Removed" in _page(client, community)


def test_a_request_approved_shows_at_once(client, coordinator, viewer):
    closed = CommunityFactory(slug="closed", coordinator=coordinator, join_policy="approval")
    Membership.objects.create(community=closed, user=viewer, status=MembershipStatus.ACTIVE)
    asker = UserFactory(display_name="Asa Asker")
    pending = communities.join_community(community=closed, user=asker)
    assert pending.status == MembershipStatus.PENDING
    assert "Asa Asker" not in _warm(client, closed)
    communities.approve_request(membership=pending, by=coordinator)
    assert "Asa Asker" in _page(client, closed)


def test_level_role_expertise_and_names_show_at_once(client, community, coordinator, viewer):
    tag = TagFactory(community=community, name="Kubernetes")
    assert "Kubernetes</li>" not in _warm(client, community)
    mine = _membership(community, viewer)
    communities.update_membership_profile(membership=mine, introduction="", expertise=[tag])
    assert "Kubernetes</li>" in _page(client, community)
    assert recompute_level(membership=mine, now=timezone.now() + timedelta(days=400))
    html = _page(client, community)
    assert "Peripheral: 1" in html and "Newcomer: 1" in html
    communities.set_role(membership=mine, role=Role.COORDINATOR, by=coordinator)
    assert _page(client, community).count(">Coordinator</span>") == 2
    update_profile(user=viewer, display_name="Vera Renamed", timezone="UTC", bio="")
    assert "Vera Renamed" in _page(client, community)


def test_a_level_kept_unchanged_keeps_the_rows(client, community, viewer):
    _warm(client, community)
    version = cache.versions(cache.members(community.pk))
    assert not recompute_level(membership=_membership(community, viewer))  # still a newcomer
    assert cache.versions(cache.members(community.pk)) == version


def test_a_deleted_account_and_a_sort_name_repair_show_at_once(client, community, viewer):
    gone = make_member(community, display_name="Gus Gone")
    assert "Gus Gone" in _warm(client, community)
    gone.delete()
    assert "Gus Gone" not in _page(client, community)
    late = make_member(community, display_name="Aaron Early")
    Membership.objects.filter(user=late).update(sort_name="zzz")  # written past the services
    _warm(client, community)
    recount_sort_names(community)
    rows = _page(client, community).split("members-table")[1]
    assert rows.index("Aaron Early") < rows.index("Vera Viewer")


def test_a_coordinators_rows_are_never_kept(client, community, coordinator, viewer):
    _warm(client, community)  # a member's rows kept
    client.force_login(coordinator)
    html = _warm(client, community)
    assert "Make coordinator" in html and "csrfmiddlewaretoken" in html


def test_a_private_communitys_directory_stays_its_own(client, coordinator):
    secret = CommunityFactory(slug="vault", visibility=Visibility.PRIVATE, coordinator=coordinator)
    member = make_member(secret, display_name="Sid Secret")
    client.force_login(member)
    assert "Sid Secret" in _warm(client, secret)
    client.force_login(UserFactory())
    assert client.get(reverse("community_members", args=["vault"])).status_code == 404


def test_a_failing_cache_serves_fresh_pages(client, community, viewer, failing_cache):
    assert "Vera Viewer" in _page(client, community)
    communities.join_community(community=community, user=UserFactory(display_name="Nia New"))
    html = _page(client, community)
    assert "Nia New" in html and f"{Level.NEWCOMER.label}: 3" in html
