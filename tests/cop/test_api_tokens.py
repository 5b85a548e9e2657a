import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from rest_framework.test import APIClient

from cop.models import PersonalAccessToken
from cop.services.tokens import authenticate_token, create_token, hash_token, revoke_token
from tests.factories import DEFAULT_PASSWORD, CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_token_stores_only_a_hash():
    user = UserFactory()
    token, secret = create_token(user=user, name="bot")
    assert secret.startswith("cps_") and len(secret) > 40
    assert token.token_hash == hash_token(secret)
    assert secret not in str(PersonalAccessToken.objects.values_list().get(pk=token.pk))
    assert token.prefix == secret[:10]


def test_authenticate_token_and_revoke():
    user = UserFactory()
    token, secret = create_token(user=user, name="bot")
    assert authenticate_token(secret).user == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    revoke_token(token=token)
    assert authenticate_token(secret) is None
    assert authenticate_token("cps_not-a-token") is None
    assert authenticate_token("something-else") is None


def test_token_for_inactive_user_is_refused():
    user = UserFactory()
    _, secret = create_token(user=user, name="bot")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert authenticate_token(secret) is None


def test_api_accepts_bearer_token_and_rejects_revoked():
    user = UserFactory()
    community = CommunityFactory(coordinator=user)
    token, secret = create_token(user=user, name="bot")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.patch(
        f"/api/v1/communities/{community.slug}/", {"purpose": "By token"}, format="json"
    )
    assert response.status_code == 200
    revoke_token(token=token)
    response = api.get("/api/v1/communities/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_obtain_token_with_email_and_password():
    UserFactory(email="script@example.org")
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/",
        {"email": "script@example.org", "password": DEFAULT_PASSWORD, "name": "cron"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "cron" and body["token"].startswith("cps_")
    assert authenticate_token(body["token"]).user.email == "script@example.org"


def test_obtain_token_wrong_password_is_400_with_reason():
    UserFactory(email="script@example.org")
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": "script@example.org", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Email or password is wrong."


def test_obtain_token_refused_for_mfa_accounts():
    user = UserFactory(email="mfa@example.org")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"email": "mfa@example.org", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_token_settings_page_shows_secret_once_and_revokes(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("api_tokens"), {"name": "chat bot"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("api_tokens")  # reloading makes no other
    secret = response.context["new_secret"]
    assert secret.encode() in response.content
    page = client.get(reverse("api_tokens"))
    assert secret.encode() not in page.content
    assert b"chat bot" in page.content
    token = PersonalAccessToken.objects.get(user=user)
    client.post(reverse("api_tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert not token.is_active


def test_token_settings_cannot_revoke_someone_elses(client):
    other, _ = create_token(user=UserFactory(), name="theirs")
    client.force_login(UserFactory())
    response = client.post(reverse("api_tokens"), {"revoke": other.pk})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_token_settings_requires_a_name(client):
    client.force_login(UserFactory())
    response = client.post(reverse("api_tokens"), {"name": ""})
    assert response.context["form"].errors["name"]
    assert not PersonalAccessToken.objects.exists()
