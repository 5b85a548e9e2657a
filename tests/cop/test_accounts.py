import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cop.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "newbie@example.org",
    "display_name": "New Bie",
    "timezone": "Europe/Madrid",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_signup_creates_user_with_profile_and_sends_verification(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="newbie@example.org")
    assert (user.display_name, user.timezone) == ("New Bie", "Europe/Madrid")
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in _link(mail.outbox[0])
    assert not EmailAddress.objects.get(user=user).verified


def test_signup_with_mismatched_passwords_shows_error_and_keeps_input(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password2": "different-one"})
    assert response.status_code == 200
    assert b"newbie@example.org" in response.content
    assert response.context["form"].errors
    assert not User.objects.filter(email="newbie@example.org").exists()


def test_verification_link_verifies_email(client):
    client.post(reverse("account_signup"), SIGNUP)
    link = _link(mail.outbox[0])
    client.get(link)
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="newbie@example.org").verified


def test_mandatory_verification_blocks_login_until_verified(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(email="wait@example.org", verified=False)
    response = client.post(
        reverse("account_login"), {"login": "wait@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client):
    user = UserFactory(email="member@example.org")
    response = client.post(
        reverse("account_login"), {"login": "member@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_login_failures_are_rate_limited(client):
    UserFactory(email="target@example.org")
    pages = [
        client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong"}
        ).content
        for _ in range(6)
    ]
    # allauth allows five failures per account in five minutes, then refuses to try.
    assert not any(b"Too many failed login attempts" in page for page in pages[:5])
    assert b"Too many failed login attempts" in pages[5]
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": DEFAULT_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_password_reset_sends_link(client):
    UserFactory(email="forgetful@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in _link(mail.outbox[0])


def test_account_pages_use_site_layout(client):
    response = client.get(reverse("account_login"))
    assert b"copse.css" in response.content
    assert b"skip-link" in response.content


def test_mfa_page_available_to_logged_in_user(client):
    client.force_login(UserFactory())
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert b"Authenticator" in response.content


def test_signup_with_an_email_longer_than_254_characters_is_a_form_error(client):
    long_email = "a" * 247 + "@ex.org"  # 254 characters: the longest allowed
    too_long = "b" * 252 + "@ex.org"  # 259
    for _attempt in range(2):  # the second try used to hit the unique constraint
        response = client.post(reverse("account_signup"), {**SIGNUP, "email": too_long})
        assert response.status_code == 200
        assert "at most 254 characters" in response.content.decode()
    assert not User.objects.exists()
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": long_email})
    assert response.status_code == 302
    assert User.objects.get().email == long_email
