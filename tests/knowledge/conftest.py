import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing a password per factory user dominates these tests; speed is all we need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
