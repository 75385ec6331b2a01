"""What the periodic jobs decided: one row per reminder, so the office sees the last one and why."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .meetings import Meeting
from .networks import Network
from .org import Branch


class Reminder(models.Model):
    """One reminder mail decided by a job. ``key`` is the outbox key: unique, so a job run twice,
    two beat processes or a retried task never record (nor send) it a second time."""

    class Kind(models.TextChoices):
        CADENCE = "cadence", _("Mødeplan for kvartalet")
        DIGEST = "digest", _("Månedsoversigt til kredskontoret")
        MEETING = "meeting", _("Påmindelse før møde")
        MINUTES = "minutes", _("Referat mangler")
        MINUTES_OFFICE = "minutes_office", _("Referat mangler – kredskontoret")
        RETURNED = "returned", _("Returneret referat ikke indsendt igen")
        RETURNED_OFFICE = "returned_office", _("Returneret referat ikke indsendt igen – kredskontoret")
        WELCOME = "welcome", _("Velkomst")
        PLACEMENT = "placement", _("Placering i netværk")
        MENTOR_OFFER = "mentor_offer", _("Mentortilbud udløber snart")
        MENTOR_OFFER_EXPIRED = "mentor_expired", _("Mentortilbud udløbet")
        MENTOR_ENDING = "mentor_ending", _("Mentorforløb slutter om en måned")
        MENTOR_FEEDBACK = "mentor_feedback", _("Evaluering af mentorforløb")
        RETENTION = "retention", _("Sletning efter opbevaringsperiode")

    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    key = models.CharField(_("nøgle"), max_length=255, unique=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.CASCADE, related_name="reminders"
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("netværk"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("møde"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    recipient = models.CharField(_("modtager"), max_length=160)
    reason = models.CharField(_("hvorfor"), max_length=500)
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("påmindelse")
        verbose_name_plural = _("påmindelser")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["network", "-created_at"], name="reminder_network_recent_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.recipient}"
