"""Who may see and handle mentor requests.

- The branch's office and consultants: every request of their branch.
- A coordinator: the requests for new TRs of the networks they coordinate (the request's network, or
  a network the new TR is an active member of or has an open mentor prompt in).
- Everybody else: a person or staff user of the same branch gets 403, anybody else 404 (we do not
  confirm that a request exists).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from circles.models import Membership, MentorPrompt, Network, Person
from circles.permissions import person_for
from circles.roles import is_consultant, is_office

from .models import MentorRequest, Programme


def is_branch_staff(user, branch_id: int) -> bool:
    """The branch's office staff and consultants (and superusers): everything in the branch."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (is_office(user) or is_consultant(user)) and user.branch_id == branch_id


def user_branch_id(user) -> int | None:
    """The branch a login belongs to: a staff user's, else their person's."""
    if not user.is_authenticated:
        return None
    if user.branch_id is not None:
        return user.branch_id
    person = person_for(user)
    return person.branch_id if person is not None else None


def coordinated_networks(user):
    """The active networks the user coordinates (a queryset; empty for anybody else)."""
    person = person_for(user)
    if person is None:
        return Network.objects.none()
    return Network.objects.filter(coordinator=person, active=True)


def is_coordinator(user) -> bool:
    return coordinated_networks(user).exists()


def coordinator_scope(user) -> Q:
    """The condition on MentorRequest for the requests of a coordinator's networks."""
    networks = coordinated_networks(user).values("pk")
    members = Membership.objects.active().filter(network__in=networks).values("person_id")
    prompted = MentorPrompt.objects.filter(network__in=networks, done_at__isnull=True).values("person_id")
    return Q(network__in=networks) | Q(mentee__in=members) | Q(mentee__in=prompted)


def requests_for_user(user):
    """The mentor requests ``user`` may see and handle."""
    requests = MentorRequest.objects.all()
    if not user.is_authenticated:
        return requests.none()
    if user.is_superuser:
        return requests
    if is_office(user) or is_consultant(user):
        return requests.filter(programme__branch_id=user.branch_id)
    person = person_for(user)
    if person is None:
        return requests.none()
    return requests.filter(coordinator_scope(user), programme__branch_id=person.branch_id)


def may_handle_requests(user) -> bool:
    """Whether the user has a role on the request pages at all (else 403 for the lists and forms)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or is_office(user) or is_consultant(user) or is_coordinator(user)


def get_request_for_user(user, request_id) -> MentorRequest:
    """One request: 404 for an outsider (another branch, no branch), 403 for a user of the branch
    without a role on it."""
    request = get_object_or_404(
        MentorRequest.objects.select_related("programme__branch", "mentee", "network", "created_by"),
        pk=request_id,
    )
    if requests_for_user(user).filter(pk=request.pk).exists():
        return request
    if user_branch_id(user) == request.programme.branch_id:
        raise PermissionDenied
    raise Http404


def mentees_for_user(user, branch_id: int):
    """The new TRs the user may ask a mentor for: the branch's people (staff), or the members of and
    people prompted in the networks a coordinator coordinates."""
    people = Person.objects.filter(branch_id=branch_id, anonymised_at__isnull=True)
    if is_branch_staff(user, branch_id):
        return people
    networks = coordinated_networks(user).filter(branch_id=branch_id).values("pk")
    members = Membership.objects.active().filter(network__in=networks).values("person_id")
    prompted = MentorPrompt.objects.filter(network__in=networks, done_at__isnull=True).values("person_id")
    return people.filter(Q(pk__in=members) | Q(pk__in=prompted))


def programmes_for_user(user):
    """The active programmes the user may file requests in: their branch's."""
    branch_id = user_branch_id(user)
    if user.is_superuser:
        return Programme.objects.filter(active=True)
    return Programme.objects.filter(active=True, branch_id=branch_id)


def may_use_prompt(user, prompt: MentorPrompt) -> bool:
    """A prompt on a meeting page: the network's coordinator or consultant, or the branch's staff."""
    network = prompt.network
    if is_branch_staff(user, network.branch_id):
        return True
    if network.consultant_id is not None and network.consultant_id == user.pk:
        return True
    person = person_for(user)
    return person is not None and network.coordinator_id == person.pk
