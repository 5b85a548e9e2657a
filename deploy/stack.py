"""Copse as it runs in production, on this machine: HAProxy in front of several gunicorn
web processes, Celery workers, two beats (one leads, one stands by) and Redis, on a
PostgreSQL database. `make prod-local` runs it for a person; the chaos test
(tests/test_chaos.py) runs it to kill its parts one by one.

Each process runs in its own session (so a kill reaches its children: gunicorn's and
Celery's workers) and dies with the process that started it (PR_SET_PDEATHSIG), so
nothing outlives a stack whose owner was killed. `Stack.stop()` (also on leaving the
`with` block) stops every process: SIGTERM, proxy first and Redis last, then SIGKILL for
whatever still runs after 25 s.
"""

import contextlib
import ctypes
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import redis

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg.template"
PR_SET_PDEATHSIG = 1


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on: any the system offers, or one of STACK_PORTS
    (`first-last`) on a machine where only a range is ours."""
    wanted = os.environ.get("STACK_PORTS", "")
    if not wanted:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    first, last = (int(part) for part in wanted.split("-"))
    for port in range(first, last + 1):
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in STACK_PORTS={wanted}")


try:  # resolved here, not in the child: only a plain call runs between fork and exec
    _prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the process that started it dies."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def http_get(url: str, *, timeout: float = 5, headers: dict | None = None):
    """(status, headers, body) of a GET; status 0 when nothing answered. The headers are
    looked up without regard to case."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
    except (OSError, urllib.error.URLError, http.client.HTTPException):
        return 0, {}, b""


def render_proxy_config(
    *, bind: str, servers: str, maxconn: int, inter: str = "1s", scheme: str = "http"
) -> str:
    """deploy/haproxy.cfg.template with its blanks filled: `servers` is the end of the
    backend section (and may add sections after it, as the compose file's resolver);
    `maxconn` is what one web process serves at once (workers x threads)."""
    return Template(HAPROXY_TEMPLATE.read_text()).substitute(
        bind=bind, scheme=scheme, inter=inter, fall=3, rise=2, maxconn=maxconn, servers=servers
    )


# The compose file's proxy (deploy/haproxy.compose.cfg): up to COMPOSE_WEB_SLOTS web
# replicas found through the container DNS, re-resolved as replicas come and go.
COMPOSE_WEB_SLOTS = 10
COMPOSE_PROXY_SERVERS = f"""\
    server-template web- {COMPOSE_WEB_SLOTS} web:8000 check resolvers docker init-addr none

resolvers docker
    nameserver dns 127.0.0.11:53
    hold valid 5s
    hold obsolete 5s"""


def render_compose_proxy_config() -> str:
    # The compose file's web replicas: WEB_CONCURRENCY 2 x WEB_THREADS 4.
    return render_proxy_config(bind=":8000", inter="2s", maxconn=8, servers=COMPOSE_PROXY_SERVERS)


@dataclass
class Stack:
    """The processes of one Copse installation on this machine."""

    database_url: str
    run_dir: Path
    webs: int = 2
    web_workers: int = 2
    web_threads: int = 4
    workers: int = 2
    worker_concurrency: int = 2
    beats: int = 2
    proxy_port: int = 0
    # None: start a Redis of our own on a free port (which the chaos test may kill).
    redis_url: str | None = None
    email_url: str = "consolemail://"
    extra_env: dict = field(default_factory=dict)
    # Health checks of the proxy: every `check_interval`, out after 3 failures.
    check_interval: str = "1s"
    # Web processes on proxy_port + 1, + 2..., our Redis on proxy_port + 9 (else free ports).
    consecutive_ports: bool = False

    def __post_init__(self):
        self.run_dir = Path(self.run_dir)
        self.logs = self.run_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.proxy_port = self.proxy_port or free_port()
        base = self.proxy_port if self.consecutive_ports else None
        self.ports: dict[str, int] = {
            f"web-{i}": base + i if base else free_port() for i in range(1, self.webs + 1)
        }
        self.own_redis = self.redis_url is None
        if self.own_redis:
            self.ports["redis"] = base + 9 if base else free_port()
            self.redis_url = f"redis://127.0.0.1:{self.ports['redis']}/0"
        self.processes: dict[str, subprocess.Popen] = {}
        self.secret_key = secrets.token_urlsafe(50)
        # Processes stopped on purpose (`kill`), which the supervisor leaves down.
        self.down: set[str] = set()
        # (time, name, exit code) of every process the supervisor started again.
        self.restarts: list[tuple[float, str, int | None]] = []
        self._supervising = threading.Event()
        self._supervisor: threading.Thread | None = None

    # --- Configuration -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def env(self) -> dict[str, str]:
        """The environment of every Copse process: production settings, over plain HTTP
        on the loopback address."""
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST", "TEST_DATABASE", "CELERY_"))
        }
        origins = f"http://127.0.0.1:{self.proxy_port},http://localhost:{self.proxy_port}"
        return {
            **clean,
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": origins,
            "SITE_URL": self.url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "EMAIL_URL": self.email_url,
            # Plain HTTP here; behind a TLS proxy these stay at their production defaults.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "TRUSTED_PROXY_COUNT": "1",
            "ACCOUNT_EMAIL_VERIFICATION": "optional",
            "STATIC_ROOT": str(self.run_dir / "static"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.run_dir / "prometheus"),
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def commands(self) -> dict[str, list[str]]:
        python = sys.executable
        commands: dict[str, list[str]] = {}
        if self.own_redis:
            commands["redis"] = [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.ports["redis"]),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.run_dir),
            ]  # fmt: skip
        for i in range(1, self.webs + 1):
            commands[f"web-{i}"] = [
                python, "-m", "gunicorn", "cop.wsgi",
                "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{self.ports[f'web-{i}']}",
                "--workers", str(self.web_workers),
                "--threads", str(self.web_threads),
                "--name", f"copse-web-{i}",
                "--no-control-socket",
            ]  # fmt: skip
        for i in range(1, self.workers + 1):
            commands[f"worker-{i}"] = [
                python, "-m", "celery", "-A", "cop", "worker",
                "--hostname", f"worker-{i}@%h",
                "--concurrency", str(self.worker_concurrency),
                "--loglevel", "INFO",
                "--without-gossip", "--without-mingle",
            ]  # fmt: skip
        for i in range(1, self.beats + 1):
            commands[f"beat-{i}"] = [
                python, "-m", "celery", "-A", "cop", "beat", "--loglevel", "INFO",
            ]  # fmt: skip
        commands["proxy"] = [
            shutil.which("haproxy") or "haproxy",
            "-db",
            "-f",
            str(self.run_dir / "haproxy.cfg"),
        ]
        return commands

    def write_proxy_config(self) -> None:
        servers = "\n".join(
            f"    server {name} 127.0.0.1:{port} check"
            for name, port in self.ports.items()
            if name.startswith("web-")
        )
        text = render_proxy_config(
            bind=f"127.0.0.1:{self.proxy_port}",
            inter=self.check_interval,
            maxconn=self.web_workers * self.web_threads,
            servers=servers,
        )
        (self.run_dir / "haproxy.cfg").write_text(text)

    # --- Preparing the database ------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def prepare(self, *, seed_demo: bool = False) -> None:
        """Migrate the database and collect the static files, side by side."""
        env = self.env()
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            self.manage("migrate", "--noinput", "-v0")
            if seed_demo:
                self.manage("seed_demo")
            _, errors = collect.communicate(timeout=300)
        finally:
            if collect.poll() is None:
                collect.kill()
        if collect.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{errors[-3000:]}")

    # --- Processes -------------------------------------------------------------------------

    def start(self, *, wait: float = 90) -> None:
        """Start every process and wait until the proxy serves through every web process."""
        prometheus = self.run_dir / "prometheus"
        shutil.rmtree(prometheus, ignore_errors=True)
        prometheus.mkdir(parents=True)
        self.write_proxy_config()
        if self.own_redis:
            self.start_process("redis")
            self.wait_for(lambda: self.redis_ping(), timeout=20, what="Redis")
        for name in self.commands():
            if name != "redis":
                self.start_process(name)
        for name in self.web_names():
            self.wait_web_ready(name, timeout=wait)
        self.wait_for(
            lambda: http_get(f"{self.url}/readyz", timeout=2)[0] == 200,
            timeout=wait,
            what="the proxy",
        )

    def start_process(self, name: str) -> subprocess.Popen:
        """Start (or start again) one process by name."""
        old = self.processes.get(name)
        if old is not None and old.poll() is None:
            raise RuntimeError(f"{name} is still running")
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            self.commands()[name],
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        self.processes[name] = process
        self.down.discard(name)
        return process

    def supervise(self, *, delay: float = 1.0) -> None:
        """Start again, after `delay`, any process that exits without being told to, as
        systemd's Restart=always does in production (see deploy/systemd/)."""

        def watch():
            while not self._supervising.wait(0.5):
                for name, process in list(self.processes.items()):
                    if process.poll() is None or name in self.down:
                        continue
                    self.restarts.append((time.time(), name, process.returncode))
                    time.sleep(delay)
                    if not self._supervising.is_set() and name not in self.down:
                        self.start_process(name)

        self._supervising.clear()
        self._supervisor = threading.Thread(target=watch, name="stack-supervisor", daemon=True)
        self._supervisor.start()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to a process and all of its children, and wait for it to go. It
        stays down until `start_process` starts it again."""
        self.down.add(name)
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # Children that outlived their leader (a worker of a SIGKILLed master).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def running(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def stop(self, *, grace: float = 25) -> None:
        """Stop everything in the order a host's service manager would: the proxy first
        (no new requests), then web processes, workers and beats together (SIGTERM:
        requests and tasks in flight finish; gunicorn allows 20 s), Redis last, so
        that nothing loses it while shutting down. Whatever still runs after `grace`
        seconds is SIGKILLed."""
        self._supervising.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)
        self.down.update(self.processes)
        deadline = time.monotonic() + grace
        first = [name for name in self.processes if name == "proxy"]
        last = [name for name in self.processes if name == "redis"]
        middle = [name for name in self.processes if name not in first + last]
        for group in (first, middle, last):
            for name in group:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.processes[name].pid, signal.SIGTERM)
            for name in group:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.processes[name].wait(timeout=max(deadline - time.monotonic(), 0.1))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- Looking at it ---------------------------------------------------------------------

    def web_names(self) -> list[str]:
        return [name for name in self.ports if name.startswith("web-")]

    def beat_names(self) -> list[str]:
        return [f"beat-{i}" for i in range(1, self.beats + 1)]

    def web_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_web_ready(self, name: str, *, timeout: float = 60) -> None:
        self.wait_for(
            lambda: http_get(f"{self.web_url(name)}/readyz", timeout=2)[0] == 200,
            timeout=timeout,
            what=name,
        )

    def wait_for(self, condition, *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            for name, process in self.processes.items():
                if process.poll() is not None and name in what:
                    raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not ready after {timeout} s")
            time.sleep(0.25)

    def redis_ping(self) -> bool:
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def pids(self) -> list[int]:
        """Every process of the stack's sessions still alive (leaders and children)."""
        sessions = {process.pid for process in self.processes.values()}
        alive = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
                if state != "Z" and os.getsid(int(entry.name)) in sessions:
                    alive.append(int(entry.name))
            except (OSError, IndexError):
                continue
        return alive
