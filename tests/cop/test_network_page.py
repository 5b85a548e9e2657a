"""The site-wide network page: who may read it, what it shows, at a fixed query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import ParticipationKind, Stage, Visibility
from cop.models import Membership
from cop.services.participation import record_participation
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    ProblemFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _community(n: int, **fields):
    community = CommunityFactory(name=f"Network {n:03d}", **fields)
    member = make_member(community)
    record_participation(
        kind=ParticipationKind.TOLD_STORY,
        member=Membership.objects.get(user=member, community=community),
    )
    make_member(community)
    ProblemFactory(community=community, author=member)
    MeetingFactory(community=community)
    return community


def test_network_page_refuses_people_not_allowed(client):
    assert client.get(reverse("network")).status_code == 302  # to sign in
    client.force_login(UserFactory())
    response = client.get(reverse("network"))
    assert response.status_code == 403
    assert "site admin allows" in response.content.decode()


def test_network_link_only_for_allowed_viewers(client):
    client.force_login(UserFactory())
    assert reverse("network") not in client.get(reverse("community_list")).content.decode()
    client.force_login(UserFactory(network_viewer=True))
    assert reverse("network") in client.get(reverse("community_list")).content.decode()


def test_network_page_shows_figures_and_private_communities_by_name_only(client):
    public = _community(1, stage=Stage.ACTIVE)
    private = _community(2, visibility=Visibility.PRIVATE)
    client.force_login(UserFactory(network_viewer=True))

    page = client.get(reverse("network")).content.decode()

    assert public.name in page and private.name in page
    assert "Private" in page
    assert "1 open · 0% answered" in page
    assert ProblemFactory._meta.model.objects.filter(community=private).get().title not in page
    row = page[page.index(public.name) :]
    assert 'data-label="Members">2</td>' in row
    assert 'data-label="Active (30 days)">1</td>' in row


def test_network_page_filters_and_sorts(client):
    _community(1, stage=Stage.ACTIVE, domain="Databases")
    _community(2, stage=Stage.POTENTIAL, domain="Frontends")
    client.force_login(UserFactory(is_staff=True))

    page = client.get(reverse("network"), {"stage": "potential"}).content.decode()
    assert "Network 002" in page and "Network 001" not in page
    page = client.get(reverse("network"), {"q": "databases"}).content.decode()
    assert "Network 001" in page and "Network 002" not in page
    page = client.get(reverse("network"), {"sort": "newest"}).content.decode()
    assert page.index("Network 002") < page.index("Network 001")
    bad = client.get(reverse("network"), {"sort": "drop table", "stage": "x" * 500})
    assert bad.status_code == 200


def test_network_page_active_members_window(client, time_machine):
    community = _community(1)
    staff = UserFactory(is_staff=True)
    time_machine.move_to(timezone.now() + timedelta(days=31))
    client.force_login(staff)
    page = client.get(reverse("network")).content.decode()
    assert 'data-label="Active (30 days)">0</td>' in page[page.index(community.name) :]


def test_network_page_query_count_is_fixed(client, django_assert_num_queries):
    client.force_login(UserFactory(is_staff=True))
    _community(0)
    client.get(reverse("network"))  # warm up (first request records last-seen)
    # session, user, the communities with their counts, problems, next meetings (the
    # bell's count is kept since the warm-up)
    with django_assert_num_queries(5):
        client.get(reverse("network"))
    for n in range(1, 12):
        _community(n, visibility=Visibility.PRIVATE if n % 2 else Visibility.PUBLIC)
    with django_assert_num_queries(5):
        page = client.get(reverse("network"))
    assert page.content.decode().count("Network 0") == 12
