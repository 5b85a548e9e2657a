"""Back up Copse and prove the backup restores: `make backup` and `make backup-check`.

Everything Copse must keep is in PostgreSQL: users, communities, the repertoire, the
email outbox and the beat schedule. Redis holds only what can be lost (the cache, the
queue, whose emails the outbox sweeper enqueues again, and the beat lock); the static
files are built by collectstatic; Copse stores no uploaded files (so no media storage to
back up). Keep SECRET_KEY with the backup: signed links (invitations, unsubscribe,
calendar feeds' tokens are in the database) and sessions need the same key.

    python -m deploy.backup dump [FILE]        pg_dump of DATABASE_URL (custom format)
    python -m deploy.backup restore FILE URL   into an empty database at URL
    python -m deploy.backup check              dump, restore into a scratch database,
                                               compare every table's rows, check the
                                               migrations and serve a page from it, drop it
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def dump(database_url: str, path: Path) -> Path:
    """A consistent snapshot (pg_dump runs in one transaction) in custom format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         "--file", str(path), database_url],
        check=True,
    )  # fmt: skip
    return path


def restore(path: Path, database_url: str) -> None:
    """Into an empty database; all or nothing."""
    subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--dbname", database_url, str(path)],
        check=True,
    )  # fmt: skip


def table_rows(database_url: str) -> dict[str, tuple[int, str]]:
    """Each table of the public schema: its row count and an md5 of its rows in order."""
    result = {}
    with psycopg.connect(database_url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                "FROM {} t"
            ).format(sql.Identifier(table))
            count, digest = connection.execute(query).fetchone()
            result[table] = (count, digest)
    return result


def _with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


def _manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DATABASE_URL=database_url, REDIS_URL="")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def check(database_url: str) -> list[str]:
    """Dump `database_url`, restore the dump into a scratch database beside it and
    compare. Returns the problems found (none: the backup restores whole)."""
    scratch = f"{urlparse(database_url).path.lstrip('/')}_restore_check"[:63]
    scratch_url = _with_database(database_url, scratch)
    problems = []
    with tempfile.TemporaryDirectory() as directory:
        path = dump(database_url, Path(directory) / "copse.dump")
        before = table_rows(database_url)
        with _admin(database_url) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(scratch)))  # fmt: skip
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            restore(path, scratch_url)
            after = table_rows(scratch_url)
            for table in sorted(set(before) | set(after)):
                if before.get(table) != after.get(table):
                    problems.append(
                        f"{table}: {before.get(table)} before, {after.get(table)} after"
                    )
            # One process: the migrations all applied, and the site served from the copy.
            served = _manage(
                scratch_url,
                "shell",
                "-c",
                "from django.db import connection; "
                "from django.db.migrations.executor import MigrationExecutor; "
                "from django.test import Client; "
                "e = MigrationExecutor(connection); "
                "print(len(e.migration_plan(e.loader.graph.leaf_nodes())), "
                "Client().get('/readyz').status_code, Client().get('/communities/').status_code)",
            )
            answer = served.stdout.split()[-3:] if served.returncode == 0 else []
            if answer[:1] != ["0"]:
                problems.append(
                    f"migrations missing from the copy: {answer or served.stderr[-2000:]}"
                )
            if answer[1:] != ["200", "200"]:
                problems.append(
                    f"the restored database does not serve: {answer or served.stderr[-2000:]}"
                )
        finally:
            with _admin(database_url) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(scratch)))  # fmt: skip
    return problems


def main(argv: list[str]) -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to the PostgreSQL database to back up.", file=sys.stderr)
        return 2
    command = argv[0] if argv else "check"
    if command == "dump":
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(argv[1]) if len(argv) > 1 else ROOT / "backups" / f"copse-{stamp}.dump"
        print(dump(database_url, path))
        return 0
    if command == "restore" and len(argv) == 3:
        restore(Path(argv[1]), argv[2])
        return 0
    if command == "check":
        problems = check(database_url)
        for problem in problems:
            print(problem, file=sys.stderr)
        tables = len(table_rows(database_url))
        print("backup check: " + ("FAILED" if problems else f"restored whole ({tables} tables)"))
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
