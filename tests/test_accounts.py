import re

import pytest
from django.urls import reverse

from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db


def _link(body):
    return re.search(r"http://[^/\s]+(/accounts/password/reset/[^\s\"<]+/)", body).group(1)


def test_login_page_is_danish(client):
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="da">' in content
    assert "Log ind" in content and "Adgangskode" in content and "Glemt din adgangskode?" in content


def test_login_and_logout(client, coordinator):
    response = client.post(reverse("login"), {"username": "koordinator", "password": "demo-pass-123"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert "Mine netværk" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_gives_a_danish_message(client, coordinator):
    response = client.post(reverse("login"), {"username": "koordinator", "password": "forkert"})
    assert response.status_code == 200
    assert "korrekt brugernavn og adgangskode" in response.content.decode()


def test_password_reset_goes_through_the_outbox(
    client, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    row = OutboundEmail.objects.get()
    assert row.template == "accounts/password_reset" and row.status == OutboundEmail.Status.SENT
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Vælg din adgangskode til Netværk"


def test_password_reset_for_an_unknown_address_records_nothing(client, db):
    client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert not OutboundEmail.objects.exists()


def test_reset_link_sets_a_password_once(client, coordinator):
    client.post(reverse("password_reset"), {"email": coordinator.email})
    link = _link(OutboundEmail.objects.get().body_text)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Fagforening-2026!", "new_password2": "Fagforening-2026!"}
    )
    assert response.status_code == 302
    assert client.login(username="koordinator", password="Fagforening-2026!")
    client.logout()
    again = client.get(link, follow=True)
    assert "Linket er ugyldigt" in again.content.decode()


def test_invitation_from_the_office_to_first_login(
    client, office, network, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory(branch=network.branch, name="Nina Ny", email="nina@example.org")
    factories.MembershipFactory(network=network, person=person)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:circles_person_changelist"),
            {"action": "send_invitation", "_selected_action": [person.pk]},
        )
    client.logout()
    mail = OutboundEmail.objects.get(template="circles/account_invitation")
    assert "Dit brugernavn er nina@example.org" in mail.body_text
    form_url = client.get(_link(mail.body_text), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Netvaerk-Nina-1", "new_password2": "Netvaerk-Nina-1"})
    assert client.login(username="nina@example.org", password="Netvaerk-Nina-1")
    home = client.get(reverse("home")).content.decode()
    assert "Mine netværk" in home and network.name in home


def test_an_english_browser_still_gets_danish(client, db):
    content = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Brugernavn" in content and "Username" not in content
