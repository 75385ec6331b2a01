import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests make many logins; the production hasher's million rounds are not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
