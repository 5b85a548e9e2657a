"""The README's curl examples run as written, against a live server with the demo data."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from knowledge.models import Problem
from meetings.models import RSVP

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.django_db(transaction=True)


def _api_examples() -> str:
    text = README.read_text()
    section = text[text.index("## REST API") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_readme_curl_examples_run_as_written(live_server):
    call_command("seed_demo", verbosity=0)
    script = "set -euo pipefail\n" + _api_examples()
    result = subprocess.run(
        ["bash", "-c", script],
        env={**os.environ, "BASE": live_server.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert '"slug":"sre-guild"' in result.stdout.replace(" ", "")
    assert '"status":"pending"' in result.stdout.replace(" ", "")
    assert Problem.objects.filter(title="Rollbacks take an hour").exists()
    assert RSVP.objects.filter(user__email="ada@example.org", answer="going").exists()
