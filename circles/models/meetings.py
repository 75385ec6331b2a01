"""Network meetings, their agenda, the invitations with their answers, and attendance."""

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netvaerk.outbox.recipients import Recipient

from .networks import Network
from .people import Person

# Meetings lie in a sane window: a year-1 or year-9999 date breaks every calendar and date sum.
MEETING_YEARS = (2000, 2099)
_WINDOW_START = datetime(MEETING_YEARS[0], 1, 1, tzinfo=UTC)
_WINDOW_END = datetime(MEETING_YEARS[1] + 1, 1, 1, tzinfo=UTC)


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        HELD = "held", _("Afholdt")
        CANCELLED = "cancelled", _("Aflyst")

    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("starter"))
    duration_minutes = models.PositiveSmallIntegerField(_("varighed (minutter)"), default=120)
    place = models.CharField(_("sted"), max_length=200, blank=True)
    online_url = models.URLField(_("link til onlinemøde"), blank=True)
    theme = models.CharField(_("tema"), max_length=200, blank=True)
    follows_group_meeting = models.CharField(
        _("efter kommunegruppemøde"),
        max_length=200,
        blank=True,
        help_text=_("Fx 'Kommunegruppemøde i Randers kl. 15'. AMR-netværk mødes ofte lige efter."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    uid = models.UUIDField(_("kalender-id"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("kalenderversion"), default=0)
    invited_at = models.DateTimeField(_("inviteret"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oprettet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("senest ændret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("netværksmøde")
        verbose_name_plural = _("netværksmøder")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["network", "starts_at"], name="meeting_network_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="meeting_duration_15m_8h",
                violation_error_message=_("Et møde varer mellem 15 minutter og 8 timer."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__gte=_WINDOW_START, starts_at__lt=_WINDOW_END),
                name="meeting_starts_in_window",
                violation_error_message=_("Et møde skal ligge mellem år 2000 og 2099."),
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_url=""),
                name="meeting_has_place_or_link",
                violation_error_message=_("Angiv et mødested eller et link til onlinemødet."),
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.network}: {local:%d.%m.%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("circles:meeting_detail", args=[self.pk])

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="agenda"
    )
    position = models.PositiveSmallIntegerField(_("nummer"), default=0)
    title = models.CharField(_("punkt"), max_length=200)
    minutes_allotted = models.PositiveSmallIntegerField(_("minutter"), null=True, blank=True)

    class Meta:
        verbose_name = _("dagsordenspunkt")
        verbose_name_plural = _("dagsorden")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_allotted__isnull=True)
                | Q(minutes_allotted__gte=1, minutes_allotted__lte=480),
                name="agenda_minutes_1_480",
            ),
        ]

    def __str__(self):
        return self.title


class Invitation(models.Model):
    """An invitation to a meeting and the answer ("kommer / kommer ikke").

    It goes to a person of the network, or to the staff user who facilitates it (the consultant of an
    AMR network, who has a login but no member record): exactly one of the two.
    """

    class Response(models.TextChoices):
        NONE = "", _("Intet svar")
        YES = "yes", _("Kommer")
        NO = "no", _("Kommer ikke")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("medlem"),
        on_delete=models.CASCADE,
        related_name="invitations",
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("konsulent"),
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
        null=True,
        blank=True,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    response = models.CharField(_("svar"), max_length=3, choices=Response, blank=True, default=Response.NONE)
    responded_at = models.DateTimeField(_("svaret"), null=True, blank=True)
    sent_sequence = models.PositiveIntegerField(_("senest sendte version"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitationer")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="invitation_once_per_person"),
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once_per_user"),
            models.CheckConstraint(
                condition=Q(person__isnull=False, user__isnull=True)
                | Q(person__isnull=True, user__isnull=False),
                name="invitation_person_or_user",
            ),
        ]

    def __str__(self):
        return f"{self.recipient.name} → {self.meeting}"

    @property
    def recipient(self) -> "Recipient":
        """Who the mail goes to, whether a member or the facilitating consultant."""
        return Recipient.of_person(self.person) if self.person_id else Recipient.of_user(self.user)


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="attendance"
    )

    class Meta:
        verbose_name = _("fremmøde")
        verbose_name_plural = _("fremmøde")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once_per_person")
        ]

    def __str__(self):
        return f"{self.person} @ {self.meeting}"
