"""The office's side of release time and mileage: decisions, employers' bills, refunds, reconciliation
and the bookkeeper's export.

Every status change locks the claim rows (``select_for_update``) and checks the status it expects, so
two office users deciding the same claim at the same moment give exactly one decision. Amounts are
Decimal and rounded to øre, half up. Release time is paid by the employer and billed to the branch;
what the office expects on a bill is the amount each approved claim was given when it was filed (its
hours at the branch's ``release_hourly_rate`` then), so a later change of rate rewrites no past year.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.services import enqueue

from ..models import Branch, Employer, EmployerBill, ReleaseClaim, User

Status = ReleaseClaim.Status
Kind = ReleaseClaim.Kind
REASON_MAX = 1000
ØRE = Decimal("0.01")
RECONCILED = (Status.APPROVED, Status.BILLED, Status.REFUNDED)
EXPORTABLE = (Status.APPROVED, Status.BILLED, Status.REFUNDED)


def money(value) -> Decimal:
    """Kroner rounded to øre, half up (as the bookkeeper rounds)."""
    return Decimal(value or 0).quantize(ØRE, rounding=ROUND_HALF_UP)


def claim_amount(claim: ReleaseClaim) -> Decimal:
    """What the claim costs the branch, as priced when it was filed (mileage by the rate table,
    release time by the hourly rate of the day)."""
    return money(claim.amount)


def claims_page_url() -> str:
    """The claimant's own claims page (``circles:my_claims``, built by the coordinator side)."""
    try:
        return reverse("circles:my_claims")
    except NoReverseMatch:  # the coordinator's pages are not there yet: the front page
        return reverse("home")


# Decisions ----------------------------------------------------------------------------------------


def _locked_claim(claim_id: int) -> ReleaseClaim:
    try:
        return (
            ReleaseClaim.objects.select_for_update(of=("self",))
            .select_related("claimant", "branch", "network", "meeting")
            .get(pk=claim_id)
        )
    except ReleaseClaim.DoesNotExist as error:
        raise ValidationError(_("Kravet findes ikke længere.")) from error


def _check_decidable(claim: ReleaseClaim, by: User) -> None:
    if claim.status != Status.SUBMITTED:
        raise ValidationError(
            _("Kravet er allerede behandlet (%(status)s). Kun indsendte krav kan godkendes eller afvises.")
            % {"status": claim.get_status_display().lower()}
        )
    if claim.filed_by_id == by.pk or (claim.claimant.user_id is not None and claim.claimant.user_id == by.pk):
        raise ValidationError(_("Du kan ikke behandle et krav, du selv har indsendt eller søger om."))
    if not by.is_superuser and claim.branch_id != by.branch_id:
        raise ValidationError(_("Kravet hører til en anden kreds."))


def _tell_claimant(claim: ReleaseClaim) -> None:
    person = claim.claimant
    enqueue(
        "circles/claim_decided",
        to=person.email,
        to_name=person.name,
        key=f"claim-decided:{claim.pk}:{claim.status}",
        context={
            "claim": claim,
            "person": person,
            "approved": claim.status == Status.APPROVED,
            "url": claims_page_url(),
        },
        branch=claim.branch,
    )


def _decide(claim: ReleaseClaim, by: User, status: str, reason: str = "") -> ReleaseClaim:
    claim.status = status
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.reject_reason = reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "reject_reason"])
    _tell_claimant(claim)
    return claim


@transaction.atomic
def claim_approve(*, claim_id: int, by: User) -> ReleaseClaim:
    claim = _locked_claim(claim_id)
    _check_decidable(claim, by)
    return _decide(claim, by, Status.APPROVED)


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Skriv en begrundelse for afvisningen."))
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("Begrundelsen må højst være %(max)d tegn (den er %(length)d).")
            % {"max": REASON_MAX, "length": len(reason)}
        )
    return reason


@transaction.atomic
def claim_reject(*, claim_id: int, by: User, reason: str) -> ReleaseClaim:
    reason = check_reason(reason)
    claim = _locked_claim(claim_id)
    _check_decidable(claim, by)
    return _decide(claim, by, Status.REJECTED, reason)


# Bills and refunds --------------------------------------------------------------------------------


@dataclass
class BillData:
    employer: Employer
    invoice_number: str
    invoice_date: date
    amount: Decimal
    hours: Decimal | None = None
    payroll_office: str = ""


def billable_claims(branch_id: int | None, employer_id: int | None = None):
    """Approved release-time claims waiting for an employer's bill (mileage is paid by the branch)."""
    queryset = ReleaseClaim.objects.filter(status=Status.APPROVED, kind__in=ReleaseClaim.HOUR_KINDS)
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    if employer_id is not None:
        queryset = queryset.filter(employer_id=employer_id)
    return queryset


@transaction.atomic
def bill_record(*, data: BillData, claim_ids: list[int], by: User) -> EmployerBill:
    """Record an employer's bill and mark the approved claims it covers as billed."""
    employer = data.employer
    if not by.is_superuser and employer.branch_id != by.branch_id:
        raise ValidationError(_("Arbejdsgiveren hører til en anden kreds."))
    if data.amount is None or data.amount < 0 or (data.hours is not None and data.hours < 0):
        raise ValidationError(_("Beløb og timer kan ikke være negative."))
    invoice_number = (data.invoice_number or "").strip()
    if not invoice_number:
        raise ValidationError(_("Skriv regningens fakturanummer."))
    ids = sorted(set(claim_ids))
    claims = list(ReleaseClaim.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(claims) != len(ids):
        raise ValidationError(_("Et af de valgte krav findes ikke længere."))
    for claim in claims:
        if claim.branch_id != employer.branch_id or claim.employer_id != employer.pk:
            raise ValidationError(_("Kravet %(claim)s gælder en anden arbejdsgiver.") % {"claim": claim})
        if claim.status != Status.APPROVED or claim.kind not in ReleaseClaim.HOUR_KINDS:
            raise ValidationError(
                _("Kravet %(claim)s er ikke godkendt frikøb, der venter på en regning (status: %(status)s).")
                % {"claim": claim, "status": claim.get_status_display().lower()}
            )
    if EmployerBill.objects.filter(employer=employer, invoice_number=invoice_number).exists():
        raise ValidationError(_("Arbejdsgiveren har allerede en regning med det fakturanummer."))
    try:
        with transaction.atomic():
            bill = EmployerBill.objects.create(
                branch_id=employer.branch_id,
                employer=employer,
                payroll_office=data.payroll_office.strip(),
                invoice_number=invoice_number,
                invoice_date=data.invoice_date,
                hours=data.hours,
                amount=money(data.amount),
                recorded_by=by,
            )
    except IntegrityError as error:  # the same invoice recorded at the same moment by someone else
        raise ValidationError(_("Arbejdsgiveren har allerede en regning med det fakturanummer.")) from error
    ReleaseClaim.objects.filter(pk__in=ids).update(status=Status.BILLED, bill=bill)
    return bill


@transaction.atomic
def claims_refund(*, bill_id: int, by: User) -> int:
    """Mark the bill's billed claims refunded (the branch has paid the employer). Returns how many."""
    try:
        bill = EmployerBill.objects.select_for_update().get(pk=bill_id)
    except EmployerBill.DoesNotExist as error:
        raise ValidationError(_("Regningen findes ikke længere.")) from error
    if not by.is_superuser and bill.branch_id != by.branch_id:
        raise ValidationError(_("Regningen hører til en anden kreds."))
    claims = list(ReleaseClaim.objects.select_for_update().filter(bill=bill).order_by("pk"))
    waiting = [claim.pk for claim in claims if claim.status == Status.BILLED]
    if not waiting:
        if claims:
            raise ValidationError(_("Regningens krav er allerede markeret som refunderet."))
        raise ValidationError(_("Regningen dækker ingen krav, så der er intet at markere som refunderet."))
    return ReleaseClaim.objects.filter(pk__in=waiting).update(
        status=Status.REFUNDED, refunded_at=timezone.now(), refunded_by=by
    )


# Reconciliation -----------------------------------------------------------------------------------


@dataclass
class ReconciliationRow:
    employer_id: int
    employer: str
    claims: int = 0
    hours: Decimal = Decimal("0")
    hours_unbilled: Decimal = Decimal("0")
    expected: Decimal = Decimal("0")
    bills: int = 0
    billed_hours: Decimal | None = None
    billed: Decimal = Decimal("0")

    @property
    def difference(self) -> Decimal:
        return money(self.billed - self.expected)

    @property
    def hours_difference(self) -> Decimal | None:
        return None if self.billed_hours is None else self.billed_hours - self.hours

    @property
    def matches(self) -> bool:
        return self.difference == 0 and (self.hours_difference in (None, 0))


@dataclass
class Reconciliation:
    start: date
    end: date
    rows: list[ReconciliationRow] = field(default_factory=list)
    unmatched_bills: list[EmployerBill] = field(default_factory=list)

    @property
    def totals(self) -> dict:
        return {
            "hours": sum((row.hours for row in self.rows), Decimal("0")),
            "expected": sum((row.expected for row in self.rows), Decimal("0")),
            "billed": sum((row.billed for row in self.rows), Decimal("0")),
            "difference": sum((row.difference for row in self.rows), Decimal("0")),
        }


def reconcile(*, branch: Branch, start: date, end: date) -> Reconciliation:
    """Per employer: release time approved for work dates in the period (approved, billed, refunded)
    as priced when filed, against the bills that cover those claims, plus the bills dated in
    the period that cover no claim at all. Three queries whatever the size."""
    period = Q(work_date__gte=start, work_date__lte=end)
    claims = (
        ReleaseClaim.objects.filter(
            period, branch=branch, kind__in=ReleaseClaim.HOUR_KINDS, status__in=RECONCILED
        )
        .values("employer_id", "employer__name")
        .annotate(
            count=Count("pk"),
            total_hours=Sum("hours"),
            total_amount=Sum("amount"),
            unbilled=Sum("hours", filter=Q(status=Status.APPROVED)),
        )
        .order_by("employer__name")
    )
    rows: dict[int | None, ReconciliationRow] = {}
    for item in claims:
        rows[item["employer_id"]] = ReconciliationRow(
            employer_id=item["employer_id"],
            employer=item["employer__name"] or _("(ingen arbejdsgiver)"),
            claims=item["count"],
            hours=item["total_hours"] or Decimal("0"),
            hours_unbilled=item["unbilled"] or Decimal("0"),
            expected=money(item["total_amount"]),
        )
    covering = ReleaseClaim.objects.filter(period, bill=OuterRef("pk"))
    any_claim = ReleaseClaim.objects.filter(bill=OuterRef("pk"))
    bills = (
        EmployerBill.objects.filter(branch=branch)
        .filter(Exists(covering))
        .values("employer_id", "employer__name")
        .annotate(
            count=Count("pk"),
            bill_hours=Sum("hours"),
            bill_amount=Sum("amount"),
            unhoured=Count("pk", filter=Q(hours__isnull=True)),
        )
    )
    for item in bills:
        row = rows.get(item["employer_id"])
        if row is None:
            row = rows[item["employer_id"]] = ReconciliationRow(
                employer_id=item["employer_id"], employer=item["employer__name"]
            )
        row.bills = item["count"]
        row.billed = money(item["bill_amount"])
        row.billed_hours = None if item["unhoured"] else item["bill_hours"]
    unmatched = list(
        EmployerBill.objects.filter(branch=branch, invoice_date__gte=start, invoice_date__lte=end)
        .filter(~Exists(any_claim))
        .select_related("employer")
        .order_by("invoice_date", "pk")
    )
    ordered = sorted(rows.values(), key=lambda row: (row.employer.lower(), row.employer_id or 0))
    return Reconciliation(start=start, end=end, rows=ordered, unmatched_bills=unmatched)


# Export -------------------------------------------------------------------------------------------

HEADERS = [
    "Arbejdsgiver",
    "Lønkontor",
    "Medlem",
    "Medlemsnummer",
    "Type",
    "Dato",
    "Netværk",
    "Timer",
    "Km",
    "Beløb (kr.)",
    "Status",
    "Fakturanummer",
    "Godkendt af",
    "Godkendt",
]


def export_claims(*, branch_id: int | None, start: date, end: date, statuses=EXPORTABLE):
    """The claims of a period in export order (employer, payroll office, member, date)."""
    queryset = ReleaseClaim.objects.filter(work_date__gte=start, work_date__lte=end, status__in=statuses)
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    return queryset.select_related(
        "employer", "claimant", "network", "branch", "bill", "decided_by__person"
    ).order_by("employer__name", "employer_id", "payroll_office", "claimant__name", "work_date", "pk")


@dataclass
class ExportLine:
    employer: str
    payroll_office: str
    member: str
    member_number: str
    kind: str
    work_date: date
    network: str
    hours: Decimal | None
    km: int | None
    amount: Decimal
    status: str
    invoice: str
    decider: str
    decided: date | None


@dataclass
class ExportGroup:
    employer: str
    lines: list[ExportLine]

    @property
    def hours(self) -> Decimal:
        return sum((line.hours or Decimal("0") for line in self.lines), Decimal("0"))

    @property
    def km(self) -> int:
        return sum(line.km or 0 for line in self.lines)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def export_groups(claims) -> list[ExportGroup]:
    groups: list[ExportGroup] = []
    for claim in claims:
        employer = claim.employer.name if claim.employer else _("(ingen arbejdsgiver)")
        decider = claim.decided_by
        decider_name = ""
        if decider is not None:
            person = getattr(decider, "person", None)
            decider_name = person.name if person else (decider.get_full_name() or decider.username)
        line = ExportLine(
            employer=employer,
            payroll_office=claim.payroll_office,
            member=claim.claimant.name,
            member_number=claim.claimant.member_number,
            kind=str(claim.get_kind_display()),
            work_date=claim.work_date,
            network=claim.network.name if claim.network else "",
            hours=claim.hours,
            km=claim.km,
            amount=claim_amount(claim),
            status=str(claim.get_status_display()),
            invoice=claim.bill.invoice_number if claim.bill else "",
            decider=decider_name,
            decided=timezone.localtime(claim.decided_at).date() if claim.decided_at else None,
        )
        if not groups or groups[-1].employer != employer:
            groups.append(ExportGroup(employer=employer, lines=[]))
        groups[-1].lines.append(line)
    return groups


def _danish_number(value, places=2) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):,.{places}f}" if places else f"{int(value):,d}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def export_csv(groups: list[ExportGroup]) -> bytes:
    """For a Danish Excel: semicolons, decimal comma, dd.mm.yyyy, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for group in groups:
        for line in group.lines:
            writer.writerow(
                [
                    line.employer,
                    line.payroll_office,
                    line.member,
                    line.member_number,
                    line.kind,
                    line.work_date.strftime("%d.%m.%Y"),
                    line.network,
                    _danish_number(line.hours),
                    _danish_number(line.km, 0),
                    _danish_number(line.amount),
                    line.status,
                    line.invoice,
                    line.decider,
                    line.decided.strftime("%d.%m.%Y") if line.decided else "",
                ]
            )
        writer.writerow(
            [
                _("I alt %(employer)s") % {"employer": group.employer},
                "",
                "",
                "",
                "",
                "",
                "",
                _danish_number(group.hours),
                _danish_number(group.km, 0),
                _danish_number(group.amount),
                "",
                "",
                "",
                "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(groups: list[ExportGroup], *, title: str) -> bytes:
    """Real numbers and dates; a bold total row per employer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Frikøb og kørsel")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for group in groups:
        for line in group.lines:
            sheet.append(
                [
                    line.employer,
                    line.payroll_office,
                    line.member,
                    line.member_number,
                    line.kind,
                    line.work_date,
                    line.network,
                    line.hours,
                    line.km,
                    line.amount,
                    line.status,
                    line.invoice,
                    line.decider,
                    line.decided,
                ]
            )
            row = sheet.max_row
            for column in ("F", "N"):
                sheet[f"{column}{row}"].number_format = "DD-MM-YYYY"
            sheet[f"H{row}"].number_format = "#,##0.00"
            sheet[f"J{row}"].number_format = "#,##0.00"
        sheet.append(
            [
                _("I alt %(employer)s") % {"employer": group.employer},
                None,
                None,
                None,
                None,
                None,
                None,
                group.hours,
                group.km,
                group.amount,
            ]
        )
        row = sheet.max_row
        for cell in sheet[row]:
            cell.font = Font(bold=True)
        sheet[f"H{row}"].number_format = "#,##0.00"
        sheet[f"J{row}"].number_format = "#,##0.00"
    for column, width in zip(
        "ABCDEFGHIJKLMN", (28, 22, 26, 14, 26, 12, 28, 8, 8, 12, 12, 14, 20, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
