"""One year-progress query: the network page and the office's overview always tell the same story."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from circles.models import Meeting, Network
from circles.services.progress import plan_year, with_year_progress, year_plan
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.get_fixed_timezone(120))
OVERVIEW = reverse("admin:circles_networkoverview_changelist")

HELD, PLANNED, CANCELLED = Meeting.Status.HELD, Meeting.Status.PLANNED, Meeting.Status.CANCELLED


def at(month, day=10, year=2026, hour=14):
    return datetime(year, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


# name: (minimum, [(starts_at, status)])
NETWORKS = {
    "Alt afholdt": (2, [(at(2), HELD), (at(4), HELD)]),
    "Planlagt frem": (4, [(at(3), HELD), (at(9), PLANNED), (at(11), PLANNED)]),
    "Venter på fremmøde": (4, [(at(1), HELD), (at(5), PLANNED), (at(6, 15, hour=8), PLANNED)]),
    "Aflyst tæller ikke": (2, [(at(3), HELD), (at(8), CANCELLED), (at(10), CANCELLED)]),
    "Andre år tæller ikke": (
        2,
        [(at(3, year=2025), HELD), (at(3, year=2027), HELD), (at(12, year=2025), PLANNED)],
    ),
    "Ingen møder": (1, []),
    "Over målet": (1, [(at(1), HELD), (at(2), HELD), (at(9), PLANNED)]),
    # Danish midnight is the year's edge, not UTC's: 00:30 on 1 January is 23:30 UTC the day before
    "Nytårsnat": (
        2,
        [(at(1, 1, hour=0), HELD), (at(12, 31, hour=23), PLANNED), (at(12, 31, 2025, 23), HELD)],
    ),
}


def make_networks(branch):
    for name, (minimum, meetings) in NETWORKS.items():
        network = factories.NetworkFactory(branch=branch, name=name, minimum_meetings=minimum)
        for starts_at, status in meetings:
            factories.MeetingFactory(network=network, status=status, starts_at=starts_at)


@time_machine.travel(NOW)
def test_network_page_and_overview_agree_on_every_network(client, office, branch):
    make_networks(branch)
    client.force_login(office)
    rows = {row.name: row for row in client.get(OVERVIEW).context["cl"].result_list}
    assert set(rows) == set(NETWORKS)
    for network in Network.objects.filter(branch=branch):
        plan = year_plan(network)
        row = rows[network.name]
        page = (plan["held"], plan["planned"], plan["awaiting"], plan["missing"], plan["behind"])
        overview = (row.held_count, row.planned_count, row.awaiting_count, row.missing_count, row.behind)
        assert page == overview, network.name
        shown = client.get(network.get_absolute_url()).content.decode()
        assert f"{plan['held']} af {plan['minimum']} møder afholdt, {plan['planned']} planlagt" in shown
        assert ("Bagud:" in shown) == row.behind, network.name
    behind = {row.name for row in client.get(OVERVIEW + "?bagud=ja").context["cl"].result_list}
    on_target = {row.name for row in client.get(OVERVIEW + "?bagud=nej").context["cl"].result_list}
    assert behind == {
        "Planlagt frem",
        "Venter på fremmøde",
        "Aflyst tæller ikke",
        "Andre år tæller ikke",
        "Ingen møder",
    }
    assert on_target == set(NETWORKS) - behind


@time_machine.travel(NOW)
def test_the_figures_of_each_kind_of_meeting(branch):
    make_networks(branch)
    figures = {
        row.name: (row.held_count, row.planned_count, row.awaiting_count, row.missing_count)
        for row in with_year_progress(Network.objects.filter(branch=branch), year=2026)
    }
    assert figures["Venter på fremmøde"] == (1, 0, 2, 1)
    assert figures["Aflyst tæller ikke"] == (1, 0, 0, 1)
    assert figures["Andre år tæller ikke"] == (0, 0, 0, 2)
    assert figures["Over målet"] == (2, 1, 0, 0)
    assert figures["Nytårsnat"] == (1, 1, 0, 0)


@time_machine.travel(NOW)
def test_another_year_counts_that_years_meetings(branch):
    make_networks(branch)
    row = with_year_progress(Network.objects.filter(name="Andre år tæller ikke"), year=2025).get()
    assert (row.held_count, row.planned_count, row.awaiting_count, row.behind) == (1, 0, 1, False)


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    "value, year",
    [
        ("2027", 2027),
        ("2000", 2000),
        ("2099", 2099),
        ("1999", 2026),
        ("2100", 2026),
        ("9999", 2026),
        ("abc", 2026),
        ("\x00", 2026),
        ("２０２７", 2026),
        ("-2027", 2026),
        ("", 2026),
        (None, 2026),
        ("1" * 400, 2026),
    ],
)
def test_plan_year_takes_only_a_year_meetings_can_lie_in(value, year):
    assert plan_year(value) == year


def test_the_overview_also_finds_networks_whose_ftr_does_not_coordinate(client, office, network, branch):
    from circles.models import Mandate

    ftr = factories.PersonFactory(branch=branch, name="Frida FTR")
    factories.MandateFactory(person=ftr, role=Mandate.Role.FTR)
    unmet = factories.NetworkFactory(branch=branch, name="FTR er ikke koordinator")
    factories.MembershipFactory(network=unmet, person=ftr)
    client.force_login(office)
    rows = client.get(OVERVIEW + "?koordinatorregel=brudt").context["cl"].result_list
    assert [row.name for row in rows] == ["FTR er ikke koordinator"]
