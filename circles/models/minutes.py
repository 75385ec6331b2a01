"""Minutes (referat): the working copy, its uploaded files and a version per submission."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .meetings import Meeting

MINUTES_TEXT_MAX = 100_000  # about 40 pages; a longer text belongs in an uploaded file
KEY_MESSAGES_MAX = 5_000


def minutes_upload_path(instance, filename):
    # the name is ours, never the uploader's: <meeting>/<random>.<checked extension>
    return f"minutes/{instance.minutes.meeting_id}/{uuid.uuid4().hex}{instance.extension}"


class Minutes(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        SUBMITTED = "submitted", _("Indsendt")
        APPROVED = "approved", _("Godkendt")
        RETURNED = "returned", _("Sendt retur")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="minutes"
    )
    text = models.TextField(_("referat"), max_length=MINUTES_TEXT_MAX, blank=True)
    key_messages = models.TextField(
        _("centrale budskaber"),
        max_length=KEY_MESSAGES_MAX,
        blank=True,
        help_text=_(
            "Ikke fortroligt: sendes til TR og ledere, når referatet er godkendt (AMR- og blandede netværk)."
        ),
    )
    confidential = models.BooleanField(
        _("fortroligt"),
        default=False,
        help_text=_("Kun netværket og kredskontoret kan læse et fortroligt referat."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("indsendt af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandlet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_comment = models.TextField(_("kommentar ved retur"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("referat")
        verbose_name_plural = _("referater")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="minutes_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="minutes_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "returned"]) | Q(decided_at__isnull=False),
                name="minutes_decided_has_time",
            ),
        ]

    def __str__(self):
        return str(_("Referat: %(meeting)s")) % {"meeting": self.meeting}

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class MinutesAttachment(models.Model):
    """An uploaded minutes file (PDF, DOCX, ODT), stored under a name the server made."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        ODT = "odt", "OpenDocument (ODT)"

    CONTENT_TYPES = {
        Kind.PDF: "application/pdf",
        Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Kind.ODT: "application/vnd.oasis.opendocument.text",
    }

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("referat"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("fil"), upload_to=minutes_upload_path)
    kind = models.CharField(_("filtype"), max_length=4, choices=Kind)
    original_name = models.CharField(_("oprindeligt filnavn"), max_length=200)
    size = models.PositiveIntegerField(_("størrelse (bytes)"))
    uploaded_at = models.DateTimeField(_("uploadet"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("referatfil")
        verbose_name_plural = _("referatfiler")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("circles:minutes_file", args=[self.pk])

    @property
    def extension(self) -> str:
        return f".{self.kind}"

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.kind]


class MinutesVersion(models.Model):
    """A snapshot taken at every submission: nothing that was sent is ever lost."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("referat"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("referat"), max_length=MINUTES_TEXT_MAX, blank=True)
    key_messages = models.TextField(_("centrale budskaber"), max_length=KEY_MESSAGES_MAX, blank=True)
    attachment = models.ForeignKey(
        MinutesAttachment,
        verbose_name=_("fil"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    submitted_at = models.DateTimeField(_("indsendt"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        _("afgørelse"), max_length=10, choices=Minutes.Status, default=Minutes.Status.SUBMITTED
    )
    return_comment = models.TextField(_("kommentar ved retur"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("referatversion")
        verbose_name_plural = _("referatversioner")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_unique")]

    def __str__(self):
        return f"{self.minutes} v{self.number}"
