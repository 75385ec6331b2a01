"""Release time (frikøb) and mileage: the filing rules, the amounts and the coordinator's withdrawal.

Seed 000 §4: the branch pays the network's coordinator at most ``Branch.release_hours_cap`` hours per
meeting for preparation, and mileage only where the workplace declined to pay. Filing a claim *is*
the notice to the office (one mail through the outbox per claim). The office's side (decisions,
bills, reconciliation) lives in the admin.

Decisions:
- Every claim is filed by the claimant themselves (``by`` is the claimant's login).
- Mileage to a meeting may be claimed by the network's coordinator or by a member registered as
  attending it (``Attendance``); never for a cancelled meeting nor for a drive that lies ahead.
- Mileage amounts follow the branch's ``MileageRate`` for the year of the drive: km up to the yearly
  threshold at ``rate``, above it at ``rate_above``, counted per person and year over their open
  claims (withdrawn and rejected claims do not count). The person row is locked while counting, so
  two filings at once cannot both use the km below the threshold. A later withdrawal does not
  re-price claims already filed.
- Hours are paid at ``Branch.release_hourly_rate``; every amount is rounded once, to øre, half up.
- A mentor session uses the branch's hour cap per session, like a meeting.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import (
    Attendance,
    Branch,
    Employer,
    Mandate,
    Meeting,
    MileageRate,
    Person,
    ReleaseClaim,
    User,
)
from ..models.claims import HOURS_ABSOLUTE_MAX, KM_MAX

ORE = Decimal("0.01")
TEXT_MAX = 160  # route_from, route_to, payroll_office
REFERENCE_MAX = 80


def money(value: Decimal) -> Decimal:
    """Kroner rounded to øre, half up, as the bookkeeper rounds."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def hours_text(value: Decimal) -> str:
    """'2', '1,5', '1,25': hours in Danish without trailing zeros."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# Checks -------------------------------------------------------------------------------------------


def _hours(hours, cap: Decimal) -> Decimal:
    try:
        value = hours if isinstance(hours, Decimal) else Decimal(str(hours).strip().replace(",", "."))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("Skriv antal timer som et tal, fx 1,5.")) from None
    if not value.is_finite():
        raise ValidationError(_("Skriv antal timer som et tal, fx 1,5."))
    if value <= 0:
        raise ValidationError(_("Antal timer skal være over 0."))
    if value != value.quantize(ORE):
        raise ValidationError(_("Antal timer kan højst have to decimaler, fx 1,25."))
    if value > cap:
        raise ValidationError(
            _("Kredsen betaler højst %(cap)s timers frikøb pr. gang.") % {"cap": hours_text(cap)}
        )
    return value


def _km(km) -> int:
    try:
        value = int(km)
    except (ValueError, TypeError):
        raise ValidationError(_("Skriv antal kilometer som et helt tal.")) from None
    if isinstance(km, Decimal | float) and km != value:
        raise ValidationError(_("Skriv antal kilometer som et helt tal."))
    if not 1 <= value <= KM_MAX:
        raise ValidationError(
            _("Antal kilometer skal være mellem 1 og %(max)s.")
            % {"max": formats.number_format(KM_MAX, force_grouping=True)}
        )
    return value


def _text(value: str, *, label: str, required: bool, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("Udfyld %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s må højst fylde %(count)d tegn.") % {"field": label.capitalize(), "count": max_length}
        )
    return value


def _require_self(claimant: Person, by: User) -> None:
    if claimant.user_id is None or claimant.user_id != by.pk:
        raise ValidationError(_("Du kan kun søge frikøb og kørsel for dig selv."))


def _require_recent(day: date, branch: Branch) -> None:
    oldest = timezone.localdate() - timedelta(days=branch.claim_max_age_days)
    if day < oldest:
        raise ValidationError(
            _(
                "Frikøb og kørsel skal søges senest %(days)d dage efter. Datoen %(date)s ligger for langt "
                "tilbage; kontakt kredskontoret, hvis der er en særlig grund."
            )
            % {"days": branch.claim_max_age_days, "date": day.strftime("%d.%m.%Y")}
        )


def default_employer(claimant: Person, branch: Branch) -> Employer | None:
    """The employer of the claimant's current mandate in the branch (a TR mandate first, then the newest)."""
    mandates = (
        Mandate.objects.active()
        .filter(person=claimant, workplace__employer__branch=branch)
        .select_related("workplace__employer")
        .order_by("-elected_on", "pk")
    )
    chosen = None
    for mandate in mandates:
        if mandate.role in Mandate.TR_ROLES:
            return mandate.workplace.employer
        chosen = chosen or mandate.workplace.employer
    return chosen


def _employer(employer: Employer | None, claimant: Person, branch: Branch) -> Employer:
    employer = employer or default_employer(claimant, branch)
    if employer is None:
        raise ValidationError(_("Vælg den arbejdsgiver, hvis lønkontor sender regningen for frikøbet."))
    if employer.branch_id != branch.pk:
        raise ValidationError(_("Arbejdsgiveren hører ikke til kredsen."))
    return employer


def _save(claim: ReleaseClaim) -> ReleaseClaim:
    """Insert; the database's unique constraints become the Danish message of the constraint."""
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
    except IntegrityError as error:
        text = str(error)
        for constraint in ReleaseClaim._meta.constraints:
            if constraint.name in text and constraint.violation_error_message:
                raise ValidationError(str(constraint.violation_error_message)) from None
        if claim.kind == ReleaseClaim.Kind.PREPARATION:
            raise ValidationError(_("Du har allerede søgt frikøb til forberedelse af dette møde.")) from None
        if claim.kind == ReleaseClaim.Kind.MENTOR_SESSION:
            raise ValidationError(_("Du har allerede søgt frikøb til denne mentorsession.")) from None
        raise ValidationError(_("Kravet kunne ikke gemmes. Tjek felterne og prøv igen.")) from None
    return claim


def _lock_meeting(meeting: Meeting) -> Meeting:
    """The meeting row, locked: filing and cancelling serialise, so a claim never misses the cancel hook."""
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("network__branch", "network__coordinator")
        .get(pk=meeting.pk)
    )


def _notify_office(claim: ReleaseClaim, *, template: str, key: str, **extra) -> None:
    office = Recipient.of_office(claim.branch)
    enqueue(
        template,
        to=office.email,
        to_name=office.name,
        key=key,
        context={
            "claim": claim,
            "kind": claim.get_kind_display(),
            "network": claim.network,
            "meeting": claim.meeting,
            "work_date": claim.work_date,
            "url": reverse("admin:circles_releaseclaim_change", args=[claim.pk]),
            **extra,
        },
        branch=claim.branch,
    )


def _filed(claim: ReleaseClaim) -> ReleaseClaim:
    _notify_office(claim, template="circles/claim_filed", key=f"claim-filed:{claim.pk}")
    return claim


# Filing -------------------------------------------------------------------------------------------


def _release_time(branch, claimant, hours, leave_noted, employer, payroll_office) -> dict:
    """The checked fields every release-time claim has: hours within the branch's cap (kept on the
    claim), the leave noted, the employer that will bill, and the amount at the day's hourly rate."""
    cap = min(branch.release_hours_cap, HOURS_ABSOLUTE_MAX)
    hours = _hours(hours, cap)
    if not leave_noted:
        raise ValidationError(_("Sæt kryds ved, at fraværet er noteret på din arbejdsplan."))
    return {
        "employer": _employer(employer, claimant, branch),
        "payroll_office": _text(payroll_office, label=_("lønkontor"), required=False),
        "hours": hours,
        "hours_cap": cap,
        "leave_noted": True,
        "amount": money(hours * branch.release_hourly_rate),
    }


@transaction.atomic
def claim_file_preparation(
    *,
    meeting: Meeting,
    claimant: Person,
    by: User,
    hours,
    employer: Employer | None = None,
    payroll_office: str = "",
    leave_noted: bool,
) -> ReleaseClaim:
    """The coordinator's release time for preparing a meeting (planned or held)."""
    meeting = _lock_meeting(meeting)
    network, branch = meeting.network, meeting.network.branch
    _require_self(claimant, by)
    if network.coordinator_id != claimant.pk:
        raise ValidationError(_("Kun netværkets koordinator kan søge frikøb til forberedelse af mødet."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst: der kan ikke søges frikøb til det."))
    work_date = timezone.localdate(meeting.starts_at)
    _require_recent(work_date, branch)
    release = _release_time(branch, claimant, hours, leave_noted, employer, payroll_office)
    if ReleaseClaim.objects.filter(
        kind=ReleaseClaim.Kind.PREPARATION, meeting=meeting, claimant=claimant, status__in=ReleaseClaim.OPEN
    ).exists():
        raise ValidationError(_("Du har allerede søgt frikøb til forberedelse af dette møde."))
    claim = _save(
        ReleaseClaim(
            branch=branch,
            kind=ReleaseClaim.Kind.PREPARATION,
            claimant=claimant,
            filed_by=by,
            network=network,
            meeting=meeting,
            work_date=work_date,
            **release,
        )
    )
    return _filed(claim)


@transaction.atomic
def claim_file_mentor_session(
    *,
    claimant: Person,
    by: User,
    reference: str,
    work_date: date,
    hours,
    employer: Employer | None = None,
    payroll_office: str = "",
    leave_noted: bool,
) -> ReleaseClaim:
    """Release time for one mentor session (mentor or mentee); ``reference`` names the session."""
    branch = Branch.objects.get(pk=claimant.branch_id)
    _require_self(claimant, by)
    reference = _text(reference, label=_("reference"), required=True, max_length=REFERENCE_MAX)
    if work_date > timezone.localdate():
        raise ValidationError(_("Frikøb til en mentorsession søges, når sessionen har fundet sted."))
    _require_recent(work_date, branch)
    release = _release_time(branch, claimant, hours, leave_noted, employer, payroll_office)
    claim = _save(
        ReleaseClaim(
            branch=branch,
            kind=ReleaseClaim.Kind.MENTOR_SESSION,
            claimant=claimant,
            filed_by=by,
            reference=reference,
            work_date=work_date,
            **release,
        )
    )
    return _filed(claim)


def mileage_amount(*, rate: MileageRate, km_before: int, km: int) -> Decimal:
    """km at ``rate`` up to the year's threshold (``km_before`` already used), the rest at ``rate_above``."""
    below = max(0, min(km, rate.threshold_km - km_before))
    return money(below * rate.rate + (km - below) * rate.rate_above)


def km_this_year(claimant: Person, year: int, *, branch: Branch) -> int:
    return (
        ReleaseClaim.objects.filter(
            claimant=claimant,
            branch=branch,
            kind=ReleaseClaim.Kind.MILEAGE,
            status__in=ReleaseClaim.OPEN,
            work_date__year=year,
        ).aggregate(total=Sum("km"))["total"]
        or 0
    )


def may_claim_mileage(person: Person | None, meeting: Meeting) -> bool:
    if person is None:
        return False
    if meeting.network.coordinator_id == person.pk:
        return True
    return Attendance.objects.filter(meeting=meeting, person=person).exists()


@transaction.atomic
def claim_file_mileage(
    *,
    claimant: Person,
    by: User,
    meeting: Meeting,
    work_date: date,
    route_from: str,
    route_to: str,
    km,
    workplace_declined: bool,
) -> ReleaseClaim:
    """Mileage to a network meeting, which the workplace declined to pay."""
    meeting = _lock_meeting(meeting)
    network, branch = meeting.network, meeting.network.branch
    _require_self(claimant, by)
    if not may_claim_mileage(claimant, meeting):
        raise ValidationError(
            _(
                "Kørsel til mødet kan søges af netværkets koordinator og af dem, der er registreret som deltagere."
            )
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst: der kan ikke søges kørsel til det."))
    if not workplace_declined:
        raise ValidationError(
            _(
                "Kørsel skal først søges hos arbejdspladsen. Sæt kryds, hvis arbejdspladsen har afvist at betale."
            )
        )
    if work_date > timezone.localdate():
        raise ValidationError(_("Kørsel kan først søges, når den er kørt."))
    _require_recent(work_date, branch)
    km = _km(km)
    route_from = _text(route_from, label=_("fra"), required=True)
    route_to = _text(route_to, label=_("til"), required=True)
    rate = MileageRate.objects.filter(branch=branch, year=work_date.year).first()
    if rate is None:
        raise ValidationError(
            _("Kredsen har ikke fastsat kilometersatser for %(year)d endnu. Kontakt kredskontoret.")
            % {"year": work_date.year}
        )
    # one filing per person at a time: the km already used this year are counted under the lock
    Person.objects.select_for_update().filter(pk=claimant.pk).first()
    same = ReleaseClaim.objects.filter(
        kind=ReleaseClaim.Kind.MILEAGE,
        claimant=claimant,
        meeting=meeting,
        work_date=work_date,
        km=km,
        route_from=route_from,
        route_to=route_to,
        status__in=ReleaseClaim.OPEN,
    )
    if same.exists():
        raise ValidationError(_("Du har allerede søgt denne kørsel."))
    used = km_this_year(claimant, work_date.year, branch=branch)
    claim = _save(
        ReleaseClaim(
            branch=branch,
            kind=ReleaseClaim.Kind.MILEAGE,
            claimant=claimant,
            filed_by=by,
            network=network,
            meeting=meeting,
            work_date=work_date,
            km=km,
            route_from=route_from,
            route_to=route_to,
            workplace_declined=True,
            amount=mileage_amount(rate=rate, km_before=used, km=km),
        )
    )
    return _filed(claim)


# Changes after filing -----------------------------------------------------------------------------


@transaction.atomic
def claim_withdraw(*, claim_id: int, by: User) -> ReleaseClaim:
    """The claimant withdraws a claim the office has not decided yet."""
    try:
        claim = (
            ReleaseClaim.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=claim_id)
        )
    except ReleaseClaim.DoesNotExist:
        raise ValidationError(_("Kravet findes ikke.")) from None
    if claim.claimant.user_id is None or claim.claimant.user_id != by.pk:
        raise ValidationError(_("Du kan kun trække dine egne krav tilbage."))
    if claim.status == ReleaseClaim.Status.WITHDRAWN:
        raise ValidationError(_("Kravet er allerede trukket tilbage."))
    if claim.status != ReleaseClaim.Status.SUBMITTED:
        raise ValidationError(
            _("Kravet er behandlet af kredskontoret (%(status)s) og kan ikke længere trækkes tilbage.")
            % {"status": claim.get_status_display().lower()}
        )
    claim.status = ReleaseClaim.Status.WITHDRAWN
    claim.save(update_fields=["status"])
    return claim


def claims_meeting_cancelled(*, meeting: Meeting, by: User) -> int:
    """Called by ``meeting_cancel`` inside its transaction: open claims for the meeting are marked for
    the office's attention, one mail each. Returns how many."""
    claims = list(
        ReleaseClaim.objects.select_for_update(of=("self",))
        .filter(meeting=meeting, status__in=ReleaseClaim.OPEN)
        .select_related("branch", "network", "meeting")
        .order_by("pk")
    )
    reason = _("Mødet er aflyst, efter kravet blev indsendt (%(date)s).") % {
        "date": timezone.localdate().strftime("%d.%m.%Y")
    }
    for claim in claims:
        claim.needs_attention = reason
        claim.save(update_fields=["needs_attention"])
        _notify_office(
            claim,
            template="circles/claim_attention",
            key=f"claim-attention:{claim.pk}:meeting-cancelled",
            reason=reason,
        )
    return len(claims)
