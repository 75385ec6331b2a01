"""The office's admin: every page renders, rows stay inside the branch, filters and actions work."""

import pytest
from django.contrib import admin
from django.urls import reverse

from circles.models import (
    Mandate,
    Membership,
    Minutes,
    Network,
    Person,
)
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


# rows that only come from the app (mails, minutes, overviews, answers by link, logs, login devices)
NOT_ADDED_BY_HAND = {
    "outbox.OutboundEmail",
    "circles.Minutes",
    "circles.NetworkOverview",
    "circles.Reminder",
    "circles.ReleaseClaim",
    "circles.SignUp",  # the applicant signs up on the public page
    "circles.BoardPoint",  # written in the minutes
    "circles.SupervisionRequest",  # asked from the network page
    "circles.LeaveLetter",  # the log of letters sent
    "mentoring.Offer",  # sent from a request's suggestions
    "mentoring.Pairing",  # started by an accepted offer
    "mentoring.Feedback",  # given by link
    "privacy.AccessLogEntry",
    "privacy.ErasureNotice",  # made by the retention job
    "privacy.ErasureReview",  # made by an erasure
    "auditlog.LogEntry",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
    "otp_totp.TOTPDevice",  # set up by the user with a code
    "otp_static.StaticDevice",
}


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_every_changelist_and_add_page_renders_for_a_superuser(client, network, coordinator, model):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(_url(model, "changelist")).status_code == 200
    add = client.get(_url(model, "add"))
    addable = admin.site._registry[model].has_add_permission(type("R", (), {"user": superuser})())
    assert add.status_code == (200 if addable else 403)
    assert addable == (model._meta.label not in NOT_ADDED_BY_HAND)


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


# Who may set a network's consultant (and coordinator): the office ----------------------------------


def _network_post(network, **changes):
    """The network's change form as the office sees it, no member rows, with ``changes`` applied."""
    data = {
        "branch": network.branch_id,
        "kind": network.kind,
        "name": network.name,
        "active": "on",
        "employer": network.employer_id or "",
        "municipality_group": network.municipality_group,
        "coordinator": network.coordinator_id or "",
        "consultant": network.consultant_id or "",
        "minimum_meetings": network.minimum_meetings,
        "ground_rules": network.ground_rules,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_a_consultant_cannot_appoint_themselves_facilitator_in_the_admin(client, consultant, network):
    other = factories.NetworkFactory(branch=network.branch, name="Et andet netværk")
    client.force_login(consultant)
    page = client.get(_url(Network, "change", other.pk)).content.decode()
    assert 'name="consultant"' not in page and 'name="coordinator"' not in page
    # a crafted POST naming the consultant and a coordinator changes neither; the rest is saved
    response = client.post(
        _url(Network, "change", other.pk),
        _network_post(
            other,
            consultant=consultant.pk,
            coordinator=factories.PersonFactory(branch=other.branch).pk,
            name="Nyt navn",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    other.refresh_from_db()
    assert other.consultant is None and other.coordinator is None
    assert other.name == "Nyt navn"


def test_the_office_appoints_the_consultant_in_the_admin(client, office, consultant, network):
    client.force_login(office)
    assert 'name="consultant"' in client.get(_url(Network, "change", network.pk)).content.decode()
    response = client.post(
        _url(Network, "change", network.pk), _network_post(network, consultant=consultant.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    network.refresh_from_db()
    assert network.consultant == consultant


def test_the_make_ftr_coordinator_action_is_not_offered_to_consultants(client, consultant, office, network):
    client.force_login(consultant)
    assert "make_ftr_coordinator" not in client.get(_url(Network, "changelist")).content.decode()
    client.force_login(office)
    assert "make_ftr_coordinator" in client.get(_url(Network, "changelist")).content.decode()


# The coordinator rule in the admin -----------------------------------------------------------------


def _ftr(branch, name="Frida FTR"):
    person = factories.PersonFactory(branch=branch, name=name)
    factories.MandateFactory(person=person, role=Mandate.Role.FTR)
    return person


def test_a_non_ftr_coordinator_is_refused_with_the_box_to_tick(client, office, network, member):
    factories.MembershipFactory(network=network, person=_ftr(network.branch))
    client.force_login(office)
    response = client.post(
        _url(Network, "change", network.pk),
        _network_post(network, coordinator=member.person.pk, name="Nyt navn"),
    )
    assert response.status_code == 200
    assert "sæt kryds i “koordinator valgt af netværket”" in response.content.decode()
    network.refresh_from_db()
    assert network.coordinator is None and network.name != "Nyt navn"
    ticked = _network_post(network, coordinator=member.person.pk, coordinator_elected="on")
    assert client.post(_url(Network, "change", network.pk), ticked).status_code == 302
    network.refresh_from_db()
    assert network.coordinator == member.person and network.coordinator_elected


def test_an_ftr_added_in_the_network_admin_becomes_coordinator(client, office, network):
    frida = _ftr(network.branch)
    client.force_login(office)
    response = client.post(
        _url(Network, "change", network.pk), _membership_inline_post(network, frida), follow=True
    )
    assert "Frida FTR er FTR og er nu koordinator" in response.content.decode()
    network.refresh_from_db()
    assert network.coordinator == frida


def test_an_ftr_added_together_with_another_coordinator_is_refused(client, office, network, member):
    frida = _ftr(network.branch)
    client.force_login(office)
    data = _membership_inline_post(network, frida)
    data["coordinator"] = member.person.pk
    response = client.post(_url(Network, "change", network.pk), data)
    assert response.status_code == 200
    assert "koordinator valgt af netværket" in response.content.decode()
    assert not Membership.objects.filter(person=frida).exists()
    network.refresh_from_db()
    assert network.coordinator is None


def test_an_ftr_added_on_the_person_page_becomes_coordinator(client, office, network):
    frida = _ftr(network.branch)
    client.force_login(office)
    response = client.post(_url(Person, "change", frida.pk), _person_post(frida, network))
    assert response.status_code == 302, response.content.decode()[:3000]
    network.refresh_from_db()
    assert network.coordinator == frida


def test_coordinator_rule_filter(client, office, network, member, branch):
    unmet = factories.NetworkFactory(branch=branch, name="FTR er ikke koordinator")
    factories.MembershipFactory(network=unmet, person=_ftr(branch))
    met = factories.NetworkFactory(branch=branch, name="FTR er koordinator")
    frida = _ftr(branch, "Finn FTR")
    factories.MembershipFactory(network=met, person=frida)
    met.coordinator = frida
    met.save()
    client.force_login(office)
    shown = client.get(_url(Network, "changelist") + "?koordinatorregel=brudt").context["cl"].result_list
    assert [n.name for n in shown] == ["FTR er ikke koordinator"]
    kept = client.get(_url(Network, "changelist") + "?koordinatorregel=opfyldt").context["cl"].result_list
    assert {n.name for n in kept} == {network.name, "FTR er koordinator"}


# Memberships go through the membership service -------------------------------------------------------


def _person_post(person, network, **row):
    inline = {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-network": network.pk,
        "memberships-0-joined_on": "01.02.2026",
        "memberships-0-left_on": "",
    }
    inline.update({f"memberships-0-{key}": value for key, value in row.items()})
    return {
        "branch": person.branch_id,
        "name": person.name,
        "member_number": person.member_number,
        "email": person.email,
        "phone": person.phone,
        "tr_training_completed_on": "",
        "mandates-TOTAL_FORMS": "0",
        "mandates-INITIAL_FORMS": "0",
        "mandates-MIN_NUM_FORMS": "0",
        "mandates-MAX_NUM_FORMS": "1000",
        **inline,
    }


def _existing_rows(prefix, membership, **row):
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": membership.pk,
        f"{prefix}-0-joined_on": membership.joined_on.strftime("%d.%m.%Y"),
        f"{prefix}-0-left_on": "",
    }
    data.update({f"{prefix}-0-{key}": value for key, value in row.items()})
    return data


def test_a_second_tr_network_on_the_person_page_is_refused_and_nothing_is_written(
    client, office, network, member
):
    second = factories.NetworkFactory(branch=network.branch, name="TR-netværk Skive")
    person = member.person
    client.force_login(office)
    response = client.post(_url(Person, "change", person.pk), _person_post(person, second, phone="12345678"))
    assert response.status_code == 200
    assert "kan kun være med i ét aktivt TR-netværk" in response.content.decode()
    assert not Membership.objects.filter(network=second).exists()
    person.refresh_from_db()
    assert person.phone != "12345678"  # the person's own change was rolled back with it


def test_ending_a_membership_in_the_admin_frees_the_place(client, office, network, member):
    membership = Membership.objects.get(network=network, person=member.person)
    client.force_login(office)
    data = _membership_inline_post(network, member.person)
    data.update(_existing_rows("memberships", membership, person=member.person.pk, left_on="01.03.2099"))
    response = client.post(_url(Network, "change", network.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert str(membership.left_on) == "2099-03-01"


def test_a_membership_row_cannot_be_moved_to_another_person(client, office, network, member):
    membership = Membership.objects.get(network=network, person=member.person)
    newcomer = factories.PersonFactory(branch=network.branch)
    client.force_login(office)
    data = _membership_inline_post(network, member.person)
    data.update(_existing_rows("memberships", membership, person=newcomer.pk))
    assert client.post(_url(Network, "change", network.pk), data).status_code == 302
    membership.refresh_from_db()
    assert membership.person == member.person


def test_membership_admin_adds_through_the_service(client, office, network, member):
    second = factories.NetworkFactory(branch=network.branch, name="TR-netværk Skive")
    frida = _ftr(network.branch)
    client.force_login(office)
    add = _url(Membership, "add")
    refused = client.post(add, {"network": second.pk, "person": member.person.pk, "joined_on": "01.02.2026"})
    assert refused.status_code == 200
    assert "kan kun være med i ét aktivt TR-netværk" in refused.content.decode()
    added = client.post(add, {"network": second.pk, "person": frida.pk, "joined_on": "01.02.2026"})
    assert added.status_code == 302, added.content.decode()[:3000]
    second.refresh_from_db()
    assert second.coordinator == frida
    membership = Membership.objects.get(network=second, person=frida)
    change = client.post(
        _url(Membership, "change", membership.pk), {"joined_on": "01.02.2026", "left_on": "01.01.2026"}
    )
    assert change.status_code == 200
    assert "Udmeldelsesdatoen kan ikke ligge før indmeldelsesdatoen" in change.content.decode()
