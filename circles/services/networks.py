"""Networks: who coordinates, who facilitates, and the rule that the network's FTR coordinates.

The coordinator rule: a network with an FTR among its active members has an FTR as coordinator,
unless the office records that the network elected someone else (``coordinator_elected``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from ..models import Mandate, Membership, Network, Person, User
from ..roles import CONSULTANT, is_office

# What only the office sets: the branch, who facilitates (and so reads confidential minutes) and who coordinates.
OFFICE_FIELDS = ("branch", "consultant", "coordinator", "coordinator_elected")


def ftr_memberships(network) -> QuerySet[Membership]:
    """The active memberships of people holding an active FTR mandate. ``network`` may be an OuterRef."""
    ftrs = Mandate.objects.active().filter(role=Mandate.Role.FTR).values("person")
    return Membership.objects.active().filter(network=network, person__in=ftrs)


def coordinator_rule_unmet() -> Q:
    """Networks where the rule is not met, as one filter for a Network queryset (set-based): an FTR
    among the active members, no election recorded, and the coordinator is none of the FTRs."""
    ftrs = ftr_memberships(OuterRef("pk"))
    return Q(coordinator_elected=False) & Exists(ftrs) & ~Exists(ftrs.filter(person=OuterRef("coordinator")))


def network_ftrs(network: Network) -> list[Person]:
    return list(Person.objects.filter(pk__in=ftr_memberships(network).values("person")).order_by("name"))


def is_ftr(person: Person) -> bool:
    return Mandate.objects.active().filter(person=person, role=Mandate.Role.FTR).exists()


def check_coordinator_rule(network: Network, *, coordinator: Person | None, elected: bool) -> None:
    """Refuse a coordinator who is not the network's FTR while an FTR is a member and no election is recorded."""
    if elected or network.pk is None:
        return
    ftrs = network_ftrs(network)
    if not ftrs or (coordinator is not None and coordinator.pk in {ftr.pk for ftr in ftrs}):
        return
    raise ValidationError(
        _(
            "Netværkets FTR (%(names)s) er koordinator, medmindre netværket har valgt en anden. "
            "Vælg FTR'en som koordinator, eller sæt kryds i “koordinator valgt af netværket”."
        )
        % {"names": ", ".join(ftr.name for ftr in ftrs)}
    )


def is_office_or_superuser(user: User) -> bool:
    return user.is_superuser or is_office(user)


def _check_branch(network: Network, by: User) -> None:
    if not by.is_superuser and network.branch_id != by.branch_id:
        raise ValidationError(_("Du kan kun oprette og ændre netværk i din egen kreds."))


def _check_people(network: Network) -> None:
    if network.coordinator_id and network.coordinator.branch_id != network.branch_id:
        raise ValidationError(_("Koordinatoren skal høre til netværkets kreds."))
    if network.consultant_id:
        consultant = network.consultant
        is_consultant = consultant.is_staff and consultant.groups.filter(name=CONSULTANT).exists()
        if not is_consultant or consultant.branch_id != network.branch_id:
            raise ValidationError(_("Den faciliterende konsulent skal være konsulent i netværkets kreds."))


def _check_tr_places(network: Network) -> None:
    """A network becoming a TR network must not give any member a second active TR network."""
    clashes = (
        Membership.objects.active()
        .filter(
            network=network,
            person__in=Membership.objects.active()
            .filter(tr_slot=True)
            .exclude(network=network)
            .values("person"),
        )
        .select_related("person")
    )
    names = ", ".join(membership.person.name for membership in clashes)
    if names:
        raise ValidationError(
            _("Netværket kan ikke blive et TR-netværk: %(names)s er allerede med i et andet TR-netværk.")
            % {"names": names}
        )


@transaction.atomic
def network_save(*, network: Network, by: User) -> Network:
    """Create or change a network (the admin's save). Whatever the form sent, only the office sets the
    branch, the consultant and the coordinator, and the coordinator rule holds."""
    office = is_office_or_superuser(by)
    before = Network.objects.select_for_update().filter(pk=network.pk).first() if network.pk else None
    if before is None and not office:
        raise ValidationError(_("Kun kredskontoret kan oprette netværk."))
    _check_branch(network, by)
    if before is not None:
        _check_branch(before, by)
    changed = {
        name
        for name in OFFICE_FIELDS
        if before is None
        or getattr(before, Network._meta.get_field(name).attname)
        != getattr(network, Network._meta.get_field(name).attname)
    }
    if not office and changed:
        raise ValidationError(
            _("Kun kredskontoret kan vælge netværkets kreds, faciliterende konsulent og koordinator.")
        )
    _check_people(network)
    if changed & {"coordinator", "coordinator_elected"}:
        check_coordinator_rule(network, coordinator=network.coordinator, elected=network.coordinator_elected)
    if before is not None and network.is_tr_network and not before.is_tr_network:
        _check_tr_places(network)
    network.save()
    return network


@transaction.atomic
def network_make_ftr_coordinator(*, network: Network, by: User) -> Person:
    """Apply the coordinator rule to a network without a coordinator: its one FTR becomes coordinator."""
    if not is_office_or_superuser(by):
        raise ValidationError(_("Kun kredskontoret kan vælge netværkets koordinator."))
    network = Network.objects.select_for_update(of=("self",)).select_related("coordinator").get(pk=network.pk)
    _check_branch(network, by)
    if network.coordinator_id:
        raise ValidationError(
            _("%(network)s har allerede en koordinator (%(person)s).")
            % {"network": network, "person": network.coordinator}
        )
    ftrs = network_ftrs(network)
    if not ftrs:
        raise ValidationError(
            _("%(network)s har ingen FTR blandt medlemmerne: netværket skal selv vælge en koordinator.")
            % {"network": network}
        )
    if len(ftrs) > 1:
        raise ValidationError(
            _("%(network)s har flere FTR'er: vælg koordinatoren i netværket.") % {"network": network}
        )
    network.coordinator = ftrs[0]
    network.save(update_fields=["coordinator"])
    return network.coordinator
