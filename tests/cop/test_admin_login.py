"""The Django admin goes through the site's login: two-factor and rate limits apply."""

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def totp_superuser():
    user = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def _current_code(secret: str) -> str:

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_admin_login_page_does_not_take_a_password(client, totp_superuser):
    response = client.post(
        f"{ADMIN_LOGIN}?next=/admin/",
        {"username": totp_superuser.email, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_login_page_sends_to_the_site_login(client):
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_totp_superuser_cannot_reach_admin_with_password_alone(client, totp_superuser):
    response = client.post(
        reverse("account_login"),
        {"login": totp_superuser.email, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert client.get("/admin/").status_code == 302
    assert client.get(ADMIN_LOGIN)["Location"].startswith(reverse("account_login"))
    # With the second factor the admin opens.
    response = client.post(
        reverse("mfa_authenticate"), {"code": _current_code(totp_superuser.totp_secret)}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failed_logins_lock_out_the_admin_too(client, totp_superuser):
    totp_superuser.authenticator_set.all().delete()
    for _ in range(12):
        client.post(
            reverse("account_login"), {"login": totp_superuser.email, "password": "wrong-guess"}
        )
    response = client.post(
        reverse("account_login"), {"login": totp_superuser.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200  # refused: too many failed attempts
    assert "_auth_user_id" not in client.session
    client.post(ADMIN_LOGIN, {"username": totp_superuser.email, "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_logged_in_non_staff_is_refused_the_admin_login(client):
    client.force_login(UserFactory())
    assert client.get(ADMIN_LOGIN).status_code == 403
