import pytest
from django.core.exceptions import ValidationError

from cop.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_email_is_login_and_password_hashed():
    user = User.objects.create_user(email="Someone@Example.ORG", password="s3cret-enough")
    assert user.email == "Someone@example.org"
    assert user.check_password("s3cret-enough")
    assert user.password != "s3cret-enough"
    assert not user.is_staff


def test_create_superuser_is_staff():
    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    assert admin.is_staff and admin.is_superuser


def test_user_name_falls_back_to_email_local_part():
    assert UserFactory.build(display_name="", email="mira@example.org").name == "mira"
    assert UserFactory.build(display_name="Mira K").name == "Mira K"


def test_user_timezone_rejects_unknown_zone():
    user = UserFactory.build(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as info:
        user.full_clean(exclude=["password"])
    assert "timezone" in info.value.message_dict


def test_user_timezone_defaults_from_settings(settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/Lisbon"
    assert User(email="x@example.org").timezone == "Europe/Lisbon"
