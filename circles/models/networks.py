"""TR and AMR networks and who belongs to them."""

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .org import Branch, Employer
from .people import Person

AMR_GROUND_RULES = _(
    "Gruppen har tavshedspligt om de oplysninger, den enkelte deler.\n"
    "Samtalen er en samtale om opgaver og ikke om enkeltpersoner.\n"
    "Samtalen har fokus på fremtiden og muligheder frem for historiske problemer."
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
    coordinator_elected = models.BooleanField(
        _("koordinator valgt af netværket"),
        default=False,
        help_text=_(
            "Sæt kryds, hvis netværket har valgt en anden koordinator end sin FTR. "
            "Ellers er netværkets FTR koordinator."
        ),
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
    ground_rules = models.TextField(_("leveregler"), max_length=4000, blank=True)
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
        # (the same rule as derive_tr_slots, for every membership of this network at once)
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

    def bulk_create(self, objs, *args, **kwargs):
        # an import writes many rows at once and skips save(): tr_slot is derived here all the same
        objs = list(objs)
        derive_tr_slots(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        fields = list(fields)
        if "network" in fields or "tr_slot" in fields:
            objs = list(objs)
            derive_tr_slots(objs)
            fields = list(dict.fromkeys([*fields, "tr_slot"]))
        return super().bulk_update(objs, fields, *args, **kwargs)


def derive_tr_slots(memberships) -> None:
    """The one place ``Membership.tr_slot`` is decided: it is its network's kind as stored (TR or mixed),
    never what the caller set. One query for any number of memberships."""
    network_ids = {membership.network_id for membership in memberships}
    tr_networks = set(
        Network.objects.filter(pk__in=network_ids, kind__in=Network.TR_KINDS).values_list("pk", flat=True)
    )
    for membership in memberships:
        membership.tr_slot = membership.network_id in tr_networks


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
        derive_tr_slots([self])
        super().save(*args, **kwargs)
