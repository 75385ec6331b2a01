"""Network services: only the office sets consultant and coordinator; the FTR coordinates unless elected."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from circles.models import Mandate, Membership, Network
from circles.services.networks import (
    coordinator_rule_unmet,
    network_make_ftr_coordinator,
    network_save,
)
from circles.services.people import membership_add, membership_end, membership_update
from tests import factories

pytestmark = pytest.mark.django_db


def ftr(branch, name="Frida FTR", **mandate):
    person = factories.PersonFactory(branch=branch, name=name)
    factories.MandateFactory(person=person, role=Mandate.Role.FTR, **mandate)
    return person


# Who sets the consultant ------------------------------------------------------------------------


def test_a_consultant_cannot_appoint_themselves_facilitator(network, consultant):
    network.consultant = consultant
    with pytest.raises(ValidationError, match="Kun kredskontoret"):
        network_save(network=network, by=consultant)
    network.refresh_from_db()
    assert network.consultant is None


def test_a_consultant_cannot_choose_the_coordinator_either(network, consultant, member):
    network.coordinator = member.person
    with pytest.raises(ValidationError, match="Kun kredskontoret"):
        network_save(network=network, by=consultant)


def test_a_consultant_may_tidy_the_details(network, consultant):
    network.name, network.minimum_meetings = "TR-netværk Viborg (nyt navn)", 5
    network_save(network=network, by=consultant)
    network.refresh_from_db()
    assert (network.name, network.minimum_meetings) == ("TR-netværk Viborg (nyt navn)", 5)


def test_the_office_appoints_a_consultant_of_its_own_branch(network, office, consultant):
    network.consultant = consultant
    network_save(network=network, by=office)
    network.refresh_from_db()
    assert network.consultant == consultant


def test_the_consultant_must_be_a_consultant_of_the_branch(network, office, other_branch):
    from django.contrib.auth.models import Group

    from circles.roles import CONSULTANT

    stranger = factories.UserFactory(is_staff=True, branch=other_branch)
    stranger.groups.add(Group.objects.get(name=CONSULTANT))
    for wrong in (stranger, office):
        network.consultant = wrong
        with pytest.raises(ValidationError, match="konsulent i netværkets kreds"):
            network_save(network=network, by=office)


def test_the_office_cannot_move_a_network_to_another_branch(network, office, other_branch):
    network.branch = other_branch
    with pytest.raises(ValidationError, match="egen kreds"):
        network_save(network=network, by=office)


def test_a_consultant_cannot_create_a_network(branch, consultant):
    network = Network(branch=branch, kind=Network.Kind.AMR, name="Nyt", municipality_group="G")
    with pytest.raises(ValidationError, match="Kun kredskontoret kan oprette"):
        network_save(network=network, by=consultant)
    assert not Network.objects.filter(name="Nyt").exists()


def test_becoming_a_tr_network_cannot_give_a_member_a_second_one(network, member, office):
    amr = factories.NetworkFactory(
        branch=network.branch, kind=Network.Kind.AMR, employer=None, municipality_group="G"
    )
    membership_add(network=amr, person=member.person, by=office)
    amr.kind = Network.Kind.MIXED
    with pytest.raises(ValidationError, match="Mads Medlem er allerede med i et andet TR-netværk"):
        network_save(network=amr, by=office)


# The coordinator rule --------------------------------------------------------------------------


def test_a_non_ftr_coordinator_is_refused_while_an_ftr_is_a_member(network, member, office):
    factories.MembershipFactory(network=network, person=ftr(network.branch))
    network.coordinator = member.person
    with pytest.raises(ValidationError, match="koordinator valgt af netværket") as refused:
        network_save(network=network, by=office)
    assert "Frida FTR" in str(refused.value)
    network.refresh_from_db()
    assert network.coordinator is None


def test_the_network_may_elect_someone_else(network, member, office):
    factories.MembershipFactory(network=network, person=ftr(network.branch))
    network.coordinator, network.coordinator_elected = member.person, True
    network_save(network=network, by=office)
    network.refresh_from_db()
    assert network.coordinator == member.person


def test_without_an_ftr_the_network_chooses_freely(network, member, office):
    network.coordinator = member.person
    network_save(network=network, by=office)
    assert Network.objects.get(pk=network.pk).coordinator == member.person


def test_an_ftr_joining_a_network_without_coordinator_becomes_coordinator(network, office):
    frida = ftr(network.branch)
    membership_add(network=network, person=frida, by=office)
    assert network.coordinator == frida
    assert Network.objects.get(pk=network.pk).coordinator == frida


@pytest.mark.parametrize("case", ["elected", "has_coordinator", "left", "mandate_ended", "not_ftr"])
def test_an_ftr_does_not_take_over_when(network, member, office, case):
    person = (
        ftr(network.branch, ended_on=date(2025, 1, 1)) if case == "mandate_ended" else ftr(network.branch)
    )
    if case == "not_ftr":
        person = factories.PersonFactory(branch=network.branch)
    if case == "elected":
        Network.objects.filter(pk=network.pk).update(coordinator_elected=True)
    if case == "has_coordinator":
        Network.objects.filter(pk=network.pk).update(coordinator=member.person)
    left_on = date(2026, 1, 31) if case == "left" else None
    membership_add(network=network, person=person, by=office, joined_on=date(2026, 1, 1), left_on=left_on)
    assert Network.objects.get(pk=network.pk).coordinator_id != person.pk


def test_make_ftr_coordinator_is_for_the_office(network, consultant, office):
    frida = ftr(network.branch)
    factories.MembershipFactory(network=network, person=frida)
    with pytest.raises(ValidationError, match="Kun kredskontoret"):
        network_make_ftr_coordinator(network=network, by=consultant)
    assert network_make_ftr_coordinator(network=network, by=office) == frida
    with pytest.raises(ValidationError, match="har allerede en koordinator"):
        network_make_ftr_coordinator(network=network, by=office)


def test_make_ftr_coordinator_with_two_ftrs_leaves_it_to_the_network(network, office):
    for name in ("Frida FTR", "Finn FTR"):
        factories.MembershipFactory(network=network, person=ftr(network.branch, name))
    with pytest.raises(ValidationError, match="flere FTR'er"):
        network_make_ftr_coordinator(network=network, by=office)


def test_the_unmet_rule_is_found_in_one_query(branch, django_assert_num_queries):
    def network_with(name, *, coordinator="none", elected=False, member="ftr"):
        network = factories.NetworkFactory(branch=branch, name=name, coordinator_elected=elected)
        person = {
            "ftr": lambda: ftr(branch, f"FTR i {name}"),
            "old_ftr": lambda: ftr(branch, f"Fhv. FTR i {name}", ended_on=date(2025, 1, 1)),
            "tr": lambda: factories.PersonFactory(branch=branch),
        }[member]()
        factories.MembershipFactory(network=network, person=person)
        if coordinator == "ftr":
            network.coordinator = person
        elif coordinator == "other":
            network.coordinator = factories.PersonFactory(branch=branch)
        network.save()
        return network

    network_with("FTR uden koordinator")
    network_with("Anden koordinator", coordinator="other")
    network_with("Valgt af netværket", coordinator="other", elected=True)
    network_with("FTR er koordinator", coordinator="ftr")
    network_with("Ingen FTR", member="tr")
    network_with("FTR-hvervet er ophørt", member="old_ftr")
    left = network_with("FTR meldt ud")
    Membership.objects.filter(network=left).update(left_on=date(2026, 1, 2), joined_on=date(2026, 1, 1))
    with django_assert_num_queries(1):
        unmet = set(Network.objects.filter(coordinator_rule_unmet()).values_list("name", flat=True))
    assert unmet == {"FTR uden koordinator", "Anden koordinator"}


# Memberships ends and corrections -----------------------------------------------------------------


def test_ending_a_membership_frees_the_tr_place(network, member, office):
    membership = Membership.objects.get(network=network, person=member.person)
    membership_end(membership=membership, by=office)
    second = factories.NetworkFactory(branch=network.branch)
    assert membership_add(network=second, person=member.person, by=office).tr_slot


def test_ending_twice_or_before_joining_is_refused_in_danish(network, member, office):
    membership = Membership.objects.get(network=network, person=member.person)
    with pytest.raises(ValidationError, match="før indmeldelsesdatoen"):
        membership_end(membership=membership, by=office, left_on=date(2000, 1, 1))
    membership_end(membership=membership, by=office)
    with pytest.raises(ValidationError, match="allerede meldt ud"):
        membership_end(membership=membership, by=office)


def test_taking_someone_back_checks_their_tr_place(network, member, office):
    membership = Membership.objects.get(network=network, person=member.person)
    membership_end(membership=membership, by=office)
    second = factories.NetworkFactory(branch=network.branch, name="TR-netværk Skive")
    membership_add(network=second, person=member.person, by=office)
    with pytest.raises(ValidationError, match="TR-netværket “TR-netværk Skive”"):
        membership_update(membership=membership, by=office, joined_on=membership.joined_on, left_on=None)
    membership.refresh_from_db()
    assert membership.left_on is not None


def test_another_branchs_office_cannot_add_members(network, other_office):
    person = factories.PersonFactory(branch=network.branch)
    with pytest.raises(ValidationError, match="anden kreds end din"):
        membership_add(network=network, person=person, by=other_office)
