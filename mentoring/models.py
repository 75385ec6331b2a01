"""The mentor programme (seeds 000, 003, 004): a new TR matched with an experienced one.

A branch runs a ``Programme`` (term, frequency, optional cap on active pairs). A ``MentorRequest``
asks for a mentor for a new TR; the consultant or coordinator picks one of the ranked suggestions and
sends an ``Offer`` by e-mailed link (to the mentor first, if the programme says so, then to the
mentee). Acceptance starts a ``Pairing`` for the programme's term; either party logs ``Session``s and
may end it early; at the end each gives ``Feedback`` for the office's evaluation.

Links in mails carry a raw token; the database keeps only its SHA-256 (``netvaerk.tokens``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from circles.models import Branch, MentorPrompt, Network, Person

TERM_MONTHS_MAX = 36
OFFER_DAYS_MAX = 60
CAPACITY_MAX = 5
SESSION_MINUTES_MAX = 8 * 60
TEXT_MAX = 4000

SESSION_THEMES = (
    # seed 004's ideas for the sessions' content, offered as suggestions
    ("lunch", _("Frokostmøder")),
    ("events", _("Arrangementer")),
    ("pay_negotiation", _("Den første lokale lønforhandling")),
    ("annual_plan", _("Årshjulet")),
    ("tr_training", _("Refleksioner over TR-uddannelsen")),
    ("dilemmas", _("Dilemmaer")),
    ("ethics", _("Etiske udfordringer")),
)


class Programme(models.Model):
    """A branch's mentor programme (e.g. the DS Region Syd pilot: 5–6 pairs, 12 months, monthly)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.PROTECT, related_name="mentor_programmes"
    )
    name = models.CharField(_("navn"), max_length=160)
    term_months = models.PositiveSmallIntegerField(_("varighed (måneder)"), default=12)
    frequency = models.CharField(
        _("mødehyppighed"), max_length=200, default=_("Én gang om måneden, 1½–2 timer")
    )
    format = models.CharField(
        _("form"), max_length=200, default=_("Mest online eller over telefon; mødes fysisk efter aftale")
    )
    max_active_pairs = models.PositiveSmallIntegerField(
        _("højst antal aktive par"),
        null=True,
        blank=True,
        help_text=_("Tom: ingen grænse. Fx 6 i et pilotforløb."),
    )
    contact_name = models.CharField(_("kontaktperson"), max_length=160, blank=True)
    contact_email = models.EmailField(_("kontakt ved problemer (e-mail)"))
    mentor_first = models.BooleanField(
        _("spørg mentoren først"),
        default=False,
        help_text=_("Tilbuddet går først til mentoren; når mentoren har sagt ja, går det til den nye TR."),
    )
    offer_valid_days = models.PositiveSmallIntegerField(_("et tilbud gælder i (dage)"), default=14)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("mentorordning")
        verbose_name_plural = _("mentorordninger")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="programme_name_unique_per_branch"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=TERM_MONTHS_MAX),
                name="programme_term_1_36_months",
                violation_error_message=_("Varigheden skal være mellem 1 og 36 måneder."),
            ),
            models.CheckConstraint(
                condition=Q(offer_valid_days__gte=4, offer_valid_days__lte=OFFER_DAYS_MAX),
                name="programme_offer_days_4_60",
                violation_error_message=_("Et tilbud skal gælde mellem 4 og 60 dage."),
            ),
            models.CheckConstraint(
                condition=Q(max_active_pairs__isnull=True)
                | Q(max_active_pairs__gte=1, max_active_pairs__lte=500),
                name="programme_max_pairs_sane",
                violation_error_message=_("Højst antal par skal være mellem 1 og 500."),
            ),
        ]

    def __str__(self):
        return self.name


class Mentor(models.Model):
    """A person's willingness and capacity to mentor. Eligibility also needs an active TR/FTR mandate
    and a completed TR training (``Person.tr_training_completed_on``)."""

    person = models.OneToOneField(
        Person, verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="mentor_profile"
    )
    willing = models.BooleanField(_("vil gerne være mentor"), default=True)
    capacity = models.PositiveSmallIntegerField(_("højst antal mentees ad gangen"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentorer")
        ordering = ["person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=CAPACITY_MAX),
                name="mentor_capacity_1_5",
                violation_error_message=_("En mentor kan have mellem 1 og 5 mentees ad gangen."),
            )
        ]

    def __str__(self):
        return str(self.person)


class MentorRequest(models.Model):
    """A new TR's need for a mentor, until a pairing starts or the request is withdrawn."""

    class Source(models.TextChoices):
        PROMPT = "prompt", _("Velkomst: tilbyd en mentor på næste møde")
        SELF = "self", _("Den nye TR har selv bedt om en mentor")
        OFFICE = "office", _("Konsulent eller kredskontor")

    class Status(models.TextChoices):
        OPEN = "open", _("Afventer mentor")
        OFFERED = "offered", _("Tilbud sendt")
        MATCHED = "matched", _("Parret")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    OPEN_STATUSES = (Status.OPEN, Status.OFFERED)

    programme = models.ForeignKey(
        Programme, verbose_name=_("mentorordning"), on_delete=models.PROTECT, related_name="requests"
    )
    mentee = models.ForeignKey(
        Person, verbose_name=_("ny TR"), on_delete=models.CASCADE, related_name="mentor_requests"
    )
    source = models.CharField(_("kilde"), max_length=10, choices=Source)
    prompt = models.ForeignKey(
        MentorPrompt,
        verbose_name=_("fra velkomsten"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("ønsker og bemærkninger"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oprettet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    closed_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)

    class Meta:
        verbose_name = _("ønske om mentor")
        verbose_name_plural = _("ønsker om mentor")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "mentee"],
                condition=Q(status__in=["open", "offered"]),
                name="mentor_request_open_once",
                violation_error_message=_("Den nye TR har allerede et åbent ønske om mentor i ordningen."),
            )
        ]

    def __str__(self):
        return str(_("Mentor til %(person)s")) % {"person": self.mentee}


class Offer(models.Model):
    """One mentor offered to one new TR, answered by e-mailed link (mentor first, if so set)."""

    class Status(models.TextChoices):
        AWAITING_MENTOR = "awaiting_mentor", _("Afventer mentorens svar")
        PENDING = "pending", _("Afventer den nye TR's svar")
        ACCEPTED = "accepted", _("Accepteret")
        DECLINED = "declined", _("Afslået")
        EXPIRED = "expired", _("Udløbet")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    OPEN_STATUSES = (Status.AWAITING_MENTOR, Status.PENDING)

    request = models.ForeignKey(
        MentorRequest, verbose_name=_("ønske"), on_delete=models.CASCADE, related_name="offers"
    )
    mentor = models.ForeignKey(
        Person, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="mentor_offers_made"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status)
    reasons = models.CharField(_("hvorfor denne mentor"), max_length=500, blank=True)
    mentor_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    mentee_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    expires_at = models.DateTimeField(_("udløber"))
    decided_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    decline_reason = models.TextField(_("begrundelse for afslag"), max_length=2000, blank=True)
    declined_by = models.CharField(
        _("afslået af"), max_length=10, blank=True, choices=[("mentor", _("Mentor")), ("mentee", _("Ny TR"))]
    )
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
        verbose_name = _("mentortilbud")
        verbose_name_plural = _("mentortilbud")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_open_expiry_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["awaiting_mentor", "pending"]),
                name="offer_one_open_per_request",
                violation_error_message=_("Der er allerede et åbent tilbud til den nye TR."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "declined"]) | Q(decided_at__isnull=False),
                name="offer_decided_has_time",
            ),
        ]

    def __str__(self):
        return str(_("%(mentor)s til %(mentee)s")) % {"mentor": self.mentor, "mentee": self.request.mentee}


class Pairing(models.Model):
    """A mentor and a new TR, for the programme's term (or until either ends it)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktivt")
        ENDED_EARLY = "ended_early", _("Afsluttet før tid")
        COMPLETED = "completed", _("Gennemført")

    class Party(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Ny TR")
        OFFICE = "office", _("Kredskontoret")

    programme = models.ForeignKey(
        Programme, verbose_name=_("mentorordning"), on_delete=models.PROTECT, related_name="pairings"
    )
    offer = models.OneToOneField(
        Offer,
        verbose_name=_("tilbud"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pairing",
    )
    mentor = models.ForeignKey(
        Person, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="pairings_as_mentor"
    )
    mentee = models.ForeignKey(
        Person, verbose_name=_("ny TR"), on_delete=models.CASCADE, related_name="pairings_as_mentee"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.ACTIVE)
    started_on = models.DateField(_("startet"))
    ends_on = models.DateField(_("slutter"))
    ended_on = models.DateField(_("afsluttet"), null=True, blank=True)
    ended_by = models.CharField(_("afsluttet af"), max_length=10, choices=Party, blank=True)
    end_reason = models.TextField(_("begrundelse"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("mentorpar")
        verbose_name_plural = _("mentorpar")
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["status", "ends_on"], name="pairing_status_end_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("started_on")), name="pairing_ends_after_start"),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="pairing_not_self"),
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="active"),
                name="pairing_one_active_per_mentee",
                violation_error_message=_("Den nye TR har allerede en aktiv mentor."),
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(ended_on__isnull=False),
                name="pairing_ended_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.mentor} – {self.mentee}"


class PairingLink(models.Model):
    """A party's e-mailed link on a pairing: to end it, or to give feedback. Hashed, single-use."""

    class Purpose(models.TextChoices):
        END = "end", _("Afslut forløbet")
        FEEDBACK = "feedback", _("Evaluering")

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="links")
    party = models.CharField(_("part"), max_length=10, choices=Pairing.Party)
    purpose = models.CharField(_("formål"), max_length=10, choices=Purpose)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("udløber"), null=True, blank=True)
    used_at = models.DateTimeField(_("brugt"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("link til mentorforløb")
        verbose_name_plural = _("links til mentorforløb")

    def __str__(self):
        return f"{self.pairing}: {self.get_purpose_display()} ({self.get_party_display()})"


class Session(models.Model):
    """One mentor session, logged by the mentor or the mentee."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Telefon")
        IN_PERSON = "in_person", _("Fysisk møde")

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("mentorpar"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("dato"))
    duration_minutes = models.PositiveSmallIntegerField(_("varighed (minutter)"))
    mode = models.CharField(_("form"), max_length=10, choices=Mode)
    themes = models.JSONField(_("emner"), default=list, blank=True)
    topics = models.TextField(_("andre emner og noter"), max_length=TEXT_MAX, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skrevet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("mentorsamtale")
        verbose_name_plural = _("mentorsamtaler")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=SESSION_MINUTES_MAX),
                name="session_duration_5_480",
                violation_error_message=_("En samtale varer mellem 5 minutter og 8 timer."),
            ),
            models.CheckConstraint(
                condition=Q(held_on__year__gte=2000, held_on__year__lte=2099),
                name="session_year_2000_2099",
                violation_error_message=_("Datoen skal ligge mellem år 2000 og 2099."),
            ),
        ]

    def __str__(self):
        return f"{self.pairing}: {self.held_on}"


class Feedback(models.Model):
    """A party's evaluation of the pairing: seen by the office, never by the other party."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("mentorpar"), on_delete=models.CASCADE, related_name="feedback"
    )
    party = models.CharField(_("part"), max_length=10, choices=Pairing.Party)
    rating = models.PositiveSmallIntegerField(_("samlet vurdering (1–5)"))
    useful = models.TextField(_("hvad var godt"), max_length=TEXT_MAX, blank=True)
    improve = models.TextField(_("hvad kan gøres bedre"), max_length=TEXT_MAX, blank=True)
    recommend = models.BooleanField(_("vil anbefale ordningen"), null=True)
    submitted_at = models.DateTimeField(_("afgivet"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluering")
        verbose_name_plural = _("evalueringer")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "party"], name="feedback_once_per_party"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"),
        ]

    def __str__(self):
        return f"{self.pairing}: {self.get_party_display()}"
