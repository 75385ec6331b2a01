import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from circles.models import Membership, Network
from circles.services.accounts import person_invite
from circles.services.people import membership_add
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_tr_joins_one_tr_network(network, office):
    person = factories.PersonFactory(branch=network.branch)
    membership = membership_add(network=network, person=person, by=office)
    assert membership.tr_slot is True


def test_a_second_active_tr_network_is_refused_in_danish(network, member, office):
    second = factories.NetworkFactory(branch=network.branch, name="TR-netværk Skive")
    with pytest.raises(ValidationError, match="kan kun være med i ét aktivt TR-netværk"):
        membership_add(network=second, person=member.person, by=office)
    assert not Membership.objects.filter(network=second).exists()


def test_a_mixed_network_counts_as_a_tr_network(network, member, office):
    mixed = factories.NetworkFactory(branch=network.branch, kind=Network.Kind.MIXED)
    with pytest.raises(ValidationError):
        membership_add(network=mixed, person=member.person, by=office)


def test_an_amr_network_is_allowed_next_to_the_tr_network(network, member, office):
    amr = factories.NetworkFactory(
        branch=network.branch, kind=Network.Kind.AMR, employer=None, municipality_group="G"
    )
    assert membership_add(network=amr, person=member.person, by=office).tr_slot is False


def test_leaving_frees_the_place(network, member, office):
    Membership.objects.filter(network=network, person=member.person).update(left_on=timezone.localdate())
    second = factories.NetworkFactory(branch=network.branch)
    assert membership_add(network=second, person=member.person, by=office).pk


def test_joining_the_same_network_twice_is_refused(network, member, office):
    with pytest.raises(ValidationError, match="allerede med i netværket"):
        membership_add(network=network, person=member.person, by=office)


def test_a_person_of_another_branch_is_refused(network, other_branch, office):
    stranger = factories.PersonFactory(branch=other_branch)
    with pytest.raises(ValidationError, match="anden kreds"):
        membership_add(network=network, person=stranger, by=office)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_tr_networks_for_one_person_only_one_wins(branch, office):
    person = factories.PersonFactory(branch=branch)
    networks = [factories.NetworkFactory(branch=branch) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def join(network):
        try:
            barrier.wait(timeout=5)
            membership_add(network=network, person=person, by=office)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(network,)) for network in networks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Membership.objects.active().filter(person=person).count() == 1


def test_invite_creates_a_login_and_records_one_mail(
    branch, office, django_capture_on_commit_callbacks, mailoutbox
):
    person = factories.PersonFactory(branch=branch, name="Ida Inviteret", email="Ida@Example.org")
    other = factories.PersonFactory(branch=branch, name="Ole Andenperson")
    with django_capture_on_commit_callbacks(execute=True):
        user = person_invite(person=person, by=office)
    person.refresh_from_db()
    assert person.user == user
    assert user.username == "ida@example.org"
    assert not user.has_usable_password()
    row = OutboundEmail.objects.get()
    assert row.branch == branch
    # the password link reaches only the recipient's mail; the stored row keeps a placeholder
    assert "/accounts/password/reset/" not in row.body_text
    assert "/accounts/password/reset/" in mailoutbox[0].body
    assert other.name not in row.body_text
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["Ida Inviteret <Ida@Example.org>"]


def test_inviting_twice_keeps_one_login(branch, office):
    person = factories.PersonFactory(branch=branch)
    first = person_invite(person=person, by=office)
    second = person_invite(person=person, by=office)
    assert first == second
    assert type(first).objects.filter(person=person).count() == 1


def test_invite_refuses_an_email_that_belongs_to_another_login(branch, office):
    factories.UserFactory(username="taken@example.org")
    person = factories.PersonFactory(branch=branch, email="taken@example.org")
    with pytest.raises(ValidationError, match="findes allerede en bruger"):
        person_invite(person=person, by=office)
    person.refresh_from_db()
    assert person.user is None
