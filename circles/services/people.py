from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Membership, Network, Person


@transaction.atomic
def membership_add(*, network: Network, person: Person, joined_on: date | None = None) -> Membership:
    """Add a person to a network. A TR holds one place in one active TR network; the database enforces it."""
    if person.branch_id != network.branch_id:
        raise ValidationError(_("Medlemmet hører til en anden kreds end netværket."))
    membership = Membership(network=network, person=person, joined_on=joined_on or timezone.localdate())
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        if Membership.objects.active().filter(network=network, person=person).exists():
            raise ValidationError(
                _("%(person)s er allerede med i netværket.") % {"person": person}
            ) from error
        raise ValidationError(
            _("%(person)s er allerede med i et andet aktivt TR-netværk. Meld dem ud af det først.")
            % {"person": person}
        ) from error
    return membership
