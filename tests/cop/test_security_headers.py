"""Content-Security-Policy and Permissions-Policy on every HTML response; the proxy's
HTTPS header trusted only when a setting says so."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


@pytest.mark.parametrize(
    "path",
    ["/", "/communities/", "/accounts/login/", "/accounts/signup/", "/no-such-page/", "/api/docs/"],
)
def test_every_html_page_has_the_policy(client, path):
    CommunityFactory(slug="sre")
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    policy = _directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_logged_in_pages_and_the_admin_have_the_policy(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    for path in ("/accounts/profile/", "/accounts/tokens/", "/admin/", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response["Content-Security-Policy"], path


def test_api_docs_have_no_inline_script_or_style(client):
    html = client.get("/api/docs/").content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


INLINE = re.compile(
    r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"",
    re.IGNORECASE,
)


def test_no_page_template_has_inline_script_style_or_handlers():
    """Page templates keep scripts and styles in static files (emails are not pages)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_social_login_providers_may_receive_the_login_form():
    assert "form-action 'self'" in settings.CONTENT_SECURITY_POLICY


def _setting(name: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    clean.pop("PROXY_SETS_X_FORWARDED_PROTO", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"from django.conf import settings; "
         f"print(repr(getattr(settings, {name!r}, None)))"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


def test_proxy_https_header_is_trusted_only_when_configured():
    assert _setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert _setting("SECURE_PROXY_SSL_HEADER", PROXY_SETS_X_FORWARDED_PROTO="true") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_a_client_cannot_claim_https_without_a_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/communities/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
