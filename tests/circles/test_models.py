"""Every database constraint holds: violating it raises IntegrityError and writes nothing."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from circles.models import (
    AMR_GROUND_RULES,
    AgendaItem,
    Attendance,
    Invitation,
    Mandate,
    Membership,
    Minutes,
    MinutesVersion,
    Network,
    Person,
    Workplace,
)
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db


def violates(constraint, create):
    # PostgreSQL names the constraint; SQLite names a unique constraint's columns instead
    with pytest.raises(IntegrityError, match=f"{constraint}|UNIQUE constraint failed"), transaction.atomic():
        create()


def test_mandate_cannot_end_before_it_started():
    violates(
        "mandate_ends_after_election",
        lambda: factories.MandateFactory(elected_on=date(2026, 5, 1), ended_on=date(2026, 4, 30)),
    )


def test_mandate_one_open_per_role_and_workplace():
    mandate = factories.MandateFactory()
    violates(
        "mandate_one_open_per_role_and_workplace",
        lambda: Mandate.objects.create(
            person=mandate.person, role=mandate.role, workplace=mandate.workplace, elected_on=date(2026, 1, 1)
        ),
    )
    # an ended mandate does not block a new one
    mandate.ended_on = date.today()
    mandate.save()
    Mandate.objects.create(
        person=mandate.person, role=mandate.role, workplace=mandate.workplace, elected_on=date.today()
    )


def test_member_number_unique_per_branch_only(branch, other_branch):
    factories.PersonFactory(branch=branch, member_number="42")
    factories.PersonFactory(branch=other_branch, member_number="42")
    violates(
        "person_member_number_per_branch", lambda: factories.PersonFactory(branch=branch, member_number="42")
    )


def test_workplace_name_unique_per_employer():
    workplace = factories.WorkplaceFactory()
    violates(
        "workplace_unique_per_employer",
        lambda: factories.WorkplaceFactory(employer=workplace.employer, name=workplace.name),
    )


def test_network_name_unique_per_branch(network):
    violates(
        "network_name_unique_per_branch",
        lambda: factories.NetworkFactory(branch=network.branch, name=network.name),
    )


@pytest.mark.parametrize("minimum", [0, 13])
def test_network_minimum_meetings_between_1_and_12(minimum):
    violates("network_minimum_meetings_1_12", lambda: factories.NetworkFactory(minimum_meetings=minimum))


def test_network_must_be_built_on_employer_or_group():
    violates(
        "network_built_on_employer_or_group",
        lambda: factories.NetworkFactory(employer=None, municipality_group=""),
    )


def test_membership_cannot_end_before_it_started():
    violates(
        "membership_leaves_after_joining",
        lambda: factories.MembershipFactory(joined_on=date(2026, 5, 1), left_on=date(2026, 4, 1)),
    )


def test_membership_once_per_network(network, member):
    violates(
        "membership_once_per_network",
        lambda: Membership.objects.create(network=network, person=member.person),
    )


def test_one_active_tr_network_per_person(network, member):
    second = factories.NetworkFactory(branch=network.branch)
    violates(
        "membership_one_active_tr_network",
        lambda: Membership.objects.create(network=second, person=member.person),
    )
    mixed = factories.NetworkFactory(branch=network.branch, kind=Network.Kind.MIXED)
    violates(
        "membership_one_active_tr_network",
        lambda: Membership.objects.create(network=mixed, person=member.person),
    )
    amr = factories.NetworkFactory(branch=network.branch, kind=Network.Kind.AMR)
    Membership.objects.create(network=amr, person=member.person)


@pytest.mark.parametrize("minutes", [14, 481])
def test_meeting_duration_between_15_minutes_and_8_hours(minutes):
    violates("meeting_duration_15m_8h", lambda: factories.MeetingFactory(duration_minutes=minutes))


def test_meeting_needs_place_or_link():
    violates("meeting_has_place_or_link", lambda: factories.MeetingFactory(place="", online_url=""))
    factories.MeetingFactory(place="", online_url="https://moede.example.org/x")


@pytest.mark.parametrize("minutes", [0, 481])
def test_agenda_minutes_between_1_and_480(minutes):
    meeting = factories.MeetingFactory()
    violates(
        "agenda_minutes_1_480",
        lambda: AgendaItem.objects.create(meeting=meeting, title="Tema", minutes_allotted=minutes),
    )


def test_invitation_once_per_person(member, network):
    meeting = factories.MeetingFactory(network=network)
    Invitation.objects.create(meeting=meeting, person=member.person, token_hash="a" * 64)
    violates(
        "invitation_once_per_person",
        lambda: Invitation.objects.create(meeting=meeting, person=member.person, token_hash="b" * 64),
    )


def test_invitation_once_per_consultant(consultant, network):
    meeting = factories.MeetingFactory(network=network)
    Invitation.objects.create(meeting=meeting, user=consultant, token_hash="a" * 64)
    violates(
        "invitation_once_per_user",
        lambda: Invitation.objects.create(meeting=meeting, user=consultant, token_hash="b" * 64),
    )


@pytest.mark.parametrize("both", [True, False])
def test_invitation_goes_to_a_person_or_a_user_never_both_or_neither(member, consultant, network, both):
    meeting = factories.MeetingFactory(network=network)
    recipients = {"person": member.person, "user": consultant} if both else {}
    violates(
        "invitation_person_or_user",
        lambda: Invitation.objects.create(meeting=meeting, token_hash="c" * 64, **recipients),
    )


def test_attendance_once_per_person(member, network):
    meeting = factories.MeetingFactory(network=network)
    Attendance.objects.create(meeting=meeting, person=member.person)
    violates(
        "attendance_once_per_person", lambda: Attendance.objects.create(meeting=meeting, person=member.person)
    )


def test_submitted_minutes_have_a_submission_time():
    meeting = factories.MeetingFactory()
    violates(
        "minutes_submitted_has_time",
        lambda: Minutes.objects.create(meeting=meeting, status=Minutes.Status.SUBMITTED),
    )


def test_decided_minutes_have_a_decision_time():
    meeting = factories.MeetingFactory()
    violates(
        "minutes_decided_has_time",
        lambda: Minutes.objects.create(
            meeting=meeting, status=Minutes.Status.APPROVED, submitted_at=timezone.now()
        ),
    )


def test_minutes_version_numbers_are_unique():
    minutes = Minutes.objects.create(meeting=factories.MeetingFactory())
    MinutesVersion.objects.create(minutes=minutes, number=1, submitted_at=timezone.now())
    violates(
        "minutes_version_unique",
        lambda: MinutesVersion.objects.create(minutes=minutes, number=1, submitted_at=timezone.now()),
    )


def test_sent_mail_has_a_sent_time():
    violates(
        "outbox_sent_has_sent_at",
        lambda: OutboundEmail.objects.create(
            key="k",
            template="t",
            to="a@example.org",
            subject="s",
            body_text="b",
            status=OutboundEmail.Status.SENT,
        ),
    )


def test_outbox_key_is_unique():
    OutboundEmail.objects.create(key="k", template="t", to="a@example.org", subject="s", body_text="b")
    violates(
        "key",
        lambda: OutboundEmail.objects.create(
            key="k", template="t", to="b@example.org", subject="s", body_text="b"
        ),
    )


def test_network_defaults_follow_the_kind():
    tr = factories.NetworkFactory(kind=Network.Kind.TR)
    amr = factories.NetworkFactory(kind=Network.Kind.AMR)
    assert (tr.minimum_meetings, tr.ground_rules) == (4, "")
    assert amr.minimum_meetings == 2
    assert amr.ground_rules == str(AMR_GROUND_RULES)
    assert "tavshedspligt" in amr.ground_rules


def test_changing_the_kind_keeps_the_tr_place_in_step(branch):
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR)
    membership = factories.MembershipFactory(network=amr)
    assert membership.tr_slot is False
    amr.kind = Network.Kind.MIXED
    amr.save()
    membership.refresh_from_db()
    assert membership.tr_slot is True


def test_new_mandate_is_marked_new():
    assert factories.MandateFactory(elected_on=date.today() - timedelta(days=30)).is_new
    assert not factories.MandateFactory(elected_on=date.today() - timedelta(days=400)).is_new


def test_strings_read_well(network, coordinator):
    meeting = factories.MeetingFactory(network=network)
    mandate = coordinator.person.mandates.get()
    assert str(network) == network.name
    assert str(network.branch) == network.branch.name
    assert str(coordinator.person) == "Karen Koordinator"
    assert str(mandate) == f"FTR, {mandate.workplace}"
    assert str(mandate.workplace.employer) == mandate.workplace.employer.name
    assert str(Membership.objects.get(person=coordinator.person)) == f"Karen Koordinator i {network}"
    assert str(meeting).startswith(f"{network}: ")
    assert str(Minutes(meeting=meeting)).startswith("Referat: ")
    assert str(Workplace.WorkArea.HOUSING.label) == "Bosted"
    assert Person._meta.verbose_name == "medlem"


def _slots_match_kinds():
    return all(
        membership.tr_slot == (membership.network.kind in Network.TR_KINDS)
        for membership in Membership.objects.select_related("network")
    )


@pytest.mark.parametrize("kind", [Network.Kind.TR, Network.Kind.MIXED, Network.Kind.AMR])
def test_tr_slot_follows_the_kind_whatever_the_caller_says(branch, kind):
    network = factories.NetworkFactory(branch=branch, kind=kind)
    for claimed in (True, False):
        membership = Membership(
            network=network, person=factories.PersonFactory(branch=branch), tr_slot=claimed
        )
        membership.save()
        membership.refresh_from_db()
        assert membership.tr_slot == (kind in Network.TR_KINDS)


def test_bulk_create_derives_tr_slot_from_the_networks(branch):
    tr = factories.NetworkFactory(branch=branch, kind=Network.Kind.TR)
    mixed = factories.NetworkFactory(branch=branch, kind=Network.Kind.MIXED)
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR)
    people = factories.PersonFactory.create_batch(6, branch=branch)
    # an import that says nothing about tr_slot, or says the wrong thing, and names networks by id only
    Membership.objects.bulk_create(
        [
            Membership(network=tr, person=people[0]),
            Membership(network_id=mixed.pk, person=people[1]),
            Membership(network=amr, person=people[2], tr_slot=True),
            Membership(network_id=tr.pk, person=people[3], tr_slot=False),
            Membership(network=mixed, person=people[4], tr_slot=False),
            Membership(network_id=amr.pk, person=people[5]),
        ]
    )
    slots = dict(Membership.objects.values_list("person", "tr_slot"))
    assert [slots[person.pk] for person in people] == [True, True, False, True, True, False]
    assert _slots_match_kinds()


def test_bulk_create_cannot_give_a_tr_two_tr_networks(branch):
    person = factories.PersonFactory(branch=branch)
    first, second = factories.NetworkFactory.create_batch(2, branch=branch, kind=Network.Kind.TR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create(
            [
                Membership(network=first, person=person),
                Membership(network=second, person=person, tr_slot=False),
            ]
        )
    assert not Membership.objects.exists()


def test_bulk_update_moving_a_membership_moves_its_tr_slot(branch):
    tr = factories.NetworkFactory(branch=branch, kind=Network.Kind.TR)
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR)
    membership = factories.MembershipFactory(network=amr)
    membership.network = tr
    Membership.objects.bulk_update([membership], ["network"])
    membership.refresh_from_db()
    assert membership.tr_slot is True


@pytest.mark.parametrize(
    "start, end",
    [
        (Network.Kind.AMR, Network.Kind.TR),
        (Network.Kind.TR, Network.Kind.AMR),
        (Network.Kind.MIXED, Network.Kind.AMR),
    ],
)
def test_a_kind_change_keeps_every_tr_slot_in_step(branch, start, end):
    network = factories.NetworkFactory(branch=branch, kind=start)
    Membership.objects.bulk_create(
        [
            Membership(network=network, person=person)
            for person in factories.PersonFactory.create_batch(3, branch=branch)
        ]
    )
    network.kind = end
    network.save()
    assert _slots_match_kinds()
