"""Who may see and change what. Every view starts with one of the ``get_*_for_user`` helpers.

Outsiders get 404 (we do not confirm that an object exists); people who may see an object but not
change it get 403. Trade-union membership is special-category data (GDPR Art. 9): the default is no.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Meeting, Membership, Minutes, MinutesAttachment, Network, Person
from .roles import is_consultant, is_office


def person_for(user) -> Person | None:
    if not user.is_authenticated:
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def networks_for_user(user):
    """The networks a user may see: their own, or (office, consultants) their branch's."""
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    if is_office(user) or is_consultant(user):
        return Network.objects.filter(branch_id=user.branch_id)
    person = person_for(user)
    if person is None:
        return Network.objects.none()
    # a union of two indexed look-ups: an OR across them would scan every network in the country
    coordinated = Network.objects.filter(coordinator=person).order_by().values("pk")
    member_of = Membership.objects.active().filter(person=person).order_by().values("network_id")
    return Network.objects.filter(pk__in=coordinated.union(member_of))


def is_in_network(user, network: Network) -> bool:
    """Coordinator, facilitating consultant or active member: the circle confidential minutes stay in."""
    if network.consultant_id is not None and network.consultant_id == user.pk:
        return True
    person = person_for(user)
    if person is None:
        return False
    return network.coordinator_id == person.pk or network.memberships.active().filter(person=person).exists()


def can_manage_network(user, network: Network) -> bool:
    if user.is_superuser:
        return True
    if network.consultant_id is not None and network.consultant_id == user.pk:
        return True
    person = person_for(user)
    return person is not None and network.coordinator_id == person.pk


def can_see_network(user, network: Network) -> bool:
    if user.is_superuser:
        return True
    if (is_office(user) or is_consultant(user)) and network.branch_id == user.branch_id:
        return True
    return is_in_network(user, network)


def get_network_for_user(user, network_id, *, manage: bool = False) -> Network:
    network = get_object_or_404(
        Network.objects.select_related("branch", "coordinator", "consultant"), pk=network_id
    )
    if not can_see_network(user, network):
        raise Http404
    if manage and not can_manage_network(user, network):
        raise PermissionDenied
    return network


def get_meeting_for_user(user, meeting_id, *, manage: bool = False) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("network__branch", "network__coordinator", "network__consultant"),
        pk=meeting_id,
    )
    if not can_see_network(user, meeting.network):
        raise Http404
    if manage and not can_manage_network(user, meeting.network):
        raise PermissionDenied
    return meeting


def can_read_minutes(user, minutes: Minutes) -> bool:
    """Coordinators read their drafts; others read approved minutes; confidential ones stay in the circle."""
    network = minutes.meeting.network
    if can_manage_network(user, network):
        return True
    office = user.is_superuser or (is_office(user) and network.branch_id == user.branch_id)
    if office:
        return minutes.status != Minutes.Status.DRAFT
    if minutes.status != Minutes.Status.APPROVED:
        return False
    if minutes.confidential:
        return is_in_network(user, network)
    return can_see_network(user, network)


def get_minutes_file_for_user(user, file_id) -> MinutesAttachment:
    attachment = get_object_or_404(
        MinutesAttachment.objects.select_related("minutes__meeting__network"), pk=file_id
    )
    if not can_see_network(user, attachment.minutes.meeting.network):
        raise Http404
    if not can_read_minutes(user, attachment.minutes):
        raise PermissionDenied
    return attachment
