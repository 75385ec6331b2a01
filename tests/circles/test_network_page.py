from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circles.models import Meeting, Minutes, Network
from circles.services.progress import year_plan
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.get_fixed_timezone(120))


def at(month, day=10, hour=14):
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.get_fixed_timezone(120))


@time_machine.travel(NOW)
def test_year_plan_counts_held_planned_and_missing(network):
    factories.MeetingFactory(network=network, starts_at=at(2), status=Meeting.Status.HELD)
    factories.MeetingFactory(network=network, starts_at=at(5), status=Meeting.Status.PLANNED)  # awaiting
    factories.MeetingFactory(network=network, starts_at=at(9), status=Meeting.Status.PLANNED)
    factories.MeetingFactory(network=network, starts_at=at(10), status=Meeting.Status.CANCELLED)
    factories.MeetingFactory(
        network=network, starts_at=at(3) - timedelta(days=365), status=Meeting.Status.HELD
    )
    plan = year_plan(network)
    assert (plan["held"], plan["planned"], plan["awaiting"], plan["minimum"]) == (1, 1, 1, 4)
    assert plan["missing"] == 1 and plan["behind"]


@time_machine.travel(NOW)
def test_network_page_shows_being_behind(client, network, coordinator):
    factories.MeetingFactory(network=network, starts_at=at(2), status=Meeting.Status.HELD)
    client.force_login(coordinator)
    content = client.get(network.get_absolute_url()).content.decode()
    assert "1 af 4 møder afholdt, 0 planlagt" in content
    assert "Bagud:" in content and "der mangler 3 møder i planen" in content


@time_machine.travel(NOW)
def test_network_page_on_target(client, network, member):
    for month in (2, 4, 9, 11):
        factories.MeetingFactory(
            network=network,
            starts_at=at(month),
            status=Meeting.Status.HELD if month < 6 else Meeting.Status.PLANNED,
        )
    client.force_login(member)
    content = client.get(network.get_absolute_url()).content.decode()
    assert "Planen når årets mål" in content and "Bagud:" not in content


def test_amr_network_shows_the_three_ground_rules(client, branch, consultant):
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR, consultant=consultant)
    client.force_login(consultant)
    content = client.get(amr.get_absolute_url()).content.decode()
    assert (
        "tavshedspligt" in content
        and "opgaver og ikke om enkeltpersoner" in content
        and "fremtiden" in content
    )
    assert "Mindst 2 møder om året" in content


def test_new_members_are_marked(client, network, coordinator):
    newcomer = factories.PersonFactory(branch=network.branch, name="Nanna Nielsen")
    factories.MandateFactory(person=newcomer, elected_on=timezone.localdate() - timedelta(days=20))
    factories.MembershipFactory(network=network, person=newcomer)
    client.force_login(coordinator)
    content = client.get(network.get_absolute_url()).content.decode()
    nanna = content.index("Nanna Nielsen")
    assert "Nyvalgt</span>" in content[nanna : nanna + 400]
    assert content.count("Nyvalgt</span>") == 1


def test_outsider_and_other_office_get_404(client, network, outsider, other_office, office):
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(network.get_absolute_url()).status_code == 404
    client.force_login(office)
    assert client.get(network.get_absolute_url()).status_code == 200


@time_machine.travel(NOW)
def test_network_page_query_count_is_the_same_at_10_and_100_meetings(client, network, coordinator):
    def add(count):
        for index in range(count):
            meeting = factories.MeetingFactory(
                network=network, starts_at=at(1 + index % 11, 1 + index % 27), status=Meeting.Status.HELD
            )
            Minutes.objects.create(meeting=meeting, text="x")
            person = factories.PersonFactory(branch=network.branch)
            factories.MandateFactory(person=person, role="amr")
            factories.MembershipFactory(network=network, person=person) if index % 10 == 0 else None

    client.force_login(coordinator)
    add(10)
    with CaptureQueriesContext(connection) as small:
        assert client.get(network.get_absolute_url()).status_code == 200
    add(90)
    with CaptureQueriesContext(connection) as large:
        response = client.get(network.get_absolute_url())
    assert response.content.decode().count("list-group-item-action") == 100
    assert len(small) == len(large) <= 15, [q["sql"][:120] for q in large.captured_queries]


@time_machine.travel(NOW)
def test_next_year_is_shown_when_asked_for(client, network, coordinator):
    factories.MeetingFactory(network=network, starts_at=at(3) + timedelta(days=365), theme="Næste års møde")
    factories.MeetingFactory(network=network, starts_at=at(9), theme="Dette års møde")
    client.force_login(coordinator)
    content = client.get(network.get_absolute_url(), {"aar": "2027"}).content.decode()
    assert "Årsplan 2027" in content and "Næste års møde" in content
    assert "Dette års møde" not in content
    assert "0 af 4 møder afholdt, 1 planlagt" in content


@time_machine.travel(NOW)
@pytest.mark.parametrize("value", ["1999", "2100", "9999", "0", "abc", "2027.0", "1" * 300])
def test_a_year_out_of_range_or_nonsense_shows_this_year(client, network, member, value):
    client.force_login(member)
    response = client.get(network.get_absolute_url(), {"aar": value})
    assert response.status_code == 200
    assert "Årsplan 2026" in response.content.decode()


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    "held, button, absent",
    [
        (0, "Planlæg de manglende 4 møder", "Planlæg årets"),
        (2, "Planlæg de manglende 2 møder", "Planlæg årets"),
        (3, "Planlæg et møde", "manglende"),
        (4, "Planlæg et møde", "manglende"),
    ],
)
def test_the_plan_button_offers_exactly_the_missing_meetings(
    client, network, coordinator, held, button, absent
):
    for month in range(1, held + 1):
        factories.MeetingFactory(network=network, starts_at=at(month), status=Meeting.Status.HELD)
    client.force_login(coordinator)
    content = client.get(network.get_absolute_url()).content.decode()
    assert button in content and absent not in content
    if held < 3:
        assert f"?antal={4 - held}&amp;aar=2026" in content


@time_machine.travel(NOW)
def test_a_member_is_not_offered_to_plan(client, network, member):
    client.force_login(member)
    content = client.get(network.get_absolute_url()).content.decode()
    assert "Planlæg" not in content


@time_machine.travel(NOW)
def test_the_year_links_stop_at_the_meeting_years(client, network, member):
    client.force_login(member)
    first = client.get(network.get_absolute_url(), {"aar": "2000"}).content.decode()
    assert "?aar=2001" in first and "?aar=1999" not in first and "I år" in first
    last = client.get(network.get_absolute_url(), {"aar": "2099"}).content.decode()
    assert "?aar=2098" in last and "?aar=2100" not in last
    now = client.get(network.get_absolute_url()).content.decode()
    assert "?aar=2025" in now and "?aar=2027" in now and "I år" not in now
