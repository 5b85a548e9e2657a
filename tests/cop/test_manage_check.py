"""DRF imports the classes named in its settings lazily, in whatever order the first
caller needs them; in a fresh process (`manage.py`'s system checks run in a set's
order) the pagination class may be first. A module named there must not import DRF's
views, which read the parser setting while they are imported: that cycle broke
`manage.py migrate` at random while every test passed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    "DEFAULT_PAGINATION_CLASS",
    "DEFAULT_PARSER_CLASSES",
    "DEFAULT_AUTHENTICATION_CLASSES",
    "DEFAULT_PERMISSION_CLASSES",
    "DEFAULT_THROTTLE_CLASSES",
    "EXCEPTION_HANDLER",
    "DEFAULT_SCHEMA_CLASS",
]


@pytest.mark.parametrize("setting", SETTINGS)
def test_each_api_setting_imports_first_in_a_fresh_process(setting):
    code = (
        "import django; django.setup(); "
        "from rest_framework.settings import api_settings; "
        f"getattr(api_settings, {setting!r})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cop.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
