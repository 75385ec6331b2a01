from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_coordinator_sees_their_networks_with_member_counts(client, coordinator, member, network):
    client.force_login(coordinator)
    content = client.get(reverse("home")).content.decode()
    assert "Mine netværk" in content
    assert network.name in content
    assert "2 medlemmer" in content
    assert "du er koordinator" in content


def test_member_sees_their_network_but_not_others(client, member, network, outsider):
    client.force_login(member)
    content = client.get(reverse("home")).content.decode()
    assert network.name in content
    assert outsider.person.memberships.get().network.name not in content


def test_networks_are_those_coordinated_or_joined_each_once(client, coordinator, branch, network):
    person = coordinator.person
    coordinated_only = factories.NetworkFactory(branch=branch, name="Koordineret uden medlemskab")
    coordinated_only.coordinator = person
    coordinated_only.save()
    left = factories.NetworkFactory(branch=branch, kind="amr", name="Forladt AMR-netværk")
    factories.MembershipFactory(
        network=left, person=person, joined_on=date(2025, 1, 1), left_on=date(2025, 6, 1)
    )
    client.force_login(coordinator)
    content = client.get(reverse("home")).content.decode()
    assert content.count(network.name) == 1  # coordinator and member: listed once
    assert "Koordineret uden medlemskab" in content
    assert "Forladt AMR-netværk" not in content


@pytest.mark.parametrize("who", ["office", "consultant"])
def test_staff_are_sent_to_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_user_without_person_gets_a_friendly_message(client, db):
    client.force_login(factories.UserFactory())
    assert "Du er ikke med i noget netværk endnu" in client.get(reverse("home")).content.decode()


def test_home_query_count_does_not_grow(client, coordinator, branch):
    person = coordinator.person

    def join(count):
        for _ in range(count):
            other = factories.NetworkFactory(branch=branch, kind="amr", employer=None, municipality_group="G")
            factories.MembershipFactory(network=other, person=person)
            factories.MembershipFactory(network=other)

    client.force_login(coordinator)
    join(2)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    join(18)
    with CaptureQueriesContext(connection) as large:
        content = client.get(reverse("home")).content.decode()
    assert content.count("list-group-item-action") == 21
    assert len(small) == len(large)
