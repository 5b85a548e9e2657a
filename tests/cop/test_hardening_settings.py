"""Settings and addresses that were accepted and should not have been: a validation
threshold of 0, look-alike (homograph) email domains."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cop.models import Community, Invitation, User
from cop.services.communities import invite
from cop.text import normalise_email_domain
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "New Bie",
    "timezone": "Europe/Madrid",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}
# "pаypal.com" with a Cyrillic "а" (U+0430) among Latin letters.
HOMOGRAPH = "victim@p\u0430ypal.com"


@pytest.fixture
def coordinator():
    user = UserFactory()
    CommunityFactory(slug="ops", coordinator=user)
    return user


@pytest.mark.parametrize("value", [0, 101])
def test_validation_threshold_out_of_range_is_refused_by_the_api(coordinator, value):
    api = APIClient()
    api.force_authenticate(coordinator)
    response = api.patch("/api/v1/communities/ops/", {"validation_threshold": value}, format="json")
    assert response.status_code == 400
    assert "validation_threshold" in response.json()
    assert Community.objects.get(slug="ops").validation_threshold == 3


def test_validation_threshold_zero_is_refused_on_the_settings_page(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("community_edit", args=["ops"]))
    form = page.context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, (list, tuple))
    }
    data.update(tags="", validation_threshold=0)
    response = client.post(reverse("community_edit", args=["ops"]), data)
    assert response.status_code == 200
    assert "validation_threshold" in response.context["form"].errors
    assert Community.objects.get(slug="ops").validation_threshold == 3


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ada@Example.ORG", "ada@example.org"),
        ("ada@münchen.de", "ada@xn--mnchen-3ya.de"),
        ("ada@例え.jp", "ada@xn--r8jz45g.jp"),
        ("ada@\uff45xample.org", "ada@example.org"),  # full-width "e" folds (NFKC)
    ],
)
def test_international_domains_are_kept_in_ascii(email, expected):
    assert normalise_email_domain(email) == expected


@pytest.mark.parametrize(
    "email",
    [HOMOGRAPH, "a@g\u03bfogle.com", "a@\u0430pple.com", "a@" + "ü" * 70 + ".de"],
)
def test_mixed_script_or_invalid_domains_are_refused(email):
    with pytest.raises(ValidationError):
        normalise_email_domain(email)


def test_signup_with_a_homograph_domain_is_refused(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": HOMOGRAPH})
    assert response.status_code == 200
    assert "alphabets that look alike" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_an_international_domain_stores_its_ascii_form(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "ana@münchen.de"})
    assert response.status_code == 302
    assert User.objects.get().email == "ana@xn--mnchen-3ya.de"


def test_inviting_a_homograph_domain_is_refused(coordinator):
    community = Community.objects.get(slug="ops")
    with pytest.raises(ValidationError, match="look alike"):
        invite(community=community, by=coordinator, email=HOMOGRAPH)
    api = APIClient()
    api.force_authenticate(coordinator)
    response = api.post("/api/v1/communities/ops/invitations/", {"email": HOMOGRAPH}, format="json")
    assert response.status_code == 400
    assert not Invitation.objects.exists()
