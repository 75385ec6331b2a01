from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One mail to one recipient, rendered when it was recorded and sent by a worker after commit.

    One-time links are not in the bodies: those hold a placeholder, and the links are kept sealed in
    ``sealed_secrets`` until delivery, then wiped (see ``sealing``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        SENDING = "sending", _("Sendes")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Fejlet")
        UNCERTAIN = "uncertain", _("Uvis")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    key = models.CharField(_("nøgle"), max_length=255, unique=True)
    topic = models.CharField(
        _("emne-nøgle"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("En senere mail om det samme trækker de endnu ikke sendte tilbage."),
    )
    template = models.CharField(_("skabelon"), max_length=100)
    to = models.CharField(_("modtager"), max_length=320)
    branch = models.ForeignKey(
        "circles.Branch",
        verbose_name=_("kreds"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Den kreds, hvis kontor må se mailen i loggen."),
    )
    subject = models.CharField(_("emne"), max_length=255)
    body_text = models.TextField(_("tekst"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("vedhæftninger"), default=list, blank=True)
    has_secrets = models.BooleanField(
        _("med engangslink"),
        default=False,
        help_text=_(
            "Mailen har et personligt link, som kun modtageren må se; det sættes ind ved afsendelsen."
        ),
    )
    sealed_secrets = models.TextField(_("forseglede links"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("forsøg"), default=0)
    last_error = models.TextField(_("seneste fejl"), blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("næste forsøg"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("påbegyndt"), null=True, blank=True)
    claim = models.UUIDField(_("afsenderens kvittering"), null=True, blank=True, editable=False)
    lost_claims = models.PositiveSmallIntegerField(
        _("mulige dubletter"),
        default=0,
        help_text=_("Gange en afsender blev færdig efter at have mistet mailen til en anden afsender."),
    )
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)

    class Meta:
        verbose_name = _("udgående mail")
        verbose_name_plural = _("udgående mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_pending_idx",
                condition=Q(status__in=["queued", "sending"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
