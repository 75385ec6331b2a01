"""The welcome chain for a newly elected TR, FTR or AMR: as the office, the coordinator and the new TR
each see it; placement with zero, one or two matching networks; idempotency."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles.models import Mandate, Membership, MentorPrompt, Network, Reminder
from circles.services.mandates import (
    group_names_municipality,
    mandate_register,
    mandate_update,
    mentor_prompt_done,
)
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _date(day):
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def workplace(network):
    return factories.WorkplaceFactory(
        employer=network.employer, name="Bostedet Hedebo", municipality="Viborg"
    )


@pytest.fixture
def newcomer(branch):
    return factories.PersonFactory(branch=branch, name="Nanna Nyvalgt", email="nanna@example.org")


@pytest.fixture
def next_meetings(network):
    soon = factories.MeetingFactory(network=network, starts_at=timezone.now() + timedelta(days=10))
    later = factories.MeetingFactory(network=network, starts_at=timezone.now() + timedelta(days=40))
    return soon, later


def _mail_to(address):
    return OutboundEmail.objects.get(to__contains=address)


def _link(body, path_start):
    return re.search(rf"https?://[^\s/]+({re.escape(path_start)}[^\s]*)", body).group(1)


def register(person, workplace, by, role=Mandate.Role.TR, **kwargs):
    return mandate_register(
        person=person,
        role=role,
        workplace=workplace,
        elected_on=kwargs.pop("elected_on", TODAY()),
        by=by,
        **kwargs,
    )


# As the office ------------------------------------------------------------------------------------


def test_office_registers_a_new_tr_in_the_admin(
    client, office, network, coordinator, newcomer, workplace, next_meetings
):
    client.force_login(office)
    response = client.post(
        reverse("admin:circles_mandate_add"),
        {
            "person": newcomer.pk,
            "role": Mandate.Role.TR,
            "workplace": workplace.pk,
            "elected_on": _date(TODAY()),
            "ended_on": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Velkomstmail sendes til: Nanna Nyvalgt, Karen Koordinator" in page
    mandate = Mandate.objects.get(person=newcomer)
    assert Membership.objects.active().filter(person=newcomer, network=network).exists()
    assert {mail.to for mail in OutboundEmail.objects.all()} == {
        "Nanna Nyvalgt <nanna@example.org>",
        "Karen Koordinator <koordinator@example.org>",
    }
    prompt = MentorPrompt.objects.get()
    assert (prompt.network, prompt.person, prompt.mandate, prompt.done_at) == (
        network,
        newcomer,
        mandate,
        None,
    )
    assert set(Reminder.objects.values_list("kind", "recipient")) == {
        (Reminder.Kind.WELCOME, "Nanna Nyvalgt"),
        (Reminder.Kind.WELCOME, "Karen Koordinator"),
    }
    assert set(Reminder.objects.values_list("key", flat=True)) == set(
        OutboundEmail.objects.values_list("key", flat=True)
    )


def test_a_mandate_row_on_the_person_page_is_registered_through_the_service(
    client, office, network, coordinator, newcomer, workplace
):
    client.force_login(office)
    data = _person_post(
        newcomer, rows=[{"role": "tr", "workplace": workplace.pk, "elected_on": _date(TODAY())}]
    )
    response = client.post(reverse("admin:circles_person_change", args=[newcomer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OutboundEmail.objects.count() == 2 and MentorPrompt.objects.count() == 1

    # saving the page again, mandate unchanged, sends nothing new
    mandate = Mandate.objects.get(person=newcomer)
    again = _person_post(
        newcomer,
        rows=[{"id": mandate.pk, "role": "tr", "workplace": workplace.pk, "elected_on": _date(TODAY())}],
        memberships=list(newcomer.memberships.all()),
    )
    response = client.post(reverse("admin:circles_person_change", args=[newcomer.pk]), again)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OutboundEmail.objects.count() == 2 and Reminder.objects.count() == 2
    assert Mandate.objects.filter(person=newcomer).count() == 1


def test_a_new_tr_and_their_network_entered_together_on_the_person_page(
    client, office, network, coordinator, newcomer, workplace
):
    client.force_login(office)
    data = _person_post(
        newcomer, rows=[{"role": "tr", "workplace": workplace.pk, "elected_on": _date(TODAY())}]
    )
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-id": "",
            "memberships-0-person": newcomer.pk,
            "memberships-0-network": network.pk,
            "memberships-0-joined_on": _date(TODAY()),
            "memberships-0-left_on": "",
        }
    )
    response = client.post(reverse("admin:circles_person_change", args=[newcomer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.active().filter(person=newcomer).count() == 1
    assert OutboundEmail.objects.count() == 2 and MentorPrompt.objects.count() == 1


def test_a_refused_mandate_row_shows_a_danish_message_and_writes_nothing(
    client, office, newcomer, other_branch
):
    elsewhere = factories.WorkplaceFactory(employer__branch=other_branch)
    client.force_login(office)
    data = _person_post(
        newcomer, rows=[{"role": "tr", "workplace": elsewhere.pk, "elected_on": _date(TODAY())}]
    )
    response = client.post(reverse("admin:circles_person_change", args=[newcomer.pk]), data)
    assert response.status_code == 200
    assert not Mandate.objects.filter(person=newcomer).exists()
    assert OutboundEmail.objects.count() == 0


def _person_post(person, rows, memberships=()):
    data = {
        "branch": person.branch_id,
        "name": person.name,
        "member_number": person.member_number,
        "email": person.email,
        "phone": person.phone,
        "tr_training_completed_on": "",
        "mandates-TOTAL_FORMS": str(len(rows)),
        "mandates-INITIAL_FORMS": str(sum(1 for row in rows if "id" in row)),
        "mandates-MIN_NUM_FORMS": "0",
        "mandates-MAX_NUM_FORMS": "1000",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update(
            {
                f"mandates-{index}-id": row.get("id", ""),
                f"mandates-{index}-person": person.pk,
                f"mandates-{index}-role": row["role"],
                f"mandates-{index}-workplace": row["workplace"],
                f"mandates-{index}-elected_on": row["elected_on"],
                f"mandates-{index}-ended_on": "",
            }
        )
    for index, membership in enumerate(memberships):
        data.update(
            {
                f"memberships-{index}-id": membership.pk,
                f"memberships-{index}-person": person.pk,
                f"memberships-{index}-network": membership.network_id,
                f"memberships-{index}-joined_on": _date(membership.joined_on),
                f"memberships-{index}-left_on": "",
            }
        )
    return data


# As the coordinator -------------------------------------------------------------------------------


def test_coordinator_opens_the_mails_link_to_the_master_data(
    client, office, network, coordinator, member, outsider, newcomer, workplace, next_meetings
):
    register(newcomer, workplace, office)
    mail = _mail_to("koordinator@example.org")
    assert "Tilbyd" not in mail.subject and "Ny TR i TR-netværk Viborg Kommune" in mail.subject
    assert "tilbyde den nye TR en mentor" in mail.body_text
    assert "nanna@example.org" not in mail.body_text + mail.body_html  # a link, never the data
    path = _link(mail.body_text, "/medlem/")
    assert path == reverse("circles:person_detail", args=[newcomer.pk])

    client.force_login(coordinator)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "nanna@example.org" in text and workplace.name in text and "Ikke gennemført" in text

    other_coordinator = outsider.person
    other_network = other_coordinator.memberships.get().network
    other_network.coordinator = other_coordinator
    other_network.save()
    client.force_login(outsider)
    assert client.get(path).status_code == 404
    client.force_login(member)  # in the same network, without the coordinator's role
    assert client.get(path).status_code == 403


def test_the_branch_office_and_the_facilitating_consultant_open_it_too(
    client, office, other_office, consultant, network, coordinator, newcomer, workplace
):
    register(newcomer, workplace, office)
    path = reverse("circles:person_detail", args=[newcomer.pk])
    client.force_login(office)
    assert client.get(path).status_code == 200
    client.force_login(other_office)
    assert client.get(path).status_code == 404
    client.force_login(consultant)  # the branch's consultant, not facilitating this network
    assert client.get(path).status_code == 403
    network.consultant = consultant
    network.save()
    assert client.get(path).status_code == 200
    client.logout()
    assert client.get(path).status_code == 302


def test_the_next_meeting_shows_offer_a_mentor_until_marked_done(
    client, office, network, coordinator, member, outsider, newcomer, workplace, next_meetings
):
    register(newcomer, workplace, office)
    soon, later = next_meetings
    client.force_login(coordinator)
    assert "Tilbyd en mentor til Nanna Nyvalgt" in client.get(soon.get_absolute_url()).content.decode()
    assert "Tilbyd en mentor til" not in client.get(later.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Tilbyd en mentor til" not in client.get(soon.get_absolute_url()).content.decode()

    prompt = MentorPrompt.objects.get()
    url = reverse("circles:mentor_prompt_done", args=[soon.pk, prompt.pk])
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(coordinator)
    assert client.get(url).status_code == 405  # only POST changes state
    response = client.post(url, follow=True)
    assert "Mentortilbuddet til Nanna Nyvalgt er markeret som klaret." in response.content.decode()
    prompt.refresh_from_db()
    assert prompt.done_at is not None and prompt.done_by == coordinator
    assert "Tilbyd en mentor til" not in client.get(soon.get_absolute_url()).content.decode()
    again = client.post(url, follow=True)
    assert "allerede markeret som klaret" in again.content.decode()


def test_a_prompt_of_another_network_cannot_be_marked_from_this_meeting(
    client, office, network, coordinator, newcomer, workplace, next_meetings
):
    register(newcomer, workplace, office)
    elsewhere = factories.NetworkFactory(branch=network.branch)
    stranger = factories.PersonFactory(branch=network.branch)
    foreign = MentorPrompt.objects.create(
        network=elsewhere, person=stranger, mandate=factories.MandateFactory(person=stranger)
    )
    client.force_login(coordinator)
    response = client.post(reverse("circles:mentor_prompt_done", args=[next_meetings[0].pk, foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.done_at is None


# As the new TR -----------------------------------------------------------------------------------


def test_the_new_tr_gets_their_network_meetings_rules_and_the_mentor_promise(
    office, network, coordinator, newcomer, workplace, next_meetings
):
    network.ground_rules = "Vi taler om opgaver, ikke om personer."
    network.save()
    register(newcomer, workplace, office)
    mail = _mail_to("nanna@example.org")
    assert mail.subject == "Velkommen som TR – dit netværk er TR-netværk Viborg Kommune"
    body = mail.body_text
    assert "Karen Koordinator, koordinator@example.org" in body
    assert "Vi taler om opgaver, ikke om personer." in body
    assert "tilbudt en mentor" in body
    soon, later = next_meetings
    for meeting in (soon, later):
        assert timezone.localtime(meeting.starts_at).strftime("%H.%M") in body
    assert len(mail.attachments) == 2
    uids = set()
    for attachment in mail.attachments:
        calendar = Calendar.from_ical(attachment["content"])
        (event,) = calendar.walk("VEVENT")
        uids.add(str(event["UID"]))
    assert uids == {f"{soon.uid}@netvaerk", f"{later.uid}@netvaerk"}
    assert "&amp;" not in body and "&#x27;" not in body


def test_an_amr_is_welcomed_with_the_consultant_as_contact_and_no_mentor(office, consultant, branch):
    amr_network = factories.NetworkFactory(
        branch=branch,
        kind=Network.Kind.AMR,
        employer=None,
        municipality_group="Kommunegruppe Randers-Norddjurs",
        consultant=consultant,
        name="AMR-netværk Randers-Norddjurs",
    )
    consultant.first_name, consultant.last_name = "Jakob", "Konsulent"
    consultant.save()
    workplace = factories.WorkplaceFactory(employer__branch=branch, municipality="Norddjurs")
    amr = factories.PersonFactory(branch=branch, email="amr@example.org")
    register(amr, workplace, office, role=Mandate.Role.AMR)
    assert Membership.objects.active().filter(person=amr, network=amr_network).exists()
    mail = _mail_to("amr@example.org")
    assert "faciliterende konsulent: Jakob Konsulent" in mail.body_text
    assert "mentor" not in mail.body_text
    assert "Gruppen har tavshedspligt" in mail.body_text  # the AMR ground rules
    assert _mail_to("konsulent@example.org").subject.startswith("Ny AMR i")
    assert not MentorPrompt.objects.exists()


# Placement ----------------------------------------------------------------------------------------


def test_no_matching_network_the_office_is_told_and_the_list_shows_them(client, office, branch, newcomer):
    workplace = factories.WorkplaceFactory(employer__branch=branch, municipality="Skive")
    mandate = register(newcomer, workplace, office)
    assert mandate.welcome.network is None and not newcomer.memberships.exists()
    office_mail = _mail_to(branch.office_email)
    assert "Intet aktivt netværk" in office_mail.body_text
    path = _link(office_mail.body_text, "/admin/")
    assert path == reverse("admin:circles_person_change", args=[newcomer.pk])
    assert "Kredskontoret finder det netværk" in _mail_to("nanna@example.org").body_text
    assert Reminder.objects.get(kind=Reminder.Kind.PLACEMENT).key == office_mail.key
    assert not MentorPrompt.objects.exists()

    client.force_login(office)
    listed = client.get(reverse("admin:circles_person_changelist") + "?netvaerk=nyvalgt_uden")
    assert "Nanna Nyvalgt" in listed.content.decode()


def test_one_matching_network_places_them(office, network, coordinator, newcomer, workplace):
    factories.NetworkFactory(branch=network.branch, name="Et andet TR-netværk")  # another employer
    mandate = register(newcomer, workplace, office)
    assert mandate.welcome.placed and mandate.welcome.network == network
    assert not Reminder.objects.filter(kind=Reminder.Kind.PLACEMENT).exists()


def test_two_matching_networks_the_office_chooses(office, network, coordinator, newcomer, workplace):
    factories.NetworkFactory(branch=network.branch, employer=network.employer, name="TR-netværk Viborg Nord")
    mandate = register(newcomer, workplace, office)
    assert mandate.welcome.network is None and not newcomer.memberships.exists()
    assert "Flere netværk passer" in _mail_to(network.branch.office_email).body_text
    assert OutboundEmail.objects.count() == 2  # the new TR and the office; no coordinator yet


def test_when_the_office_places_them_by_hand_the_coordinator_is_told_once(
    client, office, network, coordinator, newcomer, workplace, next_meetings
):
    factories.NetworkFactory(branch=network.branch, employer=network.employer, name="TR-netværk Viborg Nord")
    register(newcomer, workplace, office)
    assert not MentorPrompt.objects.exists()
    client.force_login(office)
    for _attempt in range(2):  # the second save (a membership that already exists) tells nobody again
        client.post(
            reverse("admin:circles_membership_add"),
            {"network": network.pk, "person": newcomer.pk, "joined_on": _date(TODAY())},
        )
    assert newcomer.memberships.active().get().network == network
    told = _mail_to(coordinator.email)
    assert told.template == "circles/welcome_contact"
    assert f"/medlem/{newcomer.pk}/" in told.body_text
    prompt = MentorPrompt.objects.get()
    assert (prompt.network, prompt.person) == (network, newcomer)
    assert OutboundEmail.objects.filter(template="circles/welcome_contact").count() == 1


def test_inactive_and_other_branch_networks_do_not_match(office, network, newcomer, workplace, other_branch):
    network.active = False
    network.save()
    factories.NetworkFactory(branch=other_branch, employer=network.employer, name="Fremmed")
    assert register(newcomer, workplace, office).welcome.network is None


def test_a_tr_already_in_another_tr_network_is_not_moved(office, network, coordinator, member, workplace):
    person = member.person  # already in `network`
    elsewhere = factories.NetworkFactory(branch=network.branch, name="TR-netværk Skive")
    new_place = factories.WorkplaceFactory(employer=elsewhere.employer)
    mandate = register(person, new_place, office)
    assert mandate.welcome.network == network
    assert list(Membership.objects.active().filter(person=person).values_list("network", flat=True)) == [
        network.pk
    ]
    told = _mail_to(network.branch.office_email)
    assert "er ikke flyttet" in told.body_text and "TR-netværk Skive" in told.body_text


def test_the_fallback_to_the_municipality_group_for_a_tr(office, branch, newcomer):
    grouped = factories.NetworkFactory(
        branch=branch, employer=None, municipality_group="Aabenraa og Sønderborg", name="TR Sønderjylland"
    )
    workplace = factories.WorkplaceFactory(employer__branch=branch, municipality="Sønderborg")
    assert register(newcomer, workplace, office).welcome.network == grouped


@pytest.mark.parametrize(
    ("group", "municipality", "matches"),
    [
        ("Kommunegruppe Randers-Norddjurs", "Randers", True),
        ("Kommunegruppe Randers-Norddjurs", "Norddjurs Kommune", True),
        ("Aabenraa og Sønderborg", "sønderborg", True),
        ("Ringkøbing-Skjern og Herning", "Ringkøbing-Skjern", True),
        ("Kommunegruppe Randers-Norddjurs", "Rand", False),
        ("Kommunegruppe Aarhus", "Aarhus Vest", False),
        ("Kommunegruppe Aarhus", "", False),
        ("Kommunegruppe Aarhus", "Kommune", False),
    ],
)
def test_municipality_group_rule(group, municipality, matches):
    assert group_names_municipality(group, municipality) is matches


# Rules and idempotency ----------------------------------------------------------------------------


def test_registering_the_same_mandate_twice_sends_one_welcome(
    office, network, coordinator, newcomer, workplace
):
    first = register(newcomer, workplace, office)
    second = register(newcomer, workplace, office)
    assert first.pk == second.pk and Mandate.objects.filter(person=newcomer).count() == 1
    assert OutboundEmail.objects.count() == 2 and Reminder.objects.count() == 2
    assert MentorPrompt.objects.count() == 1
    mandate_update(mandate=first, by=office)  # saved again in the admin
    assert OutboundEmail.objects.count() == 2 and MentorPrompt.objects.count() == 1


def test_a_deputy_becoming_tr_is_welcomed_once(office, network, coordinator, newcomer, workplace):
    mandate = register(newcomer, workplace, office, role=Mandate.Role.TR_DEPUTY)
    assert OutboundEmail.objects.count() == 0 and not newcomer.memberships.exists()
    mandate.role = Mandate.Role.TR
    mandate_update(mandate=mandate, by=office)
    mandate_update(mandate=mandate, by=office)
    assert OutboundEmail.objects.count() == 2 and MentorPrompt.objects.count() == 1


def test_long_serving_and_ended_mandates_are_not_welcomed(office, network, coordinator, newcomer, workplace):
    register(newcomer, workplace, office, elected_on=TODAY() - timedelta(days=800))
    register(
        newcomer,
        workplace,
        office,
        role=Mandate.Role.FTR,
        elected_on=TODAY() - timedelta(days=90),
        ended_on=TODAY() - timedelta(days=1),
    )
    assert Mandate.objects.filter(person=newcomer).count() == 2
    assert OutboundEmail.objects.count() == 0 and not newcomer.memberships.exists()


def test_the_service_refuses_another_branch_and_bad_dates_in_danish(
    office, other_office, newcomer, workplace
):
    with pytest.raises(ValidationError, match="anden kreds end din"):
        register(newcomer, workplace, other_office)
    with pytest.raises(ValidationError, match="Ophørsdatoen kan ikke ligge før valgdatoen"):
        register(newcomer, workplace, office, ended_on=TODAY() - timedelta(days=1))
    foreign_place = factories.WorkplaceFactory(employer__branch=other_office.branch)
    with pytest.raises(ValidationError, match="Arbejdspladsen"):
        register(newcomer, foreign_place, office)
    assert not Mandate.objects.exists() and not OutboundEmail.objects.exists()


def test_a_network_without_coordinator_or_consultant_tells_the_office(office, network, newcomer, workplace):
    register(newcomer, workplace, office)
    told = _mail_to(network.branch.office_email)
    assert told.subject == "Ny TR i TR-netværk Viborg Kommune"
    assert "Til kredskontoret" in told.body_text


def test_a_new_ftr_joining_a_network_without_coordinator_becomes_it_and_the_office_is_told(
    office, network, newcomer, workplace
):
    register(newcomer, workplace, office, role=Mandate.Role.FTR)
    network.refresh_from_db()
    assert network.coordinator == newcomer
    assert _mail_to(network.branch.office_email).subject == "Ny FTR i TR-netværk Viborg Kommune"
    assert not MentorPrompt.objects.exists()  # the mentor is for a new TR


def test_marking_done_twice_is_refused(office, coordinator, network, newcomer, workplace):
    register(newcomer, workplace, office)
    prompt = MentorPrompt.objects.get()
    mentor_prompt_done(prompt=prompt, by=coordinator)
    with pytest.raises(ValidationError, match="allerede"):
        mentor_prompt_done(prompt=prompt, by=coordinator)


def test_saving_the_mandate_again_does_not_place_them_again(
    office, network, coordinator, newcomer, workplace
):
    from circles.services.people import membership_end

    mandate = register(newcomer, workplace, office)
    membership_end(membership=newcomer.memberships.get(), by=office)  # the office moves them on
    mandate_update(mandate=mandate, by=office)
    assert not Membership.objects.active().filter(person=newcomer).exists()
    assert OutboundEmail.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_offices_registering_the_same_tr_at_once_welcome_once(
    office, network, coordinator, newcomer, workplace
):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    errors = []

    def register_once():
        try:
            barrier.wait(5)
            register(newcomer, workplace, office)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Mandate.objects.filter(person=newcomer).count() == 1
    assert OutboundEmail.objects.count() == 2 and MentorPrompt.objects.count() == 1
    assert Membership.objects.active().filter(person=newcomer).count() == 1
