"""/api/v1/auth/token/ shares the login form's failed-login accounting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cop.api.communities import TokenThrottle
from cop.models import PersonalAccessToken
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def _ask(client, email, password, **headers):
    return client.post(
        TOKEN_URL, {"email": email, "password": password}, format="json", headers=headers
    )


def test_new_forwarded_for_each_time_does_not_escape_the_limit():
    UserFactory(email="target@example.org")
    client = APIClient()
    statuses = [
        _ask(
            client, "target@example.org", f"guess-{n}", x_forwarded_for=f"198.51.100.{n}"
        ).status_code
        for n in range(12)
    ]
    assert statuses[0] == 400
    assert 429 in statuses
    # And the right password no longer gets a token.
    response = _ask(client, "target@example.org", DEFAULT_PASSWORD, x_forwarded_for="192.0.2.1")
    assert response.status_code == 429
    assert not PersonalAccessToken.objects.exists()


def test_many_accounts_from_one_address_hit_the_address_limit(settings):
    # The DRF throttle is lifted so that allauth's per-address count is what is tested.

    TokenThrottle.rate = "1000/minute"
    try:
        client = APIClient()
        statuses = [
            _ask(
                client, f"nobody{n}@example.org", "guess", x_forwarded_for=f"203.0.113.{n}"
            ).status_code
            for n in range(12)
        ]
    finally:
        TokenThrottle.rate = "10/minute"
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(email="target@example.org")
    client = APIClient()
    statuses = [
        _ask(
            client,
            "target@example.org",
            f"guess-{n}",
            x_forwarded_for=f"10.9.8.{n}, 203.0.113.7",
            REMOTE_ADDR="127.0.0.1",
        ).status_code
        for n in range(12)
    ]
    assert 429 in statuses
    # Another client behind the same proxy is not locked out of its own account.
    UserFactory(email="other@example.org")
    response = client.post(
        TOKEN_URL,
        {"email": "other@example.org", "password": DEFAULT_PASSWORD},
        format="json",
        headers={"x_forwarded_for": "198.51.100.20"},
    )
    assert response.status_code == 201


def test_account_locked_out_on_the_login_form_cannot_get_a_token(client):
    UserFactory(email="target@example.org")
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "nope"})
    locked = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": DEFAULT_PASSWORD}
    )
    assert locked.status_code == 200  # the form refuses the right password too
    response = _ask(APIClient(), "target@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.json()["detail"]
    assert not PersonalAccessToken.objects.exists()


def test_failed_token_requests_lock_the_login_form(client):
    UserFactory(email="target@example.org")
    api = APIClient()
    for n in range(5):
        assert _ask(api, "target@example.org", f"guess-{n}").status_code == 400
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_wipe_the_failures():
    UserFactory(email="target@example.org")
    api = APIClient()
    for n in range(4):
        _ask(api, "target@example.org", f"guess-{n}")
    assert _ask(api, "target@example.org", DEFAULT_PASSWORD).status_code == 201
    assert _ask(api, "target@example.org", "guess-5").status_code == 400
    assert _ask(api, "target@example.org", DEFAULT_PASSWORD).status_code == 429


def test_one_setting_sets_both_proxy_counts():
    root = Path(__file__).resolve().parents[2]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    code = (
        "from django.conf import settings; from rest_framework.settings import api_settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, api_settings.NUM_PROXIES)"
    )
    for value in ("0", "2"):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=root,
            env={**clean, "TRUSTED_PROXY_COUNT": value},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout.strip().splitlines()[-1].split() == [value, value], result.stderr
