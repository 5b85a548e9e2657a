"""A backup restores whole: the drill of `make backup-check`, on a seeded database."""

import uuid

import psycopg
import pytest
from django.conf import settings as django_settings
from psycopg import sql

from deploy import backup

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(420)]


def _url(name: str) -> str:
    db = django_settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}/{name}"


@pytest.fixture(scope="module")
def seeded_database():
    """A fresh database named after the test database, migrated, with the demo data."""
    name = f"test_{django_settings.DATABASES['default']['NAME']}_backup_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        for command in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
            result = backup._manage(_url(name), *command)
            assert result.returncode == 0, result.stderr[-2000:]
        yield name
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _databases() -> set[str]:
    with psycopg.connect(_url("postgres")) as admin:
        return {row[0] for row in admin.execute("SELECT datname FROM pg_database")}


def test_a_backup_restores_every_row_and_serves(seeded_database):
    url = _url(seeded_database)
    rows = backup.table_rows(url)
    assert rows["cop_user"][0] >= 10 and rows["knowledge_problem"][0] > 0
    assert rows["django_migrations"][0] > 0

    assert backup.check(url) == []

    assert f"{seeded_database}_restore_check" not in _databases()  # the scratch copy is gone


def test_the_comparison_names_a_table_that_differs(seeded_database, tmp_path):
    url = _url(seeded_database)
    path = backup.dump(url, tmp_path / "copse.dump")
    copy = f"{seeded_database}_copy"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(copy)))
    try:
        backup.restore(path, _url(copy))
        with psycopg.connect(_url(copy), autocommit=True) as connection:
            connection.execute("UPDATE cop_user SET display_name = 'Changed after the backup'")
        before, after = backup.table_rows(url), backup.table_rows(_url(copy))
        differing = {table for table in before if before[table] != after[table]}
        assert differing == {"cop_user"}
        assert before["cop_user"][0] == after["cop_user"][0]
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
            )
