"""Who may open a member's master data page ("stamoplysninger").

The branch office of the person's branch, and the coordinator or facilitating consultant of a network
the person belongs to or is being placed in (an open mentor prompt there: the welcome chain put them
in its circle). Whoever otherwise knows the person (a fellow member of one of their networks, the
branch's other consultants) gets 403; everybody else 404: we do not confirm that a member exists.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Membership, MentorPrompt, Network, Person
from .permissions import person_for
from .roles import is_consultant, is_office


def _their_networks(person: Person):
    """The networks the person belongs to (active) or has an open mentor prompt in."""
    member_of = Membership.objects.active().filter(person=person).values("network_id")
    prompted = MentorPrompt.objects.filter(person=person, done_at__isnull=True).values("network_id")
    return Network.objects.filter(Q(pk__in=member_of) | Q(pk__in=prompted))


def can_see_person(user, person: Person) -> bool:
    if user.is_superuser:
        return True
    if is_office(user) and user.branch_id == person.branch_id:
        return True
    viewer = person_for(user)
    rule = Q(consultant_id=user.pk)
    if viewer is not None:
        rule |= Q(coordinator=viewer)
    return _their_networks(person).filter(rule).exists()


def _knows_person(user, person: Person) -> bool:
    if (is_office(user) or is_consultant(user)) and user.branch_id == person.branch_id:
        return True
    viewer = person_for(user)
    if viewer is None:
        return False
    if viewer.pk == person.pk:
        return True
    shared = Membership.objects.active().filter(person=viewer).values("network_id")
    return _their_networks(person).filter(pk__in=shared).exists()


def get_person_for_user(user, person_id) -> Person:
    """The person whose master data ``user`` may read: 404 outsider, 403 who knows them without the role."""
    person = get_object_or_404(Person.objects.select_related("branch"), pk=person_id)
    if can_see_person(user, person):
        return person
    if _knows_person(user, person):
        raise PermissionDenied
    raise Http404
