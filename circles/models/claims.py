"""Release time (frikøb) and mileage claimed from the branch, and the employers' bills that cover them.

Seed 000 §4: the branch pays the coordinator at most 2 hours per network meeting for preparation
(not for attending); the employer's payroll office bills the branch, which refunds it. Mileage is
first asked of the workplace; only if it declines does the branch pay, after its rate table. The
mentor programme (seeds 003/004) adds release time for mentor and mentee per session.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .meetings import Meeting
from .networks import Network
from .org import Branch, Employer
from .people import Person

HOURS_ABSOLUTE_MAX = Decimal("8")  # no branch cap may exceed a working day
KM_MAX = 2000


class MileageRate(models.Model):
    """The branch's mileage rates for one year: one rate up to a yearly km threshold per person, a
    lower one above it (as the state's rates work)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.CASCADE, related_name="mileage_rates"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    rate = models.DecimalField(_("sats pr. km (kr.)"), max_digits=5, decimal_places=2)
    threshold_km = models.PositiveIntegerField(_("km pr. person om året til den høje sats"))
    rate_above = models.DecimalField(_("sats pr. km over grænsen (kr.)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("kilometersats")
        verbose_name_plural = _("kilometersatser")
        ordering = ["branch__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="mileage_rate_once_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2099),
                name="mileage_rate_year_2000_2099",
                violation_error_message=_("Året skal ligge mellem 2000 og 2099."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0, rate__lte=50, rate_above__gt=0, rate_above__lte=50),
                name="mileage_rate_sane",
                violation_error_message=_("En kilometersats skal være over 0 og højst 50 kr."),
            ),
        ]

    def __str__(self):
        return f"{self.branch}: {self.year}"


class EmployerBill(models.Model):
    """An employer's (payroll office's) bill to the branch for release time."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.PROTECT, related_name="bills"
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("arbejdsgiver"), on_delete=models.PROTECT, related_name="bills"
    )
    payroll_office = models.CharField(_("lønkontor"), max_length=160, blank=True)
    invoice_number = models.CharField(_("fakturanummer"), max_length=60)
    invoice_date = models.DateField(_("fakturadato"))
    hours = models.DecimalField(_("timer faktureret"), max_digits=7, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("beløb (kr.)"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registreret af"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("registreret"), auto_now_add=True)

    class Meta:
        verbose_name = _("regning fra arbejdsgiver")
        verbose_name_plural = _("regninger fra arbejdsgivere")
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "invoice_number"],
                name="bill_invoice_once_per_employer",
                violation_error_message=_("Arbejdsgiveren har allerede en regning med det fakturanummer."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & (Q(hours__isnull=True) | Q(hours__gte=0)),
                name="bill_amount_not_negative",
                violation_error_message=_("Beløb og timer kan ikke være negative."),
            ),
        ]

    def __str__(self):
        return f"{self.employer} {self.invoice_number}"


class ReleaseClaim(models.Model):
    """Hours (preparation, mentor session) or mileage claimed by a member from the branch."""

    class Kind(models.TextChoices):
        PREPARATION = "preparation", _("Forberedelse af netværksmøde")
        MENTOR_SESSION = "mentor_session", _("Mentorsession")
        MILEAGE = "mileage", _("Kørsel")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Indsendt")
        APPROVED = "approved", _("Godkendt")
        REJECTED = "rejected", _("Afvist")
        BILLED = "billed", _("Faktureret")
        REFUNDED = "refunded", _("Refunderet")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    HOUR_KINDS = (Kind.PREPARATION, Kind.MENTOR_SESSION)
    DECIDED = (Status.APPROVED, Status.REJECTED, Status.BILLED, Status.REFUNDED)
    OPEN = (Status.SUBMITTED, Status.APPROVED, Status.BILLED, Status.REFUNDED)  # not withdrawn or rejected

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    claimant = models.ForeignKey(
        Person, verbose_name=_("medlem"), on_delete=models.PROTECT, related_name="claims"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("indsendt af"), on_delete=models.PROTECT, related_name="+"
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("netværk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("møde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    reference = models.CharField(
        _("reference"),
        max_length=80,
        blank=True,
        help_text=_("For en mentorsession: hvilken session kravet gælder (sættes af mentorordningen)."),
    )
    work_date = models.DateField(_("dato"))
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("arbejdsgiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    payroll_office = models.CharField(_("lønkontor"), max_length=160, blank=True)
    # hours (preparation, mentor session)
    hours = models.DecimalField(_("timer"), max_digits=4, decimal_places=2, null=True, blank=True)
    hours_cap = models.DecimalField(
        _("loft (timer)"), max_digits=4, decimal_places=2, null=True, blank=True, editable=False
    )
    leave_noted = models.BooleanField(_("fraværet er noteret på arbejdsplanen"), default=False)
    # mileage
    km = models.PositiveIntegerField(_("km"), null=True, blank=True)
    route_from = models.CharField(_("fra"), max_length=160, blank=True)
    route_to = models.CharField(_("til"), max_length=160, blank=True)
    workplace_declined = models.BooleanField(_("arbejdspladsen har afvist at betale kørslen"), default=False)
    amount = models.DecimalField(_("beløb (kr.)"), max_digits=9, decimal_places=2, default=Decimal("0"))
    note = models.CharField(_("bemærkning"), max_length=500, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("indsendt"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandlet af"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    reject_reason = models.CharField(_("begrundelse for afvisning"), max_length=1000, blank=True)
    bill = models.ForeignKey(
        EmployerBill,
        verbose_name=_("regning"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    refunded_at = models.DateTimeField(_("refunderet"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("markeret refunderet af"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    needs_attention = models.CharField(
        _("til kredskontorets opmærksomhed"),
        max_length=300,
        blank=True,
        help_text=_("Fx at mødet er aflyst, efter kravet blev indsendt."),
    )

    class Meta:
        verbose_name = _("frikøb og kørsel")
        verbose_name_plural = _("frikøb og kørsel")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "status", "-submitted_at"], name="claim_queue_idx"),
            models.Index(fields=["claimant", "work_date"], name="claim_claimant_date_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "claimant"],
                condition=Q(kind="preparation") & ~Q(status__in=["withdrawn", "rejected"]),
                name="claim_preparation_once_per_meeting",
                violation_error_message=_("Du har allerede søgt frikøb til forberedelse af dette møde."),
            ),
            models.UniqueConstraint(
                fields=["reference", "claimant"],
                condition=Q(kind="mentor_session") & ~Q(status__in=["withdrawn", "rejected"]),
                name="claim_mentor_session_once",
                violation_error_message=_("Du har allerede søgt frikøb til denne mentorsession."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["preparation", "mentor_session"],
                        hours__gt=0,
                        hours__lte=F("hours_cap"),
                        hours_cap__lte=HOURS_ABSOLUTE_MAX,
                        leave_noted=True,
                        km__isnull=True,
                    )
                    | Q(
                        kind="mileage",
                        hours__isnull=True,
                        km__gt=0,
                        km__lte=KM_MAX,
                        workplace_declined=True,
                    )
                ),
                name="claim_hours_or_km_by_kind",
                violation_error_message=_(
                    "Timer skal være over 0 og højst loftet, og fraværet noteret; kørsel kræver km (højst 2.000) og "
                    "at arbejdspladsen har afvist at betale."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="preparation") | Q(meeting__isnull=False),
                name="claim_preparation_has_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(kind="mentor_session") | ~Q(reference=""),
                name="claim_mentor_session_has_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "billed", "refunded"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="claim_decided_has_decider_and_time",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("filed_by")),
                name="claim_decider_is_not_claimant",
                violation_error_message=_("Man kan ikke behandle sit eget krav."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="claim_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["billed", "refunded"]) | Q(bill__isnull=False),
                name="claim_billed_has_bill",
            ),
            models.CheckConstraint(
                condition=~Q(status="refunded") | Q(refunded_at__isnull=False, refunded_by__isnull=False),
                name="claim_refunded_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.claimant} {self.work_date:%d.%m.%Y}"
