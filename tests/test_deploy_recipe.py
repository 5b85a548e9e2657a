"""The container recipe (deploy/Containerfile, deploy/compose.yaml) read as an operator's
tools would read it. No container daemon is needed: the files are parsed and checked
for what README "Deploying" promises; the proxy configuration is checked by HAProxy
itself when it is installed."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.stack import render_compose_proxy_config

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def containerfile():
    return (DEPLOY / "Containerfile").read_text()


def _stages(text: str) -> list[str]:
    return re.findall(r"^FROM\s+\S+(?:\s+AS\s+(\S+))?", text, flags=re.MULTILINE)


def test_image_builds_in_two_stages_and_runs_as_an_unprivileged_user(containerfile):
    assert _stages(containerfile) == ["builder", "runtime"]
    builder, runtime = containerfile.split("FROM python:${PYTHON_VERSION}-slim AS runtime")
    assert "uv sync --locked --no-dev" in builder
    assert "manage.py collectstatic --noinput" in builder
    assert "COPY --from=builder" in runtime
    users = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "useradd --system --uid 10001" in runtime


def test_image_serves_gunicorn_with_workers_from_the_environment(containerfile):
    command = re.search(r"^CMD\s+(\[.*\])", containerfile, flags=re.MULTILINE).group(1)
    assert yaml.safe_load(command) == [
        "gunicorn",
        "cop.wsgi",
        "--config",
        "deploy/gunicorn.conf.py",
    ]
    gunicorn_conf = (DEPLOY / "gunicorn.conf.py").read_text()
    assert 'os.environ.get("WEB_CONCURRENCY"' in gunicorn_conf
    assert "WEB_BIND=0.0.0.0:8000" in containerfile
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:8000/healthz/live", containerfile)


def test_compose_runs_every_part_of_the_stack(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"}
    assert int(services["web"]["deploy"]["replicas"].strip("${}").split(":-")[1]) >= 2
    assert int(services["worker"]["deploy"]["replicas"].strip("${}").split(":-")[1]) >= 2
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"][:4] == ["celery", "-A", "cop", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "cop", "beat"]
    assert "command" not in services["web"]  # the image's gunicorn
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["proxy"]["image"].startswith("haproxy:")
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["build"]["dockerfile"] == "deploy/Containerfile"


def test_compose_migrates_before_any_new_code_starts(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_compose_web_finishes_requests_in_flight_on_stop(compose):
    grace = compose["services"]["web"]["stop_grace_period"]
    assert int(grace.rstrip("s")) > 20  # gunicorn's graceful_timeout


def test_compose_proxy_config_is_the_template_rendered():
    committed = (DEPLOY / "haproxy.compose.cfg").read_text()
    assert committed.endswith(render_compose_proxy_config())
    assert "server-template web- " in committed


@pytest.mark.skipif(not shutil.which("haproxy"), reason="HAProxy is not installed")
def test_compose_proxy_config_is_valid_for_haproxy():
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOY / "haproxy.compose.cfg")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
