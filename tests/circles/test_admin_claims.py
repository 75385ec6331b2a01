"""The office's claims queue, decisions, bills and reconciliation page in the admin."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import EmployerBill, ReleaseClaim
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.circles.test_claims_review import make_claim

pytestmark = pytest.mark.django_db
Status = ReleaseClaim.Status
QUEUE = reverse("admin:circles_releaseclaim_changelist")
BILL_ADD = reverse("admin:circles_employerbill_add")
RECONCILIATION = reverse("admin:circles_claims_reconciliation")


@pytest.fixture
def karen(coordinator):
    return coordinator.person


@pytest.fixture
def employer(branch):
    return factories.EmployerFactory(branch=branch, name="Viborg Kommune")


def change_url(claim):
    return reverse("admin:circles_releaseclaim_change", args=[claim.pk])


def test_queue_opens_on_submitted_claims_and_highlights_attention(client, office, network, karen, employer):
    waiting = make_claim(network, karen, employer=employer, attention="Mødet er aflyst")
    decided = make_claim(network, karen, employer=employer, status=Status.APPROVED, decided_by=office)
    client.force_login(office)
    response = client.get(QUEUE)
    assert list(response.context["cl"].result_list) == [waiting]
    page = response.content.decode()
    assert "<mark" in page and "Mødet er aflyst" in page
    assert "Afstemning af regninger" in page and "Eksportér til bogholderiet" in page
    everything = client.get(QUEUE + "?status=alle")
    assert set(everything.context["cl"].result_list) == {waiting, decided}
    assert list(client.get(QUEUE + "?status=approved").context["cl"].result_list) == [decided]


def test_queue_filters_and_search(client, office, network, karen, employer, branch):
    skive = factories.EmployerFactory(branch=branch, name="Skive Kommune")
    viborg_claim = make_claim(network, karen, employer=employer)
    skive_claim = make_claim(network, karen, employer=skive, kind=ReleaseClaim.Kind.MENTOR_SESSION)
    client.force_login(office)
    assert list(client.get(QUEUE + f"?employer__id__exact={skive.pk}").context["cl"].result_list) == [
        skive_claim
    ]
    assert list(client.get(QUEUE + "?kind=mentor_session").context["cl"].result_list) == [skive_claim]
    assert set(client.get(QUEUE + "?q=Karen").context["cl"].result_list) == {viborg_claim, skive_claim}
    assert list(client.get(QUEUE + "?q=Ingenting").context["cl"].result_list) == []
    assert set(client.get(QUEUE + "?q=Viborg").context["cl"].result_list) == {
        viborg_claim,
        skive_claim,
    }  # network
    assert set(client.get(QUEUE + f"?network__id__exact={network.pk}").context["cl"].result_list) == {
        viborg_claim,
        skive_claim,
    }
    dated = client.get(QUEUE + "?work_date__gte=2000-01-01&work_date__lt=2000-02-01")
    assert list(dated.context["cl"].result_list) == []


def test_queue_queries_do_not_grow(client, office, network, karen, branch):
    client.force_login(office)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE + "?status=alle").status_code == 200
        return len(queries)

    make_claim(network, karen, employer=factories.EmployerFactory(branch=branch))
    small = measure()
    for _ in range(12):
        other = factories.NetworkFactory(branch=branch)
        make_claim(other, karen, employer=factories.EmployerFactory(branch=branch), attention="Aflyst")
    assert measure() == small


def test_office_approves_on_the_change_page(client, office, network, karen, employer):
    claim = make_claim(network, karen, employer=employer)
    client.force_login(office)
    page = client.get(change_url(claim)).content.decode()
    assert "Godkend kravet" in page and "Afvis med begrundelse" in page
    response = client.post(change_url(claim), {"_approve": "1"}, follow=True)
    assert "Kravet er godkendt" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.decided_by == office
    assert "Godkend kravet" not in client.get(change_url(claim)).content.decode()
    again = client.post(change_url(claim), {"_reject": "1", "reason": "for sent"}, follow=True)
    assert "allerede behandlet" in again.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_reject_needs_a_reason(client, office, network, karen):
    claim = make_claim(network, karen)
    client.force_login(office)
    response = client.post(change_url(claim), {"_reject": "1", "reason": ""}, follow=True)
    assert "Skriv en begrundelse" in response.content.decode()
    response = client.post(change_url(claim), {"_reject": "1", "reason": "x" * 1001}, follow=True)
    assert "højst være 1000 tegn" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.SUBMITTED
    client.post(change_url(claim), {"_reject": "1", "reason": "Ikke forberedelse"})
    claim.refresh_from_db()
    assert claim.status == Status.REJECTED and claim.reject_reason == "Ikke forberedelse"
    assert OutboundEmail.objects.filter(key=f"claim-decided:{claim.pk}:rejected").exists()


def test_the_claims_fields_cannot_be_edited(client, office, network, karen):
    claim = make_claim(network, karen, hours="1")
    client.force_login(office)
    client.post(change_url(claim), {"hours": "2", "status": "approved", "_save": "1"})
    claim.refresh_from_db()
    assert claim.hours == Decimal("1") and claim.status == Status.SUBMITTED


def test_bulk_approve_reports_the_ones_it_could_not(client, office, network, karen, branch):
    office_filer = factories.UserFactory(username="tr-paa-kontoret", branch=branch)
    mine = make_claim(network, karen)
    theirs = make_claim(network, karen)
    own = make_claim(network, karen, filed_by=office)
    client.force_login(office)
    response = client.post(
        QUEUE,
        {"action": "approve", "_selected_action": [mine.pk, theirs.pk, own.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 krav er godkendt" in page and "selv har indsendt" in page
    assert ReleaseClaim.objects.filter(status=Status.APPROVED).count() == 2
    assert office_filer  # a second login in the branch does not change the outcome


def test_another_branchs_office_gets_404_and_a_consultant_403(
    client, network, karen, other_office, consultant
):
    claim = make_claim(network, karen)
    client.force_login(other_office)
    assert client.get(change_url(claim)).status_code in (302, 404)
    assert list(client.get(QUEUE + "?status=alle").context["cl"].result_list) == []
    response = client.post(change_url(claim), {"_approve": "1"})
    assert response.status_code in (302, 404)
    claim.refresh_from_db()
    assert claim.status == Status.SUBMITTED
    client.force_login(consultant)
    assert client.get(QUEUE).status_code == 403
    assert client.get(RECONCILIATION).status_code == 403
    assert client.get(BILL_ADD).status_code == 403


# Bills --------------------------------------------------------------------------------------------


def _bill_post(employer, claims=(), amount="1.234,50", hours="3,5", number="F-100"):
    return {
        "employer": employer.pk,
        "payroll_office": "Lønservice Viborg",
        "invoice_number": number,
        "invoice_date": "2026-03-31",
        "hours": hours,
        "amount": amount,
        "claims": [claim.pk for claim in claims],
        "_save": "1",
    }


def test_record_a_bill_with_a_danish_amount_against_approved_claims(client, office, network, karen, employer):
    approved = [
        make_claim(network, karen, employer=employer, status=Status.APPROVED, decided_by=office)
        for _ in range(2)
    ]
    client.force_login(office)
    form = client.get(BILL_ADD + f"?employer={employer.pk}").content.decode()
    assert all(f'value="{claim.pk}"' in form for claim in approved)
    response = client.post(BILL_ADD, _bill_post(employer, approved))
    assert response.status_code == 302, response.content.decode()[:3000]
    bill = EmployerBill.objects.get()
    assert bill.amount == Decimal("1234.50") and bill.hours == Decimal("3.5") and bill.recorded_by == office
    assert bill.branch == employer.branch
    assert set(bill.claims.values_list("status", flat=True)) == {Status.BILLED}
    page = client.get(reverse("admin:circles_employerbill_change", args=[bill.pk])).content.decode()
    assert "Markér kravene som refunderet" in page
    client.post(reverse("admin:circles_employerbill_change", args=[bill.pk]), {"_refund": "1"})
    assert set(bill.claims.values_list("status", flat=True)) == {Status.REFUNDED}


@pytest.mark.parametrize(
    ("amount", "message"),
    [("12a,00", "Skriv kun tal"), ("-100", "uden minus"), ("1,2,3", "1.234,50"), ("", "påkrævet")],
)
def test_a_bad_amount_gets_a_danish_message(client, office, employer, amount, message):
    client.force_login(office)
    response = client.post(BILL_ADD, _bill_post(employer, amount=amount))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmployerBill.objects.exists()


def test_a_bill_refuses_claims_of_another_employer_or_branch_on_post(
    client, office, network, karen, employer, branch, other_branch, outsider
):
    skive = factories.EmployerFactory(branch=branch, name="Skive Kommune")
    skive_claim = make_claim(network, karen, employer=skive, status=Status.APPROVED, decided_by=office)
    foreign_network = factories.NetworkFactory(branch=other_branch)
    foreign_employer = factories.EmployerFactory(branch=other_branch)
    foreign = make_claim(
        foreign_network, outsider.person, employer=foreign_employer, status=Status.APPROVED, decided_by=office
    )
    client.force_login(office)
    response = client.post(BILL_ADD, _bill_post(employer, [skive_claim]))
    assert response.status_code == 200 and "gyldig valgmulighed" in response.content.decode()
    response = client.post(BILL_ADD, _bill_post(employer, [foreign]))
    assert response.status_code == 200 and "gyldig valgmulighed" in response.content.decode()
    response = client.post(BILL_ADD, _bill_post(foreign_employer))
    assert response.status_code == 200 and "gyldig valgmulighed" in response.content.decode()
    assert not EmployerBill.objects.exists()
    assert ReleaseClaim.objects.filter(status=Status.BILLED).count() == 0


def test_a_repeated_invoice_number_is_refused_on_the_form(client, office, employer):
    client.force_login(office)
    assert client.post(BILL_ADD, _bill_post(employer)).status_code == 302
    response = client.post(BILL_ADD, _bill_post(employer))
    assert response.status_code == 200 and "allerede en regning" in response.content.decode()
    assert EmployerBill.objects.count() == 1


def test_bulk_refund_action(client, office, network, karen, employer):
    claim = make_claim(network, karen, employer=employer, status=Status.APPROVED, decided_by=office)
    client.force_login(office)
    client.post(BILL_ADD, _bill_post(employer, [claim]))
    client.post(BILL_ADD, _bill_post(employer, number="TOM"))
    bills = list(EmployerBill.objects.order_by("pk"))
    response = client.post(
        reverse("admin:circles_employerbill_changelist"),
        {"action": "refund", "_selected_action": [bill.pk for bill in bills]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 krav er markeret som refunderet" in page and "dækker ingen krav" in page
    claim.refresh_from_db()
    assert claim.status == Status.REFUNDED


# Reconciliation page ------------------------------------------------------------------------------


def test_reconciliation_page_highlights_differences_and_stray_bills(
    client, office, network, karen, employer, branch
):
    claim = make_claim(
        network,
        karen,
        employer=employer,
        hours="2",
        work_date=date(2026, 2, 2),
        status=Status.APPROVED,
        decided_by=office,
    )
    client.force_login(office)
    client.post(BILL_ADD, _bill_post(employer, [claim], amount="600,00", hours="2"))
    stray_employer = factories.EmployerFactory(branch=branch, name="Holstebro Kommune")
    client.post(BILL_ADD, _bill_post(stray_employer, number="H-1"))
    response = client.get(RECONCILIATION + "?start=2026-01-01&end=2026-12-31")
    page = response.content.decode()
    row = response.context["result"].rows[0]
    assert row.expected == Decimal("700.00") and row.billed == Decimal("600.00")
    assert "afviger" in page and "-100,00" in page
    assert "H-1" in page and "Holstebro Kommune" in page


def test_reconciliation_page_refuses_a_bad_period(client, office):
    client.force_login(office)
    page = client.get(RECONCILIATION + "?start=2026-05-01&end=2026-01-01").content.decode()
    assert "før til-datoen" in page
    assert client.get(RECONCILIATION + "?start=abc&end=9999-99-99").status_code == 200


def test_reconciliation_page_queries_do_not_grow(client, office, network, karen, branch):
    client.force_login(office)
    today = timezone.localdate()

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(RECONCILIATION).status_code == 200
        return len(queries)

    make_claim(
        network,
        karen,
        employer=factories.EmployerFactory(branch=branch),
        status=Status.APPROVED,
        decided_by=office,
        work_date=today - timedelta(days=1),
    )
    small = measure()
    for index in range(5):
        employer = factories.EmployerFactory(branch=branch)
        claim = make_claim(
            network,
            karen,
            employer=employer,
            status=Status.APPROVED,
            decided_by=office,
            work_date=today - timedelta(days=1),
        )
        client.post(BILL_ADD, _bill_post(employer, [claim], number=f"R-{index}"))
        client.post(BILL_ADD, _bill_post(employer, number=f"S-{index}"))
    assert measure() == small


def test_a_superuser_picks_the_branch_to_reconcile(client, branch, network, karen, office):
    superuser = factories.UserFactory(username="chef", is_staff=True, is_superuser=True)
    make_claim(
        network,
        karen,
        employer=factories.EmployerFactory(branch=branch),
        status=Status.APPROVED,
        decided_by=office,
    )
    client.force_login(superuser)
    assert "Vælg en kreds" in client.get(RECONCILIATION).content.decode()
    year = timezone.localdate().year
    response = client.get(
        RECONCILIATION, {"start": f"{year}-01-01", "end": f"{year}-12-31", "branch": branch.pk}
    )
    assert len(response.context["result"].rows) == 1


def test_office_keeps_the_mileage_rates_of_its_own_branch(client, office, branch, other_branch):
    from circles.models import MileageRate

    client.force_login(office)
    url = reverse("admin:circles_mileagerate_add")
    data = {
        "branch": other_branch.pk,
        "year": 2026,
        "rate": "3.81",
        "threshold_km": 20000,
        "rate_above": "2.23",
    }
    assert client.post(url, data).status_code == 302
    rate = MileageRate.objects.get()
    assert rate.branch == branch  # never another branch's, whatever the POST says
    response = client.post(url, {**data, "year": 2027, "rate": "-1"})
    assert response.status_code == 200 and "over 0 og højst 50 kr" in response.content.decode()
    response = client.post(url, data)
    assert response.status_code == 200 and MileageRate.objects.count() == 1
