"""Trade-union data is special-category data (GDPR Art. 9): who saw what, and how long we keep it.

- ``AccessLogEntry``: every read of confidential minutes or a minutes file, every export and every
  view of a person's master data by someone else (model changes are in django-auditlog's log).
  Read-only for everyone; purged after the branch's retention period.
- ``RetentionPolicy``: the branch office's periods per type of data.
- ``ErasureNotice``: a person without mandate or membership for the set years, announced to the
  office before the nightly job anonymises them.
- ``ErasureReview``: free text an erased person wrote, flagged for the office to read and redact.

``person_id`` and ``user_id`` are kept as plain numbers where the log must outlive the row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("Læst")
        DOWNLOAD = "download", _("Hentet fil")
        EXPORT = "export", _("Eksport")
        CHANGE = "change", _("Ændret")
        ERASE = "erase", _("Anonymiseret")

    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_label = models.CharField(_("brugernavn"), max_length=160, blank=True)
    branch = models.ForeignKey(
        "circles.Branch",
        verbose_name=_("kreds"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("handling"), max_length=10, choices=Action)
    what = models.CharField(_("hvad"), max_length=300)
    object_type = models.CharField(_("type"), max_length=100, blank=True)
    object_id = models.CharField(_("id"), max_length=64, blank=True)
    person_id = models.PositiveIntegerField(_("om medlem (id)"), null=True, blank=True, db_index=True)
    path = models.CharField(_("adresse"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("adgangslog")
        verbose_name_plural = _("adgangslog")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="accesslog_user_idx")]

    def __str__(self):
        return f"{self.user_label}: {self.get_action_display()} {self.what}"


class RetentionPolicy(models.Model):
    branch = models.OneToOneField(
        "circles.Branch", verbose_name=_("kreds"), on_delete=models.CASCADE, related_name="retention"
    )
    mail_body_days = models.PositiveSmallIntegerField(
        _("slet indholdet af sendte mails efter (dage)"), default=30
    )
    inactive_person_years = models.PositiveSmallIntegerField(
        _("anonymisér medlemmer uden hverv og netværk efter (år)"), default=3
    )
    erasure_notice_days = models.PositiveSmallIntegerField(
        _("varsel til kredskontoret før anonymisering (dage)"), default=30
    )
    access_log_days = models.PositiveIntegerField(_("gem adgangsloggen i (dage)"), default=5 * 365)
    claim_keep_years = models.PositiveSmallIntegerField(
        _("bogføring: gem frikøbskrav i (år efter regnskabsåret)"), default=5
    )

    class Meta:
        verbose_name = _("opbevaringsperioder")
        verbose_name_plural = _("opbevaringsperioder")
        constraints = [
            models.CheckConstraint(
                condition=Q(mail_body_days__gte=1, mail_body_days__lte=365)
                & Q(inactive_person_years__gte=1, inactive_person_years__lte=20)
                & Q(erasure_notice_days__gte=1, erasure_notice_days__lte=180)
                & Q(access_log_days__gte=30, access_log_days__lte=3650)
                & Q(claim_keep_years__gte=5, claim_keep_years__lte=10),
                name="retention_periods_sane",
                violation_error_message=_(
                    "Perioderne skal være: mails 1–365 dage, medlemmer 1–20 år, varsel 1–180 dage, "
                    "adgangslog 30–3650 dage og frikøbskrav 5–10 år."
                ),
            )
        ]

    def __str__(self):
        return str(_("Opbevaring: %(branch)s")) % {"branch": self.branch}


class ErasureNotice(models.Model):
    """The office is told a person will be anonymised on ``erase_on`` unless someone keeps them."""

    person = models.OneToOneField(
        "circles.Person", verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="erasure_notice"
    )
    noticed_at = models.DateTimeField(_("varslet"), auto_now_add=True)
    erase_on = models.DateField(_("anonymiseres den"))
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("beholdt af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kept_reason = models.CharField(_("begrundelse for at beholde"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("varsel om anonymisering")
        verbose_name_plural = _("varsler om anonymisering")
        ordering = ["erase_on"]

    def __str__(self):
        return f"{self.person}: {self.erase_on}"


class ErasureReview(models.Model):
    """Free text written by a since-anonymised person: the office reads it and redacts names."""

    person_id = models.PositiveIntegerField(_("medlem (id)"), db_index=True)
    branch = models.ForeignKey(
        "circles.Branch", verbose_name=_("kreds"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(_("type"), max_length=100)
    object_id = models.CharField(_("id"), max_length=64)
    field = models.CharField(_("felt"), max_length=100)
    created_at = models.DateTimeField(_("markeret"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("gennemgået"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gennemgået af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fritekst til gennemsyn")
        verbose_name_plural = _("fritekster til gennemsyn")
        ordering = ["reviewed_at", "-created_at"]

    def __str__(self):
        return f"{self.object_type} {self.object_id}.{self.field}"
