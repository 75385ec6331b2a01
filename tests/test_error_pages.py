"""With DEBUG off every error is answered in Danish, never Django's English defaults."""

import pytest
from django.test import Client


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "tests.error_urls"


def test_server_error_is_danish(production, db):
    response = Client(raise_request_exception=False).get("/test-broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Der opstod en fejl" in body
    assert "Server Error" not in body


def test_not_found_is_danish(production, db, member):
    client = Client()
    client.force_login(member)
    response = client.get("/netvaerk/999999/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


def test_csrf_failure_is_danish(production, db, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/accounts/password/change/", {"old_password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formularen er udløbet" in body
    assert "CSRF verification failed" not in body
