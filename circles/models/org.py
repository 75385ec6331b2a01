"""The union's branches, logins, employers and workplaces."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    name = models.CharField(_("navn"), max_length=120, unique=True)
    union = models.CharField(_("fagforening"), max_length=120)
    office_email = models.EmailField(_("kredskontorets e-mail"))

    # The periodic reminders, tuned per branch by its office (empty: that reminder is off).
    meeting_reminder_days = models.PositiveSmallIntegerField(
        _("første påmindelse før et møde (dage før)"), null=True, blank=True, default=7
    )
    meeting_last_reminder_days = models.PositiveSmallIntegerField(
        _("sidste påmindelse før et møde (dage før)"), null=True, blank=True, default=1
    )
    cadence_mid_quarter = models.BooleanField(
        _("mødeplan: påmind også midt i kvartalet"),
        default=True,
        help_text=_("Koordinatorer påmindes ved kvartalets start og, hvis sat, igen midt i kvartalet."),
    )
    minutes_reminder_days = models.PositiveSmallIntegerField(
        _("referat mangler: påmind koordinatoren efter (dage)"), null=True, blank=True, default=7
    )
    minutes_office_days = models.PositiveSmallIntegerField(
        _("referat mangler: giv kredskontoret besked efter (dage)"), null=True, blank=True, default=21
    )
    returned_minutes_days = models.PositiveSmallIntegerField(
        _("returneret referat: påmind, hvis det ikke er indsendt igen efter (dage)"),
        null=True,
        blank=True,
        default=14,
    )

    # Release time (frikøb): the cap per meeting, how far back a claim may go, and the hourly cost
    # the office expects on the employers' bills (for reconciliation only).
    release_hours_cap = models.DecimalField(
        _("frikøb pr. møde, højst (timer)"), max_digits=4, decimal_places=2, default=Decimal("2.00")
    )
    claim_max_age_days = models.PositiveSmallIntegerField(
        _("frikøb kan søges op til (dage efter mødet)"), default=90
    )
    release_hourly_rate = models.DecimalField(
        _("forventet timepris på regningerne (kr.)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("350.00"),
        help_text=_("Bruges kun til at afstemme arbejdsgivernes regninger mod de godkendte timer."),
    )

    # Seed 002 "Kære leder": the letter asking managers to give AMRs paid leave for the meetings.
    leave_letter = models.TextField(
        _("brev til ledere om tjenestefrihed"),
        max_length=10_000,
        blank=True,
        help_text=_(
            "Sendes med årets mødedatoer til lederne af AMR-netværkenes medlemmer. "
            "Tom: standardbrevet fra kredsen."
        ),
    )

    class Meta:
        verbose_name = _("kreds")
        verbose_name_plural = _("kredse")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meeting_reminder_days__lte=60)
                & models.Q(meeting_last_reminder_days__lte=60),
                name="branch_meeting_reminders_within_60_days",
                violation_error_message=_("En påmindelse før et møde kan højst ligge 60 dage før."),
            ),
            models.CheckConstraint(
                condition=models.Q(release_hours_cap__gt=0, release_hours_cap__lte=8)
                & models.Q(claim_max_age_days__gte=1, claim_max_age_days__lte=730)
                & models.Q(release_hourly_rate__gte=0),
                name="branch_claim_settings_sane",
                violation_error_message=_(
                    "Loftet for frikøb skal være over 0 og højst 8 timer, og fristen mellem 1 og 730 dage."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_reminder_days__gte=1, minutes_reminder_days__lte=180)
                & models.Q(minutes_office_days__gte=1, minutes_office_days__lte=365)
                & models.Q(returned_minutes_days__gte=1, returned_minutes_days__lte=180),
                name="branch_minutes_reminders_sane",
                violation_error_message=_(
                    "Dagene for referatpåmindelser skal være mellem 1 og 180 (kredskontoret: 365)."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A login. Office staff and consultants belong to a branch; coordinators are linked to a Person."""

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("kreds"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("For kredskontorets medarbejdere og konsulenter: den kreds, de arbejder for."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")


class Employer(models.Model):
    """Employers are kept per branch: one branch's office never edits another's reference data."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Kommune")
        PRIVATE = "private", _("Privat arbejdsgiver")

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("kreds"),
        on_delete=models.PROTECT,
        related_name="employers",
        help_text=_("Den kreds, der vedligeholder arbejdsgiveren og dens arbejdspladser."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    name = models.CharField(_("navn"), max_length=120)

    class Meta:
        verbose_name = _("arbejdsgiver")
        verbose_name_plural = _("arbejdsgivere")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                name="employer_name_unique_per_branch",
                violation_error_message=_("Kredsen har allerede en arbejdsgiver med det navn."),
            )
        ]

    def __str__(self):
        return self.name


class Workplace(models.Model):
    class WorkArea(models.TextChoices):
        RESIDENTIAL = "residential", _("Døgninstitution")
        HOUSING = "housing", _("Bosted")
        SUPPORT_CENTRE = "support_centre", _("Støttecenter")
        DAYCARE = "daycare", _("Dagtilbud")
        SCHOOL = "school", _("Skole og SFO")
        PSYCHIATRY = "psychiatry", _("Psykiatri")
        ADDICTION = "addiction", _("Misbrugsbehandling")
        FAMILY = "family", _("Børne- og familieafdeling")
        JOB_CENTRE = "job_centre", _("Jobcenter")
        ADMINISTRATION = "administration", _("Forvaltning")
        OTHER = "other", _("Andet")

    employer = models.ForeignKey(
        Employer, verbose_name=_("arbejdsgiver"), on_delete=models.PROTECT, related_name="workplaces"
    )
    name = models.CharField(_("navn"), max_length=160)
    work_area = models.CharField(_("arbejdsområde"), max_length=30, choices=WorkArea)
    municipality = models.CharField(_("kommune"), max_length=80)
    manager_name = models.CharField(_("leders navn"), max_length=160, blank=True)
    manager_email = models.EmailField(
        _("leders e-mail"),
        blank=True,
        help_text=_("Bruges til netværkenes centrale budskaber og brevet om tjenestefrihed til AMR."),
    )

    class Meta:
        verbose_name = _("arbejdsplads")
        verbose_name_plural = _("arbejdspladser")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="workplace_unique_per_employer")
        ]

    def __str__(self):
        return self.name
