"""Release time in the browser: the demo coordinator files a claim from the meeting page; the office
approves it in the admin, exports it, records the employer's bill and marks it refunded. Axe on every page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import EmployerBill, Meeting, Network, ReleaseClaim
from tests import factories

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = ReleaseClaim.Status


def _claimable_meeting(network: Network) -> Meeting:
    oldest = timezone.now() - timedelta(days=network.branch.claim_max_age_days - 1)
    claimed = ReleaseClaim.objects.filter(
        kind=ReleaseClaim.Kind.PREPARATION, claimant=network.coordinator, status__in=ReleaseClaim.OPEN
    ).values("meeting_id")
    meeting = (
        network.meetings.filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD], starts_at__gte=oldest
        )
        .exclude(pk__in=claimed)
        .order_by("starts_at")
        .first()
    )
    return meeting or factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=2))


def test_office_approves_exports_bills_and_refunds_a_filed_claim(page, browser, live_server, demo):
    network = Network.objects.select_related("branch", "coordinator").get(name="TR-netværk Viborg Kommune")
    meeting = _claimable_meeting(network)

    # the coordinator files the claim from the meeting page
    login(page, live_server, "koordinator")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("link", name="Søg frikøb").click()
    assert_accessible(page)
    page.get_by_label("Timer til forberedelse").fill("1,5")
    page.get_by_label("Jeg har noteret fraværet", exact=False).check()
    page.get_by_role("button", name="Send til kredskontoret").click()
    expect(page.get_by_role("heading", name="Mine frikøb og kørsel")).to_be_visible()
    claim = ReleaseClaim.objects.select_related("employer").get(
        meeting=meeting, claimant=network.coordinator, status=Status.SUBMITTED
    )
    assert claim.employer is not None

    # the office: the queue, the claim, approve
    office_page = browser.new_context(accept_downloads=True).new_page()
    login(office_page, live_server, "kontor")
    office_page.goto(f"{live_server.url}/admin/circles/releaseclaim/")
    expect(office_page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(office_page)
    office_page.locator(f'#result_list a[href$="/circles/releaseclaim/{claim.pk}/change/"]').click()
    expect(office_page.get_by_role("button", name="Godkend kravet")).to_be_visible()
    assert_accessible(office_page)
    office_page.get_by_role("button", name="Godkend kravet").click()
    expect(office_page.get_by_text("Kravet er godkendt")).to_be_visible()
    assert_accessible(office_page)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.decided_by.username == "kontor"

    # the export for the bookkeeper (CSV for a Danish Excel)
    office_page.get_by_role("link", name="Eksportér til bogholderiet").click()
    expect(
        office_page.get_by_role("heading", name="Eksportér frikøb og kørsel til bogholderiet")
    ).to_be_visible()
    assert_accessible(office_page)
    day = claim.work_date
    office_page.get_by_label("Fra dato").fill(day.isoformat())
    office_page.get_by_label("Til dato").fill(day.isoformat())
    office_page.get_by_label("Krav").select_option("approved")
    office_page.get_by_label("Format").select_option("csv")
    with office_page.expect_download() as download_info:
        office_page.get_by_role("button", name="Hent fil").click()
    text = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    lines = [row for row in rows[1:] if not row[0].startswith("I alt")]
    assert [(row[0], row[2], row[7]) for row in lines] == [
        (claim.employer.name, network.coordinator.name, "1,50")
    ]

    # the employer's bill, with a Danish amount, against the approved claim
    office_page.goto(f"{live_server.url}/admin/circles/employerbill/add/?employer={claim.employer_id}")
    assert_accessible(office_page)
    office_page.locator("#id_employer").select_option(str(claim.employer_id))
    office_page.locator("#id_payroll_office").fill("Lønservice Viborg")
    office_page.locator("#id_invoice_number").fill("E2E-1")
    office_page.locator("#id_invoice_date").fill(timezone.localdate().isoformat())
    office_page.locator("#id_hours").fill("1,5")
    office_page.locator("#id_amount").fill("5x5")
    office_page.locator(f'input[name="claims"][value="{claim.pk}"]').check()
    office_page.get_by_role("button", name="Gem", exact=True).click()
    expect(office_page.get_by_text("Skriv kun tal")).to_be_visible()
    assert_accessible(office_page)
    assert (
        not EmployerBill.objects.exists() or not EmployerBill.objects.filter(invoice_number="E2E-1").exists()
    )
    office_page.locator("#id_amount").fill("525,00")
    office_page.locator(f'input[name="claims"][value="{claim.pk}"]').check()
    office_page.get_by_role("button", name="Gem", exact=True).click()
    expect(office_page.get_by_text("blev tilføjet", exact=False)).to_be_visible()
    assert_accessible(office_page)
    bill = EmployerBill.objects.get(invoice_number="E2E-1")
    assert bill.amount == Decimal("525.00") and bill.hours == Decimal("1.5")
    claim.refresh_from_db()
    assert claim.status == Status.BILLED and claim.bill == bill

    # the reconciliation page, then the refund
    office_page.goto(f"{live_server.url}/admin/circles/releaseclaim/afstemning/")
    expect(office_page.locator("#reconciliation")).to_be_visible()
    assert_accessible(office_page)
    office_page.goto(f"{live_server.url}/admin/circles/employerbill/{bill.pk}/change/")
    assert_accessible(office_page)
    office_page.get_by_role("button", name="Markér kravene som refunderet").click()
    expect(office_page.get_by_text("1 krav er markeret som refunderet")).to_be_visible()
    assert_accessible(office_page)
    claim.refresh_from_db()
    assert claim.status == Status.REFUNDED and claim.refunded_at is not None
