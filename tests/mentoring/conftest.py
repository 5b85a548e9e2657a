import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests create many users; a fast hasher keeps them quick (logins still work)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
