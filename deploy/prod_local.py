"""`make prod-local`: Copse as in production, on this machine, until Ctrl-C.

HAProxy on PORT (8000) in front of three gunicorn web processes (PORT + 1, + 2 and + 3),
two Celery workers, one beat, a Redis of its own (PORT + 9),
PostgreSQL at DATABASE_URL (default: the local server, database `copse_prodlocal`,
created if missing), demo data, and email printed in the workers' logs (EMAIL_URL to
change it). A process that dies is started again after a second, as systemd would.
Logs are in .prod-local/logs/, one JSON line per record.
"""

import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

from deploy.stack import ROOT, Stack

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/copse_prodlocal"


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")


def main() -> int:
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("make prod-local needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    ensure_database(database_url)
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stack = Stack(
        database_url=database_url,
        run_dir=Path(ROOT / ".prod-local"),
        proxy_port=int(os.environ.get("PORT", "8000")),
        email_url=os.environ.get("EMAIL_URL", "consolemail://"),
        consecutive_ports=True,
        webs=3,
        workers=2,
        # One scheduler, as the layout has it; a second one started by mistake
        # would only stand by (cop.ops.beat, proved by tests/test_chaos.py).
        beats=1,
    )
    with stack:
        print("Migrating, loading demo data and collecting static files...")
        stack.prepare(seed_demo=True)
        stack.start()
        print(f"\nCopse is serving on {stack.url}/ (demo logins are listed in README.md)")
        for name, process in stack.processes.items():
            port = stack.ports.get(name)
            where = f" on 127.0.0.1:{port}" if port else ""
            print(f"  {name:<9} pid {process.pid}{where}")
        first_web = stack.web_url(stack.web_names()[0])
        print(f"  probes    {first_web}/livez  {first_web}/readyz  metrics {first_web}/metrics")
        print(f"  logs      {stack.logs}/")
        print("Ctrl-C stops everything.")
        stack.supervise()
        reported = 0
        while not stopping:
            for when, name, code in stack.restarts[reported:]:
                print(
                    f"{time.strftime('%H:%M:%S', time.localtime(when))} {name} exited "
                    f"({code}); started again"
                )
            reported = len(stack.restarts)
            time.sleep(0.5)
        print("Stopping...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
