"""The member directory's sort key: every service that creates a membership or changes a
name keeps `Membership.sort_name`, and the directory reads its order from it (on
PostgreSQL straight from the `membership_directory` index, no sort)."""

import importlib
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed
from django.apps import apps
from django.db import connection

from cop.enums import JoinPolicy, MembershipStatus, Role
from cop.models import Membership
from cop.selectors.communities import member_directory
from cop.services import accounts, communities
from cop.services.directory import recount_sort_names, refresh_sort_names, sort_name_of
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(community, **filters) -> list[str]:
    return [m.user.name for m in member_directory(community, **filters)]


def test_sort_name_is_the_shown_name_case_folded():
    assert sort_name_of(UserFactory.build(display_name="Émile Zola")) == "émile zola"
    assert sort_name_of(UserFactory.build(display_name="", email="Kim.Lee@example.org")) == (
        "kim.lee"
    )


def test_directory_lists_coordinators_first_then_names_regardless_of_case():
    founder = UserFactory(display_name="zoë")
    community = communities.create_community(
        creator=founder,
        name="Nurses",
        slug="nurses",
        domain="Care",
        visibility="public",
        join_policy=JoinPolicy.OPEN,
    )
    for name in ("bob", "Alice", "carol"):
        communities.join_community(community=community, user=UserFactory(display_name=name))
    assert _names(community) == ["zoë", "Alice", "bob", "carol"]
    assert community.memberships.get(user=founder).sort_name == "zoë"


def test_invited_and_approved_members_get_their_sort_name():
    community = CommunityFactory(join_policy=JoinPolicy.APPROVAL)
    asker = UserFactory(display_name="Pending Person")
    membership = communities.join_community(community=community, user=asker)
    assert membership.status == MembershipStatus.PENDING
    Membership.objects.filter(pk=membership.pk).update(sort_name="")  # e.g. an old row
    coordinator = MembershipFactory(community=community, role=Role.COORDINATOR).user
    communities.approve_request(membership=membership, by=coordinator)
    membership.refresh_from_db()
    assert membership.sort_name == "pending person"


def test_renaming_reorders_every_community_of_the_member():
    first, second = CommunityFactory(), CommunityFactory()
    mover = UserFactory(display_name="Aaron")
    for community in (first, second):
        MembershipFactory(community=community, user=mover)
        MembershipFactory(community=community, user=UserFactory(display_name="Mia"))
    assert _names(first, role=Role.MEMBER) == ["Aaron", "Mia"]

    accounts.update_profile(user=mover, display_name="Zed", timezone="UTC", bio="")

    assert set(Membership.objects.filter(user=mover).values_list("sort_name", flat=True)) == {"zed"}
    for community in (first, second):
        assert _names(community, role=Role.MEMBER) == ["Mia", "Zed"]


def test_a_new_primary_address_moves_a_member_listed_by_it():
    community = CommunityFactory()
    member = UserFactory(display_name="", email="aa@example.org")
    MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=UserFactory(display_name="mm"))
    address = EmailAddress.objects.create(user=member, email="zz@example.org", verified=True)
    address.set_as_primary()
    email_changed.send(
        sender=EmailAddress,
        request=None,
        user=member,
        from_email_address=None,
        to_email_address=address,
    )  # as allauth's "make primary" sends it
    assert _names(community, role=Role.MEMBER) == ["mm", "zz"]


def test_refresh_touches_only_rows_that_differ():
    member = UserFactory(display_name="Ann")
    MembershipFactory(user=member)
    MembershipFactory(user=member)
    assert refresh_sort_names(user=member) == 0
    Membership.objects.filter(user=member).update(sort_name="stale")
    assert refresh_sort_names(user=member) == 2


def test_recount_and_the_migration_fill_rows_written_without_the_services():
    community = CommunityFactory()
    member = UserFactory(display_name="Written Directly")
    Membership.objects.create(community=community, user=member)  # no sort name
    assert recount_sort_names(community) == 1
    assert Membership.objects.get(user=member).sort_name == "written directly"

    Membership.objects.update(sort_name="")
    migration = importlib.import_module("cop.migrations.0024_membership_sort_name")
    migration.fill_sort_names(apps, None)
    assert Membership.objects.get(user=member).sort_name == "written directly"
    assert recount_sort_names() == 0  # the migration's rule is the service's


@pytest.mark.postgres
@pytest.mark.parametrize("level", ["", "core"])
def test_directory_page_reads_its_index_in_order(level):
    community = CommunityFactory()
    for i in range(40):
        MembershipFactory(
            community=community,
            user=UserFactory(display_name=f"Member {i}"),
            level="core" if i % 4 == 0 else "active",
        )
    queryset = member_directory(community, level=level)[:50]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cop_membership")
        # Small test tables would be read whole and sorted; with those plans priced out, a
        # Sort left in the plan means no index serves the filter and order.
        for setting in (
            "enable_seqscan",
            "enable_bitmapscan",
            "enable_sort",
            "enable_incremental_sort",  # another index's order topped up by a sort
        ):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
    text = json.dumps(plan)
    assert '"Index Name": "membership_directory' in text, text
    assert '"Node Type": "Sort"' not in text, text
    assert '"Node Type": "Incremental Sort"' not in text, text
