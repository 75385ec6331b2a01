"""Each network's voice and the way into an AMR network (seeds 000, 001, 002).

- ``SignUp``: an AMR signs up on the branch's public page (seed 001 "Tilmelding"), confirms the
  address, and the facilitating consultant accepts or declines.
- ``KeyMessageDelivery``: who was sent an approved minutes' key messages (seeds 001/002
  "Forankring og formulering").
- ``LeaveLetter``: the year's meeting dates with the branch's letter to a member's manager
  (seed 002 "Kære leder"), once per version.
- ``BoardTopic`` and ``BoardPoint``: the TR networks' demands to the board (seed 000 §2).
- ``SupervisionRequest``: a coordinator asks the office for supervision (seed 000 §3).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .minutes import Minutes
from .networks import Network
from .org import Branch, Workplace
from .people import Mandate, Person

POINT_TEXT_MAX = 2000
REQUEST_TEXT_MAX = 2000


class SignUp(models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Afventer bekræftelse af e-mail")
        PENDING = "pending", _("Afventer konsulenten")
        ACCEPTED = "accepted", _("Optaget")
        DECLINED = "declined", _("Afvist")

    ROLES = [
        (Mandate.Role.AMR.value, Mandate.Role.AMR.label),
        (Mandate.Role.AMR_DEPUTY.value, Mandate.Role.AMR_DEPUTY.label),
    ]

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.CASCADE, related_name="signups"
    )
    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="signups"
    )
    name = models.CharField(_("navn"), max_length=160)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    member_number = models.CharField(_("medlemsnummer"), max_length=30, blank=True)
    workplace = models.ForeignKey(
        Workplace,
        verbose_name=_("arbejdsplads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    workplace_text = models.CharField(_("arbejdsplads (skrevet)"), max_length=160, blank=True)
    municipality = models.CharField(_("kommune"), max_length=80)
    role = models.CharField(_("hverv"), max_length=20, choices=ROLES)
    consent_at = models.DateTimeField(_("samtykke givet"))
    confirm_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    confirm_expires_at = models.DateTimeField(_("bekræftelse udløber"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("e-mail bekræftet"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.UNCONFIRMED)
    person = models.ForeignKey(
        Person,
        verbose_name=_("medlem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signups",
        help_text=_("Det medlem, tilmeldingen er knyttet til."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandlet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    decline_message = models.TextField(_("besked ved afvisning"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("modtaget"), auto_now_add=True)

    class Meta:
        verbose_name = _("tilmelding til AMR-netværk")
        verbose_name_plural = _("tilmeldinger til AMR-netværk")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["network", "status"], name="signup_queue_idx")]

    def __str__(self):
        return f"{self.name} ({self.network})"


class KeyMessageDelivery(models.Model):
    """One recipient of an approved minutes' key messages: what the office sees was sent to whom."""

    class Audience(models.TextChoices):
        TR = "tr", _("TR")
        MANAGER = "manager", _("Leder")

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("referat"), on_delete=models.CASCADE, related_name="key_message_deliveries"
    )
    audience = models.CharField(_("modtager er"), max_length=10, choices=Audience)
    recipient_name = models.CharField(_("modtager"), max_length=160)
    recipient_email = models.EmailField(_("e-mail"))
    person = models.ForeignKey(
        Person, verbose_name=_("medlem"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    workplace = models.ForeignKey(
        Workplace,
        verbose_name=_("arbejdsplads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outbox_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("centrale budskaber sendt")
        verbose_name_plural = _("centrale budskaber sendt")
        ordering = ["-created_at", "recipient_name"]

    def __str__(self):
        return f"{self.minutes}: {self.recipient_name}"


class LeaveLetter(models.Model):
    """The leave letter with a year's meeting dates, sent to one member's manager (copy to the member).

    ``version`` is a digest of the dates and the letter's text: a moved date is a new version.
    """

    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="leave_letters"
    )
    person = models.ForeignKey(Person, verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="+")
    workplace = models.ForeignKey(
        Workplace, verbose_name=_("arbejdsplads"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    version = models.CharField(_("version"), max_length=64)
    manager_email = models.EmailField(_("leders e-mail"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sendt af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("brev om tjenestefrihed")
        verbose_name_plural = _("breve om tjenestefrihed")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "person", "year", "version"], name="leave_letter_once_per_version"
            )
        ]

    def __str__(self):
        return f"{self.network} {self.year}: {self.person}"


class BoardTopic(models.Model):
    """A topic the office keeps for the points for the board (education, meeting activity, ...)."""

    DEFAULTS = (_("Uddannelse"), _("Mødeaktivitet"), _("Arbejdsvilkår"), _("Andet"))

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.CASCADE, related_name="board_topics"
    )
    name = models.CharField(_("navn"), max_length=80)
    position = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("emne for punkter til bestyrelsen")
        verbose_name_plural = _("emner for punkter til bestyrelsen")
        ordering = ["branch__name", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="board_topic_unique_per_branch")
        ]

    def __str__(self):
        return self.name


class BoardPoint(models.Model):
    """A TR network's point for the branch board, written in a meeting's minutes."""

    class Status(models.TextChoices):
        NEW = "new", _("Ny")
        TAKEN_UP = "taken_up", _("Taget op")
        ANSWERED = "answered", _("Besvaret")

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("referat"), on_delete=models.CASCADE, related_name="board_points"
    )
    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="board_points"
    )
    topic = models.ForeignKey(
        BoardTopic, verbose_name=_("emne"), on_delete=models.PROTECT, related_name="points"
    )
    title = models.CharField(_("overskrift"), max_length=160)
    text = models.TextField(_("tekst"), max_length=POINT_TEXT_MAX)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.NEW)
    reply = models.TextField(_("svar til netværket"), max_length=POINT_TEXT_MAX, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("besvaret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("punkt til bestyrelsen")
        verbose_name_plural = _("punkter til bestyrelsen")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["network", "status"], name="board_point_network_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(replied_at__isnull=False),
                name="board_point_answered_has_time",
            )
        ]

    def __str__(self):
        return self.title


class SupervisionRequest(models.Model):
    """A coordinator's request for supervision from the office (seed 000 §3)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Afventer kredskontoret")
        ANSWERED = "answered", _("Besvaret")
        CLOSED = "closed", _("Lukket")

    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="supervision_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bedt om af"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    about = models.TextField(_("hvad drejer det sig om"), max_length=REQUEST_TEXT_MAX)
    preferred_dates = models.CharField(_("foretrukne datoer"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    answer = models.TextField(_("svar"), max_length=REQUEST_TEXT_MAX, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("besvaret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("ønske om supervision")
        verbose_name_plural = _("ønsker om supervision")
        ordering = ["-created_at"]

    def __str__(self):
        return str(_("Supervision: %(network)s")) % {"network": self.network}
