"""Members and their dated mandates (TR, FTR, AMR...)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .org import Branch, Workplace

NEW_REPRESENTATIVE_DAYS = 183  # "nyvalgt": elected within the last six months


class Person(models.Model):
    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.PROTECT, related_name="people"
    )
    name = models.CharField(_("navn"), max_length=160)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    member_number = models.CharField(_("medlemsnummer"), max_length=30)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    tr_training_completed_on = models.DateField(_("TR-uddannelse gennemført"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymiseret"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmer")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "member_number"], name="person_member_number_per_branch"
            ),
        ]

    def __str__(self):
        return self.name


class MandateQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on), elected_on__lte=on)


class Mandate(models.Model):
    class Role(models.TextChoices):
        TR = "tr", _("TR")
        FTR = "ftr", _("FTR")
        TR_DEPUTY = "tr_deputy", _("TR-suppleant")
        AMR = "amr", _("AMR")
        AMR_DEPUTY = "amr_deputy", _("AMR-suppleant")

    TR_ROLES = (Role.TR, Role.FTR)

    person = models.ForeignKey(
        Person, verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="mandates"
    )
    role = models.CharField(_("hverv"), max_length=20, choices=Role)
    workplace = models.ForeignKey(
        Workplace, verbose_name=_("arbejdsplads"), on_delete=models.PROTECT, related_name="mandates"
    )
    elected_on = models.DateField(_("valgt den"))
    ended_on = models.DateField(_("ophørt den"), null=True, blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("hverv")
        verbose_name_plural = _("hverv")
        ordering = ["-elected_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("elected_on")),
                name="mandate_ends_after_election",
                violation_error_message=_("Ophørsdatoen kan ikke ligge før valgdatoen."),
            ),
            models.UniqueConstraint(
                fields=["person", "role", "workplace"],
                condition=Q(ended_on__isnull=True),
                name="mandate_one_open_per_role_and_workplace",
                violation_error_message=_("Medlemmet har allerede dette hverv på arbejdspladsen."),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}, {self.workplace}"

    @property
    def is_new(self) -> bool:
        return self.elected_on >= timezone.localdate() - timedelta(days=NEW_REPRESENTATIVE_DAYS)


def prefetch_active_mandates(lookup: str = "mandates") -> models.Prefetch:
    """Each person's current mandates with workplace and employer, as ``person.active_mandates``."""
    return models.Prefetch(
        lookup,
        queryset=Mandate.objects.active().select_related("workplace__employer"),
        to_attr="active_mandates",
    )
