"""The master data page ("stamoplysninger"): who opens it, what it shows, a constant query count."""

import pytest
from django.urls import reverse

from circles.models import Mandate, MentorPrompt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_tr(network):
    person = factories.PersonFactory(branch=network.branch, name="Nanna Nyvalgt", phone="+45 20 11 22 33")
    factories.MandateFactory(
        person=person,
        role=Mandate.Role.TR,
        workplace=factories.WorkplaceFactory(
            employer=network.employer, name="Dagtilbud Solsikken", municipality="Viborg"
        ),
    )
    factories.MembershipFactory(network=network, person=person)
    return person


def _url(person):
    return reverse("circles:person_detail", args=[person.pk])


def test_the_coordinator_sees_contact_data_mandates_workplace_and_training(client, coordinator, new_tr):
    client.force_login(coordinator)
    page = client.get(_url(new_tr)).content.decode()
    for text in (
        "Nanna Nyvalgt",
        new_tr.email,
        "+45 20 11 22 33",
        new_tr.member_number,
        "Dagtilbud Solsikken",
        "Bosted</dd>",  # the work area
        "Viborg",
        "Ikke gennemført",
        "TR-netværk Viborg Kommune",
    ):
        assert text in page, text


def test_who_may_open_it(client, coordinator, member, outsider, office, other_office, consultant, new_tr):
    for user, status in [
        (coordinator, 200),
        (office, 200),
        (member, 403),
        (consultant, 403),
        (outsider, 404),
        (other_office, 404),
    ]:
        client.force_login(user)
        assert client.get(_url(new_tr)).status_code == status, user.username
    client.force_login(member)
    assert client.get(_url(member.person)).status_code == 403  # their own: not this page's purpose
    assert client.get(reverse("circles:person_detail", args=[999999])).status_code == 404


def test_a_coordinator_of_the_network_they_are_being_placed_in(client, branch, newcomer_network_coordinator):
    coordinator, network = newcomer_network_coordinator
    person = factories.PersonFactory(branch=branch)
    mandate = factories.MandateFactory(person=person)
    client.force_login(coordinator)
    assert client.get(_url(person)).status_code == 404
    MentorPrompt.objects.create(network=network, person=person, mandate=mandate)
    assert client.get(_url(person)).status_code == 200


@pytest.fixture
def newcomer_network_coordinator(branch):
    network = factories.NetworkFactory(branch=branch, name="TR-netværk Skive")
    user = factories.UserFactory(username="skive")
    person = factories.PersonFactory(branch=branch, user=user)
    network.coordinator = person
    network.save()
    return user, network


def test_query_count_is_constant(client, coordinator, network, new_tr):
    client.force_login(coordinator)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(new_tr)).status_code == 200
        return len(captured)

    small = count()
    for index in range(10):
        factories.MandateFactory(person=new_tr, role=Mandate.Role.AMR)
        factories.MembershipFactory(
            network=factories.NetworkFactory(branch=network.branch, kind="amr", name=f"AMR {index}"),
            person=new_tr,
        )
    assert count() == small <= 15
