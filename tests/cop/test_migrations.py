import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cop.enums import MembershipStatus
from cop.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_migrations_apply_cleanly_on_postgres():
    assert connection.vendor == "postgresql"
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # Every migration of ours can be rendered to PostgreSQL SQL.
    for app_label, name in executor.loader.graph.leaf_nodes():
        if app_label in {"cop", "meetings", "knowledge", "mentoring"}:
            call_command("sqlmigrate", app_label, name, stdout=io.StringIO())


@pytest.mark.django_db
def test_backfill_gives_active_members_a_joining_time():

    migration = importlib.import_module("cop.migrations.0008_pol_backfill_joined_at")
    community = CommunityFactory()
    active = MembershipFactory(community=community, user=UserFactory())
    pending = MembershipFactory(
        community=community, user=UserFactory(), status=MembershipStatus.PENDING
    )
    Membership.objects.filter(pk__in=[active.pk, pending.pk]).update(joined_at=None)
    migration.backfill(apps, None)
    active.refresh_from_db()
    pending.refresh_from_db()
    assert active.joined_at == active.created_at
    assert pending.joined_at is None
