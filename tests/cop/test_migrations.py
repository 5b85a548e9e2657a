import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


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
