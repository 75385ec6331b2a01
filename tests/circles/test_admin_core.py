"""The office's admin: every page renders, rows stay inside the branch, filters and actions work."""

import pytest
from django.contrib import admin
from django.urls import reverse

from circles.models import Mandate, Membership, Minutes, Network, NetworkOverview, Person
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_every_changelist_and_add_page_answers_the_office(client, office, network, coordinator, model):
    client.force_login(office)
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": office})()
    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == (200 if model_admin.has_view_permission(request) else 403)
    add = client.get(_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_every_changelist_and_add_page_renders_for_a_superuser(client, network, coordinator, model):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(_url(model, "changelist")).status_code == 200
    add = client.get(_url(model, "add"))
    # rows that only come from the app (mails, minutes, overviews) are never added by hand
    addable = admin.site._registry[model].has_add_permission(type("R", (), {"user": superuser})())
    assert add.status_code == (200 if addable else 403)
    assert addable == (model not in {OutboundEmail, Minutes, NetworkOverview})


def test_office_has_the_pages_it_needs(client, office):
    client.force_login(office)
    for model in (Person, Mandate, Network, Membership):
        assert client.get(_url(model, "changelist")).status_code == 200
        assert client.get(_url(model, "add")).status_code == 200


def test_office_of_another_branch_sees_nothing_of_ours(client, other_office, network, coordinator):
    person = coordinator.person
    client.force_login(other_office)
    people = client.get(_url(Person, "changelist"))
    assert person.name not in people.content.decode()
    networks = client.get(_url(Network, "changelist"))
    assert network.name not in networks.content.decode()
    # Django's admin answers an object outside the queryset with a redirect to the index
    assert client.get(_url(Person, "change", person.pk)).status_code == 302
    assert client.get(_url(Network, "change", network.pk)).status_code == 302


def test_tr_without_network_filter(client, office, network, member):
    lonely = factories.PersonFactory(branch=network.branch, name="Lone Uden Netværk")
    factories.MandateFactory(person=lonely, role=Mandate.Role.TR)
    amr_only = factories.PersonFactory(branch=network.branch, name="Arne AMR")
    factories.MandateFactory(person=amr_only, role=Mandate.Role.AMR)
    client.force_login(office)
    content = client.get(_url(Person, "changelist") + "?netvaerk=tr_uden").content.decode()
    assert "Lone Uden Netværk" in content
    assert member.person.name not in content
    assert "Arne AMR" not in content


def test_without_coordinator_filter(client, office, network, coordinator):
    lonely = factories.NetworkFactory(branch=network.branch, name="Netværk uden leder")
    client.force_login(office)
    content = client.get(_url(Network, "changelist") + "?koordinator=uden").content.decode()
    assert lonely.name in content
    assert network.name not in content


def test_make_ftr_coordinator_action(client, office, branch):
    network = factories.NetworkFactory(branch=branch, name="Netværk med én FTR")
    ftr = factories.PersonFactory(branch=branch, name="Frida FTR")
    factories.MandateFactory(person=ftr, role=Mandate.Role.FTR)
    factories.MembershipFactory(network=network, person=ftr)
    factories.MembershipFactory(network=network)
    client.force_login(office)
    response = client.post(
        _url(Network, "changelist"),
        {"action": "make_ftr_coordinator", "_selected_action": [network.pk]},
        follow=True,
    )
    network.refresh_from_db()
    assert network.coordinator == ftr
    assert "Frida FTR er nu koordinator" in response.content.decode()


def test_make_ftr_coordinator_action_without_ftr_changes_nothing(client, office, branch):
    network = factories.NetworkFactory(branch=branch, name="Netværk uden FTR")
    factories.MembershipFactory(network=network)
    client.force_login(office)
    response = client.post(
        _url(Network, "changelist"),
        {"action": "make_ftr_coordinator", "_selected_action": [network.pk]},
        follow=True,
    )
    network.refresh_from_db()
    assert network.coordinator is None
    assert "skal selv vælge en koordinator" in response.content.decode()


def test_invitation_action_records_one_mail_per_person(
    client, office, branch, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory(branch=branch, name="Ida Inviteret", email="ida@example.org")
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(Person, "changelist"),
            {"action": "send_invitation", "_selected_action": [person.pk]},
            follow=True,
        )
    assert "Invitationen er sendt til 1 medlem" in response.content.decode()
    person.refresh_from_db()
    assert person.user is not None and not person.user.has_usable_password()
    assert OutboundEmail.objects.filter(to__contains="ida@example.org").count() == 1


def _membership_inline_post(network, person):
    return {
        "branch": network.branch_id,
        "kind": network.kind,
        "name": network.name,
        "active": "on",
        "employer": network.employer_id or "",
        "municipality_group": network.municipality_group,
        "coordinator": "",
        "consultant": "",
        "minimum_meetings": network.minimum_meetings,
        "ground_rules": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-person": person.pk,
        "memberships-0-joined_on": "01.02.2026",
        "memberships-0-left_on": "",
    }


def test_admin_refuses_a_second_tr_network_with_a_danish_message(client, office, network, member):
    second = factories.NetworkFactory(branch=network.branch, name="Andet TR-netværk")
    client.force_login(office)
    response = client.post(_url(Network, "change", second.pk), _membership_inline_post(second, member.person))
    assert response.status_code == 200
    assert "kan kun være med i ét aktivt TR-netværk" in response.content.decode()
    assert not Membership.objects.filter(network=second).exists()


def test_admin_allows_an_amr_network_next_to_the_tr_network(client, office, network, member):
    amr = factories.NetworkFactory(
        branch=network.branch,
        name="AMR-netværk",
        kind=Network.Kind.AMR,
        employer=None,
        municipality_group="Gruppe",
    )
    client.force_login(office)
    response = client.post(_url(Network, "change", amr.pk), _membership_inline_post(amr, member.person))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(network=amr, person=member.person).exists()


@pytest.mark.parametrize("model", [Person, Network])
def test_changelist_query_count_does_not_grow(client, office, branch, django_assert_num_queries, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(count):
        for _ in range(count):
            network = factories.NetworkFactory(branch=branch)
            person = factories.PersonFactory(branch=branch)
            factories.MandateFactory(person=person)
            factories.MembershipFactory(network=network, person=person)

    client.force_login(office)
    url = _url(model, "changelist")
    fill(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    fill(45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 15


def _one_of_everything(branch, index):
    """A row in every admin list, linked the way real data is."""
    from datetime import timedelta

    from django.utils import timezone

    from circles.models import Attendance
    from circles.services.minutes import minutes_for

    network = factories.NetworkFactory(branch=branch)
    person = factories.PersonFactory(branch=branch)
    factories.MandateFactory(person=person)
    factories.MembershipFactory(network=network, person=person)
    meeting = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=index + 1))
    Attendance.objects.create(meeting=meeting, person=person)
    minutes_for(meeting)
    OutboundEmail.objects.create(
        key=f"k{index}-{branch.pk}",
        template="t",
        to=person.email,
        subject="Emne",
        body_text="x",
        branch=branch,
    )


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_every_changelist_has_a_constant_query_count(client, branch, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    superuser = factories.UserFactory(is_staff=True, is_superuser=True, branch=branch)
    client.force_login(superuser)
    url = _url(model, "changelist") + ("?status=draft" if model is Minutes else "")
    for index in range(3):
        _one_of_everything(branch, index)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(3, 30):
        _one_of_everything(branch, index)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large), [q["sql"][:150] for q in large.captured_queries]
    assert len(large) <= 15


def test_office_adds_an_amr_network_and_gets_the_defaults(client, office, branch):
    client.force_login(office)
    response = client.post(
        _url(Network, "add"),
        {
            "branch": branch.pk,
            "kind": "amr",
            "name": "AMR-netværk Kommunegruppe Vest",
            "active": "on",
            "municipality_group": "Kommunegruppe Vest",
            "minimum_meetings": "",
            "ground_rules": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    network = Network.objects.get(name="AMR-netværk Kommunegruppe Vest")
    assert network.minimum_meetings == 2 and "tavshedspligt" in network.ground_rules


def test_office_cannot_create_a_network_in_another_branch(client, office, other_branch):
    client.force_login(office)
    response = client.post(
        _url(Network, "add"),
        {
            "branch": other_branch.pk,
            "kind": "tr",
            "name": "Fremmed netværk",
            "municipality_group": "X",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert not Network.objects.filter(name="Fremmed netværk").exists()


def test_branch_list_counts_networks_and_lonely_trs(client, office, network, member):
    lonely = factories.PersonFactory(branch=network.branch)
    factories.MandateFactory(person=lonely, role=Mandate.Role.TR)
    factories.NetworkFactory(branch=network.branch, active=False)
    client.force_login(office)
    (row,) = client.get(_url(network.branch.__class__, "changelist")).context["cl"].result_list
    assert (row.network_count, row.lonely_count) == (1, 1)
