"""Who belongs to which network. The admin and any import add, end and correct memberships here.

A TR holds one place in one active TR network (TR or mixed); the database enforces it, and the checks
here name the clash in Danish first. An FTR who joins a network without a coordinator becomes its
coordinator, unless the office has recorded that the network elected one.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Membership, Network, Person, User
from .networks import is_ftr


def _check_scope(network: Network, person: Person, by: User) -> None:
    if not by.is_superuser and by.is_staff and by.branch_id != network.branch_id:
        raise ValidationError(_("Netværket hører til en anden kreds end din."))
    if person.branch_id != network.branch_id:
        raise ValidationError(_("%(person)s hører til en anden kreds end netværket.") % {"person": person})


def _check_dates(joined_on: date, left_on: date | None) -> None:
    if left_on is not None and left_on < joined_on:
        raise ValidationError(_("Udmeldelsesdatoen kan ikke ligge før indmeldelsesdatoen."))


def _check_place(membership: Membership) -> None:
    """An active membership: once per network, and a TR's one TR network."""
    if membership.left_on is not None:
        return
    others = Membership.objects.active().filter(person=membership.person_id).exclude(pk=membership.pk)
    if others.filter(network=membership.network_id).exists():
        raise ValidationError(_("%(person)s er allerede med i netværket.") % {"person": membership.person})
    if membership.network.is_tr_network:
        clash = others.filter(tr_slot=True).select_related("network").first()
        if clash:
            raise ValidationError(
                _(
                    "%(person)s er allerede med i TR-netværket “%(network)s”. En TR kan kun være med i ét "
                    "aktivt TR-netværk; meld dem ud af det først."
                )
                % {"person": membership.person, "network": clash.network}
            )


def _store(membership: Membership) -> Membership:
    """Save; a concurrent writer that slipped past the checks meets the database's constraints."""
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        _check_place(membership)  # names the clash now that the other row is committed
        raise ValidationError(_("Medlemskabet kunne ikke gemmes; prøv igen.")) from error
    return membership


def _lock(network: Network, person: Person) -> tuple[Network, Person]:
    """Lock the person (one writer of their places at a time) and the network (its kind and coordinator)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    network = Network.objects.select_for_update().get(pk=network.pk)
    return network, person


@transaction.atomic
def membership_add(
    *,
    network: Network,
    person: Person,
    by: User,
    joined_on: date | None = None,
    left_on: date | None = None,
) -> Membership:
    """Add a person to a network (``left_on`` records a past membership). An FTR joining a network
    that has no coordinator, and has not elected one, becomes its coordinator; ``network`` is updated."""
    locked, person = _lock(network, person)
    _check_scope(locked, person, by)
    membership = Membership(
        network=locked, person=person, joined_on=joined_on or timezone.localdate(), left_on=left_on
    )
    _check_dates(membership.joined_on, left_on)
    _check_place(membership)
    _store(membership)
    if (
        left_on is None
        and locked.coordinator_id is None
        and not locked.coordinator_elected
        and is_ftr(person)
    ):
        locked.coordinator = person
        locked.save(update_fields=["coordinator"])
        network.coordinator = person
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by: User, left_on: date | None = None) -> Membership:
    """A member leaves the network (today, or on ``left_on``); their TR-network place is free again."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("network", "person")
        .get(pk=membership.pk)
    )
    _check_scope(membership.network, membership.person, by)
    if membership.left_on is not None:
        raise ValidationError(
            _("%(person)s er allerede meldt ud af netværket.") % {"person": membership.person}
        )
    membership.left_on = left_on or timezone.localdate()
    _check_dates(membership.joined_on, membership.left_on)
    membership.save(update_fields=["left_on"])
    return membership


@transaction.atomic
def membership_update(
    *, membership: Membership, by: User, joined_on: date, left_on: date | None
) -> Membership:
    """Correct a membership's dates; clearing ``left_on`` takes the person back in (and takes a place)."""
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("network", "person")
        .get(pk=membership.pk)
    )
    if current.left_on is None and left_on is not None:
        current = membership_end(membership=current, by=by, left_on=left_on)
        if current.joined_on == joined_on:
            return current
    network, person = _lock(current.network, current.person)
    _check_scope(network, person, by)
    _check_dates(joined_on, left_on)
    current.network, current.person, current.joined_on, current.left_on = network, person, joined_on, left_on
    _check_place(current)
    return _store(current)
