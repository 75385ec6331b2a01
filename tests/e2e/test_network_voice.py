"""The networks' voice in a browser: the coordinator asks for supervision, the office answers in the
admin, and the consultant sends the leave letter to the AMRs' managers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import LeaveLetter, Mandate, Meeting, Network, SupervisionRequest, Workplace
from netvaerk.outbox.models import OutboundEmail
from tests import factories

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_asks_for_supervision_and_reads_the_answer(page, live_server, demo):
    network = Network.objects.get(name="TR-netværk Viborg Kommune")
    login(page, live_server, "koordinator")
    page.goto(f"{live_server.url}{network.get_absolute_url()}")
    page.get_by_role("link", name="Bed om supervision").click()
    expect(page.get_by_role("heading", name="Bed om supervision")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Send ønsket til kredskontoret").click()  # empty: a message, nothing sent
    expect(page.get_by_text("Skriv, hvad I gerne vil have supervision i.")).to_be_visible()
    assert_accessible(page)
    assert not SupervisionRequest.objects.exists()

    page.get_by_label("Hvad drejer det sig om?").fill("Hjælp til at få de nye TR'er med i drøftelserne")
    page.get_by_label("Foretrukne datoer").fill("Uge 12 eller 14")
    page.get_by_role("button", name="Send ønsket til kredskontoret").click()
    expect(page.get_by_text("Dit ønske om supervision er sendt til kredskontoret.")).to_be_visible()
    assert_accessible(page)
    request = SupervisionRequest.objects.get()
    assert OutboundEmail.objects.filter(template="circles/supervision_requested").count() == 1

    page.context.clear_cookies()
    login(page, live_server, "kontor")
    page.goto(f"{live_server.url}/admin/circles/supervisionrequest/{request.pk}/change/")
    page.get_by_label("Svar til koordinatoren").fill("Vi kommer til mødet den 12. marts.")
    page.get_by_role("button", name="Gem", exact=True).click()
    request.refresh_from_db()
    assert request.status == SupervisionRequest.Status.ANSWERED

    page.context.clear_cookies()
    login(page, live_server, "koordinator")
    page.goto(f"{live_server.url}/netvaerk/{network.pk}/supervision/")
    expect(page.get_by_text("Vi kommer til mødet den 12. marts.")).to_be_visible()
    assert_accessible(page)


def test_consultant_sends_the_leave_letter(page, live_server, demo):
    network = Network.objects.get(name="AMR-netværk Kommunegruppe Aarhus")
    year = timezone.localdate().year
    if not network.meetings.filter(starts_at__year=year).exclude(status=Meeting.Status.CANCELLED).exists():
        factories.MeetingFactory(network=network, starts_at=timezone.now() + timedelta(days=30))
    workplaces = Workplace.objects.filter(
        mandates__person__memberships__network=network, mandates__role=Mandate.Role.AMR
    ).distinct()
    with_manager = workplaces.first()
    Workplace.objects.update(manager_name="", manager_email="")  # the demo gives every workplace one
    Workplace.objects.filter(pk=with_manager.pk).update(
        manager_name="Lene Leder", manager_email="lene@example.org"
    )

    login(page, live_server, "konsulent")
    page.goto(f"{live_server.url}{network.get_absolute_url()}")
    page.get_by_role("link", name="Send brev om tjenestefrihed").click()
    expect(page.get_by_role("heading", name=f"Send brev om tjenestefrihed for {year}")).to_be_visible()
    expect(page.get_by_text("Kære leder")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send brevet til", exact=False).click()
    expect(page.get_by_text("Brevet er sendt til", exact=False)).to_be_visible()
    assert_accessible(page)
    sent = LeaveLetter.objects.filter(network=network, year=year)
    assert sent.exists() and set(sent.values_list("manager_email", flat=True)) == {"lene@example.org"}
    expect(page.get_by_role("button", name="Send brevet til", exact=False)).to_have_count(0)  # all sent
