"""The AMR sign-up end to end in a browser: the public form → the confirmation mail (the link taken
from the mail as delivered) → confirm → the facilitating consultant logs in and accepts from the
queue → the welcome mail is in the outbox. axe on the public form, the confirmation page and the queue."""

import re

import pytest
from playwright.sync_api import expect

from circles.models import Branch, Mandate, Person, SignUp
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _delivered_link(mailoutbox, address: str) -> str:
    """The confirmation link as the applicant gets it: from the delivered message, else unsealed from
    the outbox row the way delivery does it."""
    for message in mailoutbox:
        if address in message.to[0]:
            return re.search(r"https?://\S+/tilmeld/bekraeft/\S+/", message.body).group(0)
    row = OutboundEmail.objects.get(template="circles/signup_confirm", to__contains=address)
    body = sealing.reveal(row.body_text, sealing.unseal(row.sealed_secrets))
    return re.search(r"https?://\S+/tilmeld/bekraeft/\S+/", body).group(0)


def test_an_amr_signs_up_confirms_and_the_consultant_accepts(page, live_server, demo, mailoutbox):
    branch = Branch.objects.get(name="Kreds Østjylland")

    page.goto(f"{live_server.url}/tilmeld/amr/{branch.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kreds Østjylland")
    expect(page.get_by_text("AMR-netværk Kommunegruppe Aarhus").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Navn").fill("Signe Sørensen")
    page.get_by_label("E-mail").fill("signe@example.org")
    page.get_by_label("Telefon").fill("+45 20 30 40 50")
    page.get_by_label("Arbejdsplads", exact=True).select_option(label="Bostedet Skovlyst")
    page.get_by_label("Kommune, du hører under").fill("Aarhus")
    page.get_by_label("AMR", exact=True).check()
    page.get_by_label("Jeg giver samtykke").check()
    page.wait_for_timeout(3200)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="Send tilmelding").click()
    expect(page.get_by_role("heading", name="Tjek din e-mail")).to_be_visible()
    signup = SignUp.objects.get(email="signe@example.org")
    assert signup.status == SignUp.Status.UNCONFIRMED
    assert not OutboundEmail.objects.filter(template="circles/signup_pending").exists()

    link = _delivered_link(mailoutbox, "signe@example.org")
    page.goto(
        link.replace("http://127.0.0.1:8000", live_server.url).replace("http://testserver", live_server.url)
    )
    assert_accessible(page)
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.UNCONFIRMED  # opening the link changes nothing
    page.get_by_role("button", name="Bekræft min tilmelding").click()
    expect(page.get_by_text("Din e-mail er bekræftet")).to_be_visible()
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING
    told = OutboundEmail.objects.get(template="circles/signup_pending")
    assert told.to.endswith("<konsulent@example.org>")

    login(page, live_server, "konsulent")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/tilmeldinger/")
    expect(page.get_by_role("heading", name="Signe Sørensen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Behandl tilmeldingen fra Signe Sørensen").click()
    assert_accessible(page)
    page.get_by_label("Medlemsnummer (til et nyt medlem)").fill("20077")
    page.get_by_role("button", name="Optag").click()
    expect(page.get_by_text("Signe Sørensen er optaget i AMR-netværk Kommunegruppe Aarhus.")).to_be_visible()

    person = Person.objects.get(email="signe@example.org")
    assert Mandate.objects.filter(person=person, role="amr", workplace__name="Bostedet Skovlyst").exists()
    welcome = OutboundEmail.objects.get(
        template="circles/welcome_representative", to__contains="signe@example.org"
    )
    assert "AMR-netværk Kommunegruppe Aarhus" in welcome.body_text
