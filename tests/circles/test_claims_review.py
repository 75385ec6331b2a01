"""The office's decisions on claims, the employers' bills, refunds and the reconciliation."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import EmployerBill, ReleaseClaim
from circles.services import claims_review as services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db
Status = ReleaseClaim.Status


def make_claim(
    network,
    claimant,
    *,
    filed_by=None,
    hours="2",
    employer=None,
    work_date=None,
    status=Status.SUBMITTED,
    decided_by=None,
    bill=None,
    kind=ReleaseClaim.Kind.PREPARATION,
    km=None,
    amount=None,
    attention="",
):
    """A claim row as the coordinator's filing service leaves it (made directly: the office side's tests
    do not depend on the filing forms)."""
    work_date = work_date or timezone.localdate() - timedelta(days=3)
    meeting = None
    if kind == ReleaseClaim.Kind.PREPARATION:
        meeting = factories.MeetingFactory(
            network=network,
            starts_at=timezone.make_aware(timezone.datetime.combine(work_date, timezone.datetime.min.time()))
            + timedelta(hours=10),
        )
    mileage = kind == ReleaseClaim.Kind.MILEAGE
    claim = ReleaseClaim(
        branch=network.branch,
        kind=kind,
        claimant=claimant,
        filed_by=filed_by or claimant.user,
        network=network,
        meeting=meeting,
        reference="session-1" if kind == ReleaseClaim.Kind.MENTOR_SESSION else "",
        work_date=work_date,
        employer=employer,
        payroll_office="Lønkontoret" if employer else "",
        hours=None if mileage else Decimal(hours),
        hours_cap=None if mileage else network.branch.release_hours_cap,
        leave_noted=not mileage,
        km=km if mileage else None,
        route_from="Viborg" if mileage else "",
        route_to="Skive" if mileage else "",
        workplace_declined=mileage,
        # priced as the filing service prices it: hours at the branch's hourly rate
        amount=Decimal(amount)
        if amount is not None
        else (0 if mileage else Decimal(hours) * network.branch.release_hourly_rate),
        needs_attention=attention,
    )
    if status != Status.SUBMITTED:
        claim.status = status
        claim.decided_by = decided_by
        claim.decided_at = timezone.now()
        if status == Status.REJECTED:
            claim.reject_reason = "Ikke et netværksmøde"
        if status in (Status.BILLED, Status.REFUNDED):
            claim.bill = bill
        if status == Status.REFUNDED:
            claim.refunded_at, claim.refunded_by = timezone.now(), decided_by
    claim.save()
    return claim


@pytest.fixture
def karen(coordinator):
    return coordinator.person


@pytest.fixture
def employer(branch):
    return factories.EmployerFactory(branch=branch, name="Viborg Kommune")


# Decisions ----------------------------------------------------------------------------------------


def test_approve_records_who_and_when_and_mails_the_claimant(network, karen, office, employer):
    claim = make_claim(network, karen, employer=employer)
    services.claim_approve(claim_id=claim.pk, by=office)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.decided_by == office and claim.decided_at
    mail = OutboundEmail.objects.get(key=f"claim-decided:{claim.pk}:approved")
    assert karen.email in mail.to and "godkendt" in mail.subject
    assert reverse("circles:my_claims") in mail.body_text and reverse("circles:my_claims") in mail.body_html


def test_reject_needs_a_reason_of_at_most_1000_characters(network, karen, office):
    claim = make_claim(network, karen)
    with pytest.raises(ValidationError, match="Skriv en begrundelse"):
        services.claim_reject(claim_id=claim.pk, by=office, reason="   ")
    with pytest.raises(ValidationError, match="højst være 1000 tegn"):
        services.claim_reject(claim_id=claim.pk, by=office, reason="x" * 1001)
    claim.refresh_from_db()
    assert claim.status == Status.SUBMITTED and not OutboundEmail.objects.exists()
    services.claim_reject(claim_id=claim.pk, by=office, reason="Mødet var ikke et netværksmøde")
    claim.refresh_from_db()
    assert claim.status == Status.REJECTED and claim.reject_reason == "Mødet var ikke et netværksmøde"
    mail = OutboundEmail.objects.get(key=f"claim-decided:{claim.pk}:rejected")
    assert "Mødet var ikke et netværksmøde" in mail.body_text


def test_only_a_submitted_claim_is_decided(network, karen, office, other_branch):
    claim = make_claim(network, karen)
    services.claim_approve(claim_id=claim.pk, by=office)
    with pytest.raises(ValidationError, match="allerede behandlet"):
        services.claim_reject(claim_id=claim.pk, by=office, reason="Nej")
    with pytest.raises(ValidationError, match="allerede behandlet"):
        services.claim_approve(claim_id=claim.pk, by=office)
    withdrawn = make_claim(network, karen)
    ReleaseClaim.objects.filter(pk=withdrawn.pk).update(status=Status.WITHDRAWN)
    with pytest.raises(ValidationError, match="allerede behandlet"):
        services.claim_approve(claim_id=withdrawn.pk, by=office)
    assert OutboundEmail.objects.count() == 1


def test_the_decider_is_not_the_filer_nor_the_claimant(network, karen, branch):
    office_member = factories.UserFactory(username="kontor-tr", is_staff=True, branch=branch)
    claim = make_claim(network, karen, filed_by=office_member)
    with pytest.raises(ValidationError, match="selv har indsendt"):
        services.claim_approve(claim_id=claim.pk, by=office_member)
    with pytest.raises(ValidationError, match="selv har indsendt"):
        services.claim_approve(claim_id=claim.pk, by=karen.user)
    claim.refresh_from_db()
    assert claim.status == Status.SUBMITTED


def test_another_branchs_office_cannot_decide(network, karen, other_office):
    claim = make_claim(network, karen)
    with pytest.raises(ValidationError, match="anden kreds"):
        services.claim_approve(claim_id=claim.pk, by=other_office)


def test_the_database_refuses_a_decision_by_the_filer(network, karen):
    from django.db import IntegrityError, transaction

    claim = make_claim(network, karen)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseClaim.objects.filter(pk=claim.pk).update(
            status=Status.APPROVED, decided_by=karen.user, decided_at=timezone.now()
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_office_users_deciding_at_once_give_one_decision(branch, network, karen):
    from django.contrib.auth.models import Group

    from circles.roles import OFFICE

    first = factories.UserFactory(username="kontor1", is_staff=True, branch=branch)
    second = factories.UserFactory(username="kontor2", is_staff=True, branch=branch)
    for user in (first, second):
        user.groups.add(Group.objects.get(name=OFFICE))
    claim = make_claim(network, karen)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(action):
        try:
            barrier.wait(timeout=5)
            action()
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(lambda: services.claim_approve(claim_id=claim.pk, by=first),)),
        threading.Thread(
            target=decide, args=(lambda: services.claim_reject(claim_id=claim.pk, by=second, reason="Nej"),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["ok", "refused"]
    claim.refresh_from_db()
    assert claim.status in (Status.APPROVED, Status.REJECTED)
    assert OutboundEmail.objects.filter(key__startswith=f"claim-decided:{claim.pk}:").count() == 1


# Bills and refunds --------------------------------------------------------------------------------


def _bill_data(employer, number="F-1", amount="700", hours="2"):
    return services.BillData(
        employer=employer,
        invoice_number=number,
        invoice_date=timezone.localdate(),
        amount=Decimal(amount),
        hours=Decimal(hours) if hours is not None else None,
        payroll_office="Lønkontoret",
    )


def test_bill_record_bills_the_approved_claims_and_refund_marks_them(network, karen, office, employer):
    claims = [
        make_claim(network, karen, employer=employer, status=Status.APPROVED, decided_by=office)
        for _ in range(2)
    ]
    bill = services.bill_record(
        data=_bill_data(employer, hours="4", amount="1400"), claim_ids=[c.pk for c in claims], by=office
    )
    assert bill.branch == network.branch and bill.recorded_by == office
    assert set(bill.claims.values_list("status", flat=True)) == {Status.BILLED}
    assert services.claims_refund(bill_id=bill.pk, by=office) == 2
    assert set(bill.claims.values_list("status", flat=True)) == {Status.REFUNDED}
    assert all(bill.claims.values_list("refunded_at", flat=True))
    assert set(bill.claims.values_list("refunded_by", flat=True)) == {office.pk}
    with pytest.raises(ValidationError, match="allerede markeret som refunderet"):
        services.claims_refund(bill_id=bill.pk, by=office)


def test_bill_refuses_a_claim_that_is_not_approved_or_of_another_employer(
    network, karen, office, employer, branch
):
    submitted = make_claim(network, karen, employer=employer)
    other_employer = factories.EmployerFactory(branch=branch, name="Skive Kommune")
    elsewhere = make_claim(network, karen, employer=other_employer, status=Status.APPROVED, decided_by=office)
    with pytest.raises(ValidationError, match="ikke godkendt"):
        services.bill_record(data=_bill_data(employer), claim_ids=[submitted.pk], by=office)
    with pytest.raises(ValidationError, match="anden arbejdsgiver"):
        services.bill_record(data=_bill_data(employer), claim_ids=[elsewhere.pk], by=office)
    assert not EmployerBill.objects.exists()


def test_bill_refuses_a_negative_amount_a_repeated_invoice_and_another_branch(
    network, karen, office, employer, other_office
):
    with pytest.raises(ValidationError, match="negative"):
        services.bill_record(data=_bill_data(employer, amount="-1"), claim_ids=[], by=office)
    services.bill_record(data=_bill_data(employer, number="F-9"), claim_ids=[], by=office)
    with pytest.raises(ValidationError, match="allerede en regning"):
        services.bill_record(data=_bill_data(employer, number="F-9"), claim_ids=[], by=office)
    with pytest.raises(ValidationError, match="anden kreds"):
        services.bill_record(data=_bill_data(employer, number="F-10"), claim_ids=[], by=other_office)
    assert EmployerBill.objects.count() == 1


def test_a_bill_without_claims_cannot_be_refunded(office, employer):
    bill = services.bill_record(data=_bill_data(employer), claim_ids=[], by=office)
    with pytest.raises(ValidationError, match="dækker ingen krav"):
        services.claims_refund(bill_id=bill.pk, by=office)


def test_money_rounds_half_up_to_ore():
    assert services.money(Decimal("0.005")) == Decimal("0.01")
    assert services.money(Decimal("2.675")) == Decimal("2.68")
    assert services.money(Decimal("1.5") * Decimal("333.33")) == Decimal("500.00")  # 499.995


# Reconciliation: a worked example -----------------------------------------------------------------


def test_reconciliation_worked_example(branch, network, karen, office):
    """Rate 350 kr./h, first quarter of 2026.

    Viborg Kommune: 2 h + 1,5 h approved-and-billed, 2 h approved not yet billed = 5,5 h → 1.925,00 kr.
        Billed: one bill of 3,5 h, 1.225,00 kr. → difference −700,00 (the unbilled 2 h).
    Skive Kommune: 1,25 h refunded → 437,50 kr.; billed one bill 1,25 h 440,00 kr. → difference +2,50.
    Holstebro Kommune: a bill dated in the period that covers no claim (1.000,00 kr.) → listed apart.
    Outside the period, rejected and submitted claims and mileage do not count.
    """
    branch.release_hourly_rate = Decimal("350.00")
    branch.save()
    viborg = factories.EmployerFactory(branch=branch, name="Viborg Kommune")
    skive = factories.EmployerFactory(branch=branch, name="Skive Kommune")
    holstebro = factories.EmployerFactory(branch=branch, name="Holstebro Kommune")
    day = date(2026, 2, 10)
    approved = {"status": Status.APPROVED, "decided_by": office}
    a = make_claim(network, karen, employer=viborg, hours="2", work_date=day, **approved)
    b = make_claim(
        network, karen, employer=viborg, hours="1.5", work_date=day + timedelta(days=30), **approved
    )
    make_claim(network, karen, employer=viborg, hours="2", work_date=day + timedelta(days=40), **approved)
    c = make_claim(network, karen, employer=skive, hours="1.25", work_date=day, **approved)
    # not counted:
    make_claim(network, karen, employer=viborg, hours="2", work_date=date(2026, 4, 2), **approved)
    make_claim(
        network, karen, employer=viborg, hours="2", work_date=day, status=Status.REJECTED, decided_by=office
    )
    make_claim(network, karen, employer=viborg, hours="2", work_date=day)
    make_claim(
        network,
        karen,
        employer=viborg,
        kind=ReleaseClaim.Kind.MILEAGE,
        km=40,
        amount="152.40",
        work_date=day,
        **approved,
    )

    data = services.BillData(
        employer=viborg,
        invoice_number="V-1",
        invoice_date=date(2026, 3, 31),
        amount=Decimal("1225"),
        hours=Decimal("3.5"),
    )
    services.bill_record(data=data, claim_ids=[a.pk, b.pk], by=office)
    data = services.BillData(
        employer=skive,
        invoice_number="S-1",
        invoice_date=date(2026, 4, 20),
        amount=Decimal("440"),
        hours=Decimal("1.25"),
    )
    skive_bill = services.bill_record(data=data, claim_ids=[c.pk], by=office)
    services.claims_refund(bill_id=skive_bill.pk, by=office)
    data = services.BillData(
        employer=holstebro, invoice_number="H-7", invoice_date=date(2026, 3, 1), amount=Decimal("1000")
    )
    stray = services.bill_record(data=data, claim_ids=[], by=office)
    data = services.BillData(
        employer=holstebro, invoice_number="H-8", invoice_date=date(2026, 5, 1), amount=Decimal("1000")
    )
    services.bill_record(data=data, claim_ids=[], by=office)  # outside the period

    with CaptureQueriesContext(connection) as queries:
        result = services.reconcile(branch=branch, start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert len(queries) == 3
    rows = {row.employer: row for row in result.rows}
    assert set(rows) == {"Skive Kommune", "Viborg Kommune"}
    viborg_row = rows["Viborg Kommune"]
    assert (viborg_row.claims, viborg_row.hours, viborg_row.hours_unbilled) == (
        3,
        Decimal("5.5"),
        Decimal("2"),
    )
    assert viborg_row.expected == Decimal("1925.00")
    assert (viborg_row.bills, viborg_row.billed_hours, viborg_row.billed) == (
        1,
        Decimal("3.5"),
        Decimal("1225.00"),
    )
    assert viborg_row.difference == Decimal("-700.00") and not viborg_row.matches
    skive_row = rows["Skive Kommune"]
    assert (skive_row.expected, skive_row.billed, skive_row.difference) == (
        Decimal("437.50"),
        Decimal("440.00"),
        Decimal("2.50"),
    )
    assert skive_row.hours_difference == 0 and not skive_row.matches
    assert result.unmatched_bills == [stray]
    assert result.totals["difference"] == Decimal("-697.50")


def test_reconciliation_queries_do_not_grow(branch, network, karen, office):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            services.reconcile(branch=branch, start=date(2000, 1, 1), end=date(2099, 1, 1))
        return len(queries)

    employer = factories.EmployerFactory(branch=branch)
    make_claim(network, karen, employer=employer, status=Status.APPROVED, decided_by=office)
    small = measure()
    for index in range(6):
        other = factories.EmployerFactory(branch=branch)
        claim = make_claim(network, karen, employer=other, status=Status.APPROVED, decided_by=office)
        services.bill_record(data=_bill_data(other, number=f"N-{index}"), claim_ids=[claim.pk], by=office)
        services.bill_record(data=_bill_data(other, number=f"X-{index}"), claim_ids=[], by=office)
    assert measure() == small


def test_a_later_change_of_the_hourly_rate_rewrites_no_past_reconciliation(branch, network, karen, office):
    branch.release_hourly_rate = Decimal("350.00")
    branch.save()
    viborg = factories.EmployerFactory(branch=branch, name="Viborg Kommune")
    day = date(2026, 2, 10)
    make_claim(
        network, karen, employer=viborg, hours="2", work_date=day, status=Status.APPROVED, decided_by=office
    )
    branch.release_hourly_rate = Decimal("400.00")  # next year's rate, set in the admin
    branch.save()
    (row,) = services.reconcile(branch=branch, start=date(2026, 1, 1), end=date(2026, 3, 31)).rows
    assert row.expected == Decimal("700.00")
