"""Branches, people, mandates, networks, meetings and minutes. The database guards the invariants."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NEW_REPRESENTATIVE_DAYS = 183  # "nyvalgt": elected within the last six months

AMR_GROUND_RULES = _(
    "Gruppen har tavshedspligt om de oplysninger, den enkelte deler.\n"
    "Samtalen er en samtale om opgaver og ikke om enkeltpersoner.\n"
    "Samtalen har fokus på fremtiden og muligheder frem for historiske problemer."
)


class Branch(models.Model):
    name = models.CharField(_("navn"), max_length=120, unique=True)
    union = models.CharField(_("fagforening"), max_length=120)
    office_email = models.EmailField(_("kredskontorets e-mail"))

    class Meta:
        verbose_name = _("kreds")
        verbose_name_plural = _("kredse")
        ordering = ["name"]

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
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Kommune")
        PRIVATE = "private", _("Privat arbejdsgiver")

    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    name = models.CharField(_("navn"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("arbejdsgiver")
        verbose_name_plural = _("arbejdsgivere")
        ordering = ["name"]

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

    class Meta:
        verbose_name = _("arbejdsplads")
        verbose_name_plural = _("arbejdspladser")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="workplace_unique_per_employer")
        ]

    def __str__(self):
        return self.name


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


class Network(models.Model):
    class Kind(models.TextChoices):
        TR = "tr", _("TR-netværk")
        AMR = "amr", _("AMR-netværk")
        MIXED = "mixed", _("TR- og AMR-netværk")

    DEFAULT_MINIMUM = {Kind.TR: 4, Kind.AMR: 2, Kind.MIXED: 4}
    TR_KINDS = (Kind.TR, Kind.MIXED)

    branch = models.ForeignKey(
        Branch, verbose_name=_("kreds"), on_delete=models.PROTECT, related_name="networks"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind)
    name = models.CharField(_("navn"), max_length=160)
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("arbejdsgiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="networks",
    )
    municipality_group = models.CharField(_("kommunegruppe"), max_length=120, blank=True)
    coordinator = models.ForeignKey(
        Person,
        verbose_name=_("koordinator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_networks",
        help_text=_("FTR er koordinator. Har netværket ingen FTR, vælger netværket en koordinator."),
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("faciliterende konsulent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_networks",
    )
    minimum_meetings = models.PositiveSmallIntegerField(
        _("mindst antal møder om året"), blank=True, help_text=_("Tom: 4 for TR-netværk, 2 for AMR-netværk.")
    )
    ground_rules = models.TextField(_("leveregler"), blank=True)
    active = models.BooleanField(_("aktivt"), default=True)

    class Meta:
        verbose_name = _("netværk")
        verbose_name_plural = _("netværk")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="network_name_unique_per_branch"),
            models.CheckConstraint(
                condition=Q(minimum_meetings__gte=1, minimum_meetings__lte=12),
                name="network_minimum_meetings_1_12",
                violation_error_message=_("Mindst antal møder skal være mellem 1 og 12."),
            ),
            models.CheckConstraint(
                condition=Q(employer__isnull=False) | ~Q(municipality_group=""),
                name="network_built_on_employer_or_group",
                violation_error_message=_("Angiv arbejdsgiveren eller kommunegruppen, netværket bygger på."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.minimum_meetings is None:
            self.minimum_meetings = self.DEFAULT_MINIMUM[self.kind]
        if not self.ground_rules and self.kind in (self.Kind.AMR, self.Kind.MIXED):
            self.ground_rules = str(AMR_GROUND_RULES)
        super().save(*args, **kwargs)
        # keep the denormalised "takes the member's one TR-network place" flag in step with the kind
        self.memberships.exclude(tr_slot=self.is_tr_network).update(tr_slot=self.is_tr_network)

    def get_absolute_url(self):
        return reverse("circles:network_detail", args=[self.pk])

    @property
    def is_tr_network(self) -> bool:
        return self.kind in self.TR_KINDS


class NetworkOverview(Network):
    """The office's view of every network's year: meetings held and planned against the minimum."""

    class Meta:
        proxy = True
        verbose_name = _("netværksoverblik")
        verbose_name_plural = _("netværksoverblik")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_on__isnull=True)


def active_member_count() -> Coalesce:
    """A network's number of active members, as a correlated subquery (one index look-up per network)."""
    counted = (
        Membership.objects.active()
        .filter(network=OuterRef("pk"))
        .order_by()
        .values("network")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


class Membership(models.Model):
    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("medlem"), on_delete=models.CASCADE, related_name="memberships"
    )
    joined_on = models.DateField(_("indmeldt"), default=timezone.localdate)
    left_on = models.DateField(_("udmeldt"), null=True, blank=True)
    tr_slot = models.BooleanField(default=False, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("netværksmedlemskab")
        verbose_name_plural = _("netværksmedlemskaber")
        ordering = ["person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_leaves_after_joining",
                violation_error_message=_("Udmeldelsesdatoen kan ikke ligge før indmeldelsesdatoen."),
            ),
            models.UniqueConstraint(
                fields=["network", "person"],
                condition=Q(left_on__isnull=True),
                name="membership_once_per_network",
                violation_error_message=_("Medlemmet er allerede med i netværket."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(left_on__isnull=True, tr_slot=True),
                name="membership_one_active_tr_network",
                violation_error_message=_("En TR kan kun være med i ét aktivt TR-netværk ad gangen."),
            ),
        ]

    def __str__(self):
        return f"{self.person} i {self.network}"

    def save(self, *args, **kwargs):
        self.tr_slot = self.network.is_tr_network
        super().save(*args, **kwargs)


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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
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


@dataclass(frozen=True)
class Recipient:
    """One mail's addressee: a member, or a staff user such as the facilitating consultant.

    ``key`` tells them apart in outbox keys (a member's is their id, as it always was).
    """

    name: str
    email: str
    key: str

    @classmethod
    def of_person(cls, person: "Person") -> "Recipient":
        return cls(name=person.name, email=person.email, key=str(person.pk))

    @classmethod
    def of_user(cls, user: "User") -> "Recipient":
        return cls(name=user.get_full_name() or user.username, email=user.email, key=f"user-{user.pk}")


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
    text = models.TextField(_("referat"), blank=True)
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
    return_comment = models.TextField(_("kommentar ved retur"), blank=True)

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
    text = models.TextField(_("referat"), blank=True)
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
    return_comment = models.TextField(_("kommentar ved retur"), blank=True)

    class Meta:
        verbose_name = _("referatversion")
        verbose_name_plural = _("referatversioner")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_unique")]

    def __str__(self):
        return f"{self.minutes} v{self.number}"
