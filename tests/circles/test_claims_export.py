"""The bookkeeper's export: CSV for a Danish Excel and XLSX, parsed back and checked against the claims."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from circles.models import ReleaseClaim
from circles.services import claims_review as services
from tests import factories
from tests.circles.test_claims_review import make_claim

pytestmark = pytest.mark.django_db
Status = ReleaseClaim.Status
EXPORT = reverse("admin:circles_claims_export")


class DanishExcel(csv.Dialect):
    delimiter = ";"
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


def danish_decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


@pytest.fixture
def claims(branch, network, coordinator, office, other_branch, outsider):
    """Viborg: 2 h + 1,5 h (one billed); Skive: 1,25 h and a 40 km mileage claim at 152,40 kr.
    Not exported: a submitted claim, a rejected one, one outside the period, another branch's."""
    branch.release_hourly_rate = Decimal("350.00")
    branch.save()
    karen = coordinator.person
    viborg = factories.EmployerFactory(branch=branch, name="Viborg Kommune")
    skive = factories.EmployerFactory(branch=branch, name="Skive Kommune")
    approved = {"status": Status.APPROVED, "decided_by": office}
    day = date(2026, 3, 2)
    wanted = [
        make_claim(network, karen, employer=viborg, hours="2", work_date=day, **approved),
        make_claim(network, karen, employer=viborg, hours="1.5", work_date=date(2026, 3, 20), **approved),
        make_claim(network, karen, employer=skive, hours="1.25", work_date=day, **approved),
        make_claim(
            network,
            karen,
            employer=skive,
            kind=ReleaseClaim.Kind.MILEAGE,
            km=40,
            amount="152.40",
            work_date=day,
            **approved,
        ),
    ]
    services.bill_record(
        data=services.BillData(
            employer=viborg,
            invoice_number="V-77",
            invoice_date=day,
            amount=Decimal("700"),
            hours=Decimal("2"),
        ),
        claim_ids=[wanted[0].pk],
        by=office,
    )
    make_claim(network, karen, employer=viborg, work_date=day)
    make_claim(network, karen, employer=viborg, work_date=day, status=Status.REJECTED, decided_by=office)
    make_claim(network, karen, employer=viborg, work_date=date(2026, 5, 1), **approved)
    foreign_employer = factories.EmployerFactory(branch=other_branch, name="Aarhus Kommune")
    make_claim(
        factories.NetworkFactory(branch=other_branch),
        outsider.person,
        employer=foreign_employer,
        work_date=day,
        **approved,
    )
    return wanted


def _get(client, **params):
    query = {"start": "2026-01-01", "end": "2026-03-31", "which": "all", "format": "csv", **params}
    return client.get(EXPORT, query)


def test_csv_opens_in_a_danish_excel(client, office, claims):
    client.force_login(office)
    response = _get(client)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.csv"')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), dialect=DanishExcel))
    header = rows[0]
    assert header[:3] == ["Arbejdsgiver", "Lønkontor", "Medlem"] and "Beløb (kr.)" in header
    col = {name: index for index, name in enumerate(header)}
    lines = [row for row in rows[1:] if not row[0].startswith("I alt")]
    totals = {row[0]: row for row in rows[1:] if row[0].startswith("I alt")}
    assert [row[col["Arbejdsgiver"]] for row in lines] == ["Skive Kommune"] * 2 + ["Viborg Kommune"] * 2
    assert {row[col["Dato"]] for row in lines} == {"02.03.2026", "20.03.2026"}
    amounts = sorted(danish_decimal(row[col["Beløb (kr.)"]]) for row in lines)
    assert amounts == [Decimal("152.40"), Decimal("437.50"), Decimal("525.00"), Decimal("700.00")]
    assert any(row[col["Km"]] == "40" and row[col["Type"]] == "Kørsel" for row in lines)
    assert any(row[col["Fakturanummer"]] == "V-77" and row[col["Status"]] == "Faktureret" for row in lines)
    viborg_total = totals["I alt Viborg Kommune"]
    assert danish_decimal(viborg_total[col["Timer"]]) == Decimal("3.5")
    assert viborg_total[col["Beløb (kr.)"]] == "1.225,00"
    assert danish_decimal(totals["I alt Skive Kommune"][col["Beløb (kr.)"]]) == Decimal("589.90")
    assert "Aarhus Kommune" not in raw.decode("utf-8-sig")


def test_xlsx_has_real_numbers_dates_and_totals(client, office, claims):
    client.force_login(office)
    response = _get(client, format="xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    col = {name: index for index, name in enumerate(header)}
    body = [row for row in rows[2:] if row[0] and not str(row[0]).startswith("I alt")]
    totals = {row[0]: row for row in rows[2:] if row[0] and str(row[0]).startswith("I alt")}
    assert len(body) == 4
    assert all(hasattr(row[col["Dato"]], "year") for row in body)  # a real date
    assert {row[col["Dato"]].date() for row in body} == {date(2026, 3, 2), date(2026, 3, 20)}
    amounts = sorted(round(Decimal(str(row[col["Beløb (kr.)"]])), 2) for row in body)
    assert amounts == [Decimal("152.40"), Decimal("437.50"), Decimal("525.00"), Decimal("700.00")]
    assert isinstance(body[0][col["Beløb (kr.)"]], int | float)
    viborg = totals["I alt Viborg Kommune"]
    assert Decimal(str(viborg[col["Timer"]])) == Decimal("3.5")
    assert Decimal(str(viborg[col["Beløb (kr.)"]])) == Decimal("1225")
    assert Decimal(str(totals["I alt Skive Kommune"][col["Beløb (kr.)"]])) == Decimal("589.9")


def test_export_chooses_approved_or_billed(client, office, claims):
    client.force_login(office)
    approved = _get(client, which="approved").content.decode("utf-8-sig")
    assert "V-77" not in approved and approved.count("Godkendt") >= 3
    billed = _get(client, which="billed").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(billed), dialect=DanishExcel))
    assert [row[0] for row in rows[1:]] == ["Viborg Kommune", "I alt Viborg Kommune"]


def test_export_form_refuses_a_bad_period_and_keeps_another_branch_out(client, office, other_office, claims):
    client.force_login(office)
    page = client.get(EXPORT, {"start": "2026-04-01", "end": "2026-01-01", "which": "all", "format": "csv"})
    assert page.status_code == 200 and "før til-datoen" in page.content.decode()
    assert client.get(EXPORT, {"start": "x", "end": "9999-99-99"}).status_code == 200
    assert client.get(EXPORT).status_code == 200  # the empty form
    client.force_login(other_office)
    foreign = _get(client).content.decode("utf-8-sig")
    assert "Viborg Kommune" not in foreign and "Aarhus Kommune" in foreign


def test_consultant_cannot_export(client, consultant, claims):
    client.force_login(consultant)
    assert _get(client).status_code == 403
