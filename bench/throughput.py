"""Throughput over HTTP: gunicorn with 2 sync workers serving the problem list, a
problem's page and a one-query view, measured side by side in one run.

    DATABASE_URL=postgres://…/copse_bench_100k .venv/bin/python bench/throughput.py

Run it against a database seeded by `manage.py seed_scale` (bench/pages.py leaves
`copse_bench_10k` and `copse_bench_100k`). Each URL gets BENCH_HTTP_SECONDS (default
15) of load from BENCH_HTTP_CLIENTS (default 4) client threads, one connection per
request, as a member signed in; the report gives requests per second and each page's
share of the one-query view's. BENCH_HTTP_PORT picks the port (default: a free one).
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "4"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_cookie() -> tuple[str, int]:
    """A signed-in member's session (saved in the database) and a problem with replies."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from cop.models import User
    from knowledge.models import Problem

    client = Client()
    client.force_login(User.objects.get(email="scale-member@example.org"))
    problem = Problem.objects.filter(community__slug="scale-1", reply_count__gt=5).first()
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        problem.pk,
    )


def _load(port: int, path: str, cookie: str) -> float:
    done, errors = [0], [0]
    deadline = time.monotonic() + SECONDS

    def worker():
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    done[0] += 1
                else:
                    errors[0] += 1
            finally:
                connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors[0]:
        raise SystemExit(f"{path}: {errors[0]} responses were not 200")
    return done[0] / (time.monotonic() - started)


def main() -> None:
    cookie, problem = _session_cookie()
    port = int(os.environ.get("BENCH_HTTP_PORT", "0")) or _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "cop.wsgi:application",
            "--workers", "2",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        pages = {
            "one-query view": "/bench/one-query/",
            "problem list": "/c/scale-1/knowledge/problems/",
            "problem detail": f"/c/scale-1/knowledge/problems/{problem}/",
        }
        for path in pages.values():  # warm up every worker
            for _ in range(10):
                _load_once(port, path, cookie)
        rates = {name: _load(port, path, cookie) for name, path in pages.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    baseline = rates["one-query view"]
    print(f"{'page':<20}{'req/s':>10}{'of one-query':>15}")
    for name, rate in rates.items():
        print(f"{name:<20}{rate:>10.1f}{rate / baseline:>14.0%}")


def _load_once(port: int, path: str, cookie: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        connection.getresponse().read()
    finally:
        connection.close()


if __name__ == "__main__":
    main()
