"""Who may see and change what. Every view starts with one of the ``get_*_for_user`` helpers.

Outsiders get 404 (we do not confirm that an object exists); people who may see an object but not
change it get 403. Trade-union membership is special-category data (GDPR Art. 9): the default is no.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import (
    Attendance,
    Invitation,
    Meeting,
    Membership,
    MentorPrompt,
    Minutes,
    MinutesAttachment,
    Network,
    Person,
)
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


# Minutes ------------------------------------------------------------------------------------------
# One rule for who reads minutes, used by the front end and the admin alike (``can_read_minutes`` for
# one object, ``readable_minutes`` for a queryset: the two must agree, tests/circles/test_minutes_access.py).

SENT = (Minutes.Status.SUBMITTED, Minutes.Status.APPROVED)


def _is_branch_office(user, network: Network) -> bool:
    return is_office(user) and network.branch_id == user.branch_id


def took_part(user, meeting: Meeting) -> bool:
    """Invited to the meeting or present at it: the people its minutes are mailed to."""
    if not user.is_authenticated:
        return False
    if meeting.invitations.filter(user=user).exists():
        return True
    person = person_for(user)
    if person is None:
        return False
    return (
        meeting.attendance.filter(person=person).exists()
        or meeting.invitations.filter(person=person).exists()
    )


def follows_minutes(user, minutes: Minutes) -> bool:
    """Whom a meeting's minutes are sent to when submitted: the network's circle, and for minutes that
    are not confidential also whoever was invited or took part."""
    if is_in_network(user, minutes.meeting.network):
        return True
    return not minutes.confidential and took_part(user, minutes.meeting)


def can_read_minutes(user, minutes: Minutes) -> bool:
    """Who reads a meeting's minutes.

    - The coordinator and the facilitating consultant (and superusers) read them in every state; they
      read the working copy (``reads_working_copy``).
    - The branch office reads whatever was submitted: submitted, approved and returned minutes; of
      returned ones the last submitted version, never the coordinator's working copy.
    - Those the minutes were mailed to (``follows_minutes``) read submitted and approved minutes, so a
      mailed link opens. Confidential minutes stay in the network's circle.
    - Approved minutes that are not confidential: anybody who sees the network.
    """
    network = minutes.meeting.network
    if can_manage_network(user, network):
        return True
    if _is_branch_office(user, network):
        return minutes.status != Minutes.Status.DRAFT
    if minutes.status not in SENT:
        return False
    if follows_minutes(user, minutes):
        return True
    return (
        minutes.status == Minutes.Status.APPROVED
        and not minutes.confidential
        and can_see_network(user, network)
    )


def readable_minutes(user, queryset=None):
    """``can_read_minutes`` as a filter: the minutes in ``queryset`` that ``user`` may read."""
    queryset = Minutes.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    sent = Q(status__in=SENT)
    open_to_all = Q(confidential=False)
    rule = Q(meeting__network__consultant=user) | (
        open_to_all & sent & Q(meeting__in=Invitation.objects.filter(user=user).values("meeting_id"))
    )
    if is_office(user):
        rule |= Q(meeting__network__branch_id=user.branch_id) & ~Q(status=Minutes.Status.DRAFT)
    if is_office(user) or is_consultant(user):
        rule |= Q(meeting__network__branch_id=user.branch_id, status=Minutes.Status.APPROVED) & open_to_all
    person = person_for(user)
    if person is not None:
        member_of = Membership.objects.active().filter(person=person).values("network_id")
        took_part_in = (
            Attendance.objects.filter(person=person)
            .values("meeting_id")
            .union(Invitation.objects.filter(person=person).values("meeting_id"))
        )
        rule |= (
            Q(meeting__network__coordinator=person)
            | (sent & Q(meeting__network__in=member_of))
            | (sent & open_to_all & Q(meeting__in=took_part_in))
        )
    return queryset.filter(rule)


def reads_working_copy(user, minutes: Minutes) -> bool:
    """The coordinator and the consultant read (and write) the working copy; every other reader reads
    the last submitted version."""
    return can_manage_network(user, minutes.meeting.network)


def can_read_minutes_file(user, attachment: MinutesAttachment) -> bool:
    """Members read only the file of the version they read; superseded files (and a returned version's
    file) only the network's coordinator and consultant and the office, who follow the review."""
    minutes = attachment.minutes
    if not can_read_minutes(user, minutes):
        return False
    if reads_working_copy(user, minutes):
        return True
    if _is_branch_office(user, minutes.meeting.network):
        return attachment.versions.exists()  # submitted once: never a working copy's new upload
    latest = minutes.versions.first()
    return latest is not None and latest.attachment_id == attachment.pk


def _knows_meeting(user, meeting: Meeting) -> bool:
    return can_see_network(user, meeting.network) or took_part(user, meeting)


def get_minutes_for_user(user, meeting_id) -> Minutes:
    """A meeting's minutes for reading. 404 for whoever does not know the meeting (or when there are no
    minutes); 403 for who may not read them. Returned minutes are let through for those they were sent
    to: the view tells them the minutes are being corrected, so a mailed link never dies."""
    minutes = get_object_or_404(
        Minutes.objects.select_related(
            "meeting__network__branch", "meeting__network__coordinator", "meeting__network__consultant"
        ),
        meeting_id=meeting_id,
    )
    if not _knows_meeting(user, minutes.meeting):
        raise Http404
    if can_read_minutes(user, minutes):
        return minutes
    if minutes.status == Minutes.Status.RETURNED and follows_minutes(user, minutes):
        return minutes
    raise PermissionDenied


def get_minutes_file_for_user(user, file_id, *, manage: bool = False) -> MinutesAttachment:
    attachment = get_object_or_404(
        MinutesAttachment.objects.select_related("minutes__meeting__network"), pk=file_id
    )
    if not _knows_meeting(user, attachment.minutes.meeting):
        raise Http404
    if manage:
        if not can_manage_network(user, attachment.minutes.meeting.network):
            raise PermissionDenied
    elif not can_read_minutes_file(user, attachment):
        raise PermissionDenied
    return attachment


# A member's master data page ("stamoplysninger") ------------------------------------------------
# The branch office of the person's branch, and the coordinator or facilitating consultant of a network
# the person belongs to or is being placed in (an open mentor prompt there: the welcome chain put them
# in its circle). Whoever otherwise knows the person (a fellow member of one of their networks, the
# branch's other consultants) gets 403; everybody else 404: we do not confirm that a member exists.


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
