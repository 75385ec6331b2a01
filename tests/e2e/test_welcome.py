"""The welcome chain in the browser: the office registers a new TR in the admin; the coordinator follows
the mail's link to the new member's master data, sees "Tilbyd en mentor til …" on the next meeting and
marks it done. axe on each page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Branch, MentorPrompt, Network, Person
from netvaerk.outbox.models import OutboundEmail

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _paths(body: str) -> list[str]:
    return re.findall(r"https?://[^\s/]+(/[^\s]*)", body)


def _pick(page, box: str, search: str, option: str) -> None:
    page.get_by_role("combobox", name=box).click()
    page.locator(".select2-search__field").fill(search)
    page.get_by_role("option", name=option).click()


def test_office_registers_a_new_tr_and_the_coordinator_offers_a_mentor(page, live_server, demo):
    branch = Branch.objects.get(name="Kreds Midt- og Vestjylland")
    Person.objects.create(branch=branch, name="Oskar Olsen", email="oskar@example.org", member_number="10099")
    viborg = Network.objects.get(name="TR-netværk Viborg Kommune")

    login(page, live_server, "kontor")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/admin/circles/mandate/add/")
    assert_accessible(page)
    _pick(page, "Medlem", "Oskar", "Oskar Olsen")
    page.locator("#id_role").select_option("tr")
    _pick(page, "Arbejdsplads", "Hedebo", "Bostedet Hedebo")
    page.locator("#id_elected_on").fill(timezone.localdate().strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Gem", exact=True).click()
    expect(page.get_by_text("Oskar Olsen er sat i TR-netværk Viborg Kommune.")).to_be_visible()
    expect(page.get_by_text("Velkomstmail sendes til: Oskar Olsen, Karen Lykke Mortensen.")).to_be_visible()
    assert_accessible(page)

    mail = OutboundEmail.objects.get(template="circles/welcome_contact", body_text__contains="Oskar Olsen")
    assert mail.to.endswith(f"<{viborg.coordinator.email}>")
    person_path, meeting_path = _paths(mail.body_text)
    assert "oskar@example.org" not in mail.body_text

    page.context.clear_cookies()
    login(page, live_server, "koordinator")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}{person_path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oskar Olsen")
    expect(page.get_by_text("oskar@example.org")).to_be_visible()
    expect(page.get_by_text("Bostedet Hedebo")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}{meeting_path}")
    expect(page.get_by_text("Tilbyd en mentor til Oskar Olsen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Markér som klaret: Oskar Olsen").click()
    expect(page.get_by_text("Mentortilbuddet til Oskar Olsen er markeret som klaret.")).to_be_visible()
    expect(page.get_by_text("Tilbyd en mentor til Oskar Olsen")).to_have_count(0)
    prompt = MentorPrompt.objects.get(person__name="Oskar Olsen")
    assert prompt.done_at is not None and prompt.done_by.username == "koordinator"
