"""The leave letter to managers (seed 002 "Kære leder"): the year's meeting dates with the branch's
letter to each AMR's manager, a copy to the member, once per version and again when a date moves."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import LeaveLetter, Mandate, Meeting, Network
from circles.services import voice as services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 2, 10, 9, 0, tzinfo=CPH)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def amr(branch, consultant):
    network = factories.NetworkFactory(
        branch=branch, kind=Network.Kind.AMR, name="AMR-netværk Randers", consultant=consultant
    )
    factories.MeetingFactory(network=network, starts_at=datetime(2026, 3, 12, 15, 0, tzinfo=CPH))
    factories.MeetingFactory(network=network, starts_at=datetime(2026, 9, 24, 15, 30, tzinfo=CPH))
    factories.MeetingFactory(
        network=network, starts_at=datetime(2026, 6, 4, 15, 0, tzinfo=CPH), status=Meeting.Status.CANCELLED
    )
    factories.MeetingFactory(network=network, starts_at=datetime(2027, 3, 11, 15, 0, tzinfo=CPH))
    return network


def _amr_member(network, name, workplace, role=Mandate.Role.AMR):
    person = factories.PersonFactory(
        branch=network.branch, name=name, email=f"{name.split()[0].lower()}@example.org"
    )
    factories.MandateFactory(person=person, role=role, workplace=workplace)
    factories.MembershipFactory(network=network, person=person)
    return person


@pytest.fixture
def anna(amr, branch):
    workplace = factories.WorkplaceFactory(
        employer__branch=branch,
        name="Bo & Bolig Randers",
        manager_name="Lene Leder",
        manager_email="lene@randers.dk",
    )
    person = _amr_member(amr, "Anna AMR", workplace)
    # a newer TR mandate elsewhere: the letter still goes to the manager of her AMR workplace
    other = factories.WorkplaceFactory(
        employer__branch=branch, name="Skolen", manager_email="skole@randers.dk"
    )
    factories.MandateFactory(person=person, role=Mandate.Role.TR, workplace=other, elected_on=NOW.date())
    return person


@pytest.fixture
def bo(amr, branch):
    workplace = factories.WorkplaceFactory(employer__branch=branch, name="Støttecentret", manager_email="")
    return _amr_member(amr, "Bo Uden Leder", workplace)


def page(network, year=None):
    url = reverse("circles:leave_letter", args=[network.pk])
    return f"{url}?aar={year}" if year else url


def send(client, network, year=2026):
    return client.post(page(network), {"year": year}, follow=True)


def letters(template="circles/leave_letter"):
    return OutboundEmail.objects.filter(template=template)


def test_preview_shows_letter_dates_and_who_gets_it(client, amr, anna, bo, consultant):
    client.force_login(consultant)
    response = client.get(page(amr))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "torsdag den 12. marts 2026 kl. 15.00" in html and "torsdag den 24. september 2026 kl. 15.30" in html
    )
    assert "4. juni" not in html  # cancelled
    assert "11. marts 2027" not in html  # next year's
    assert "Kære leder" in html and branch_name(amr) in html
    plan = response.context["plan"]
    assert [entry.person for entry in plan.to_send] == [anna]
    assert [entry.person for entry in plan.no_manager] == [bo]
    assert plan.to_send[0].manager_email == "lene@randers.dk"
    assert not OutboundEmail.objects.exists() and not LeaveLetter.objects.exists()  # a GET sends nothing


def branch_name(network):
    return network.branch.name


def test_sent_once_per_version_with_a_copy_to_the_member(client, amr, anna, bo, consultant):
    client.force_login(consultant)
    response = send(client, amr)
    assert "Brevet er sendt til 1 leder." in response.content.decode()
    assert "1 medlem mangler en leders e-mail." in response.content.decode()
    manager_mail = letters().get()
    assert "lene@randers.dk" in manager_mail.to
    copy = letters("circles/leave_letter_copy").get()
    assert anna.email in copy.to
    record = LeaveLetter.objects.get()
    assert (record.network, record.person, record.year, record.manager_email) == (
        amr,
        anna,
        2026,
        "lene@randers.dk",
    )
    assert record.sent_by == consultant and len(record.version) == 64
    # the same version again: nobody is mailed twice
    again = send(client, amr)
    assert "Brevet er sendt til 0 ledere." in again.content.decode()
    assert "1 havde allerede fået denne udgave." in again.content.decode()
    assert letters().count() == 1 and letters("circles/leave_letter_copy").count() == 1
    assert LeaveLetter.objects.count() == 1
    already = client.get(page(amr)).context["plan"]
    assert [entry.person for entry in already.already_sent] == [anna] and not already.to_send


def test_sent_again_after_a_date_moves(client, amr, anna, consultant):
    client.force_login(consultant)
    send(client, amr)
    meeting = amr.meetings.get(starts_at__month=9)
    meeting.starts_at = datetime(2026, 10, 1, 15, 30, tzinfo=CPH)
    meeting.save()
    assert client.get(page(amr)).context["plan"].to_send  # a new version waits
    send(client, amr)
    assert letters().count() == 2 and letters("circles/leave_letter_copy").count() == 2
    assert LeaveLetter.objects.filter(person=anna).values("version").distinct().count() == 2
    newest = letters().order_by("-pk").first()
    assert "torsdag den 1. oktober 2026 kl. 15.30" in newest.body_text
    assert "24. september" not in newest.body_text


def test_a_changed_letter_is_a_new_version_too(client, amr, anna, consultant):
    client.force_login(consultant)
    send(client, amr)
    amr.branch.leave_letter = (
        "Kære {leder}\n\nGiv {medlem} fri til {netværk}. {ukendt} står som skrevet.\n\n{kreds}"
    )
    amr.branch.save()
    send(client, amr)
    newest = letters().order_by("-pk").first()
    assert (
        "Kære Lene Leder" in newest.body_text
        and "Giv Anna AMR fri til AMR-netværk Randers." in newest.body_text
    )
    assert "{ukendt} står som skrevet." in newest.body_text
    assert LeaveLetter.objects.count() == 2


def test_the_plain_text_has_danish_dates_and_no_html_escapes(client, amr, anna, consultant):
    client.force_login(consultant)
    send(client, amr)
    for mail in (letters().get(), letters("circles/leave_letter_copy").get()):
        text = mail.body_text
        assert "- torsdag den 12. marts 2026 kl. 15.00" in text
        assert "- torsdag den 24. september 2026 kl. 15.30" in text
        assert "AMR'en" in text and "Bo & Bolig Randers" in text  # the seed's apostrophe, the workplace's &
        assert "&#x27;" not in text and "&#39;" not in text and "&amp;" not in text and "<p>" not in text
        assert "{kreds}" not in text and amr.branch.name in text and amr.branch.office_email in text
        assert "Bo &amp; Bolig Randers" in mail.body_html  # the HTML part is escaped as HTML should be
    assert "2026" in letters().get().subject and "Kopi" in letters("circles/leave_letter_copy").get().subject


def test_nobody_without_a_manager_address_is_mailed_and_the_page_says_so(client, amr, bo, consultant):
    client.force_login(consultant)
    html = client.get(page(amr)).content.decode()
    assert 'id="no-manager"' in html and "Bo Uden Leder" in html and "Send brevet" not in html
    response = send(client, amr)
    assert "1 medlem mangler en leders e-mail." in response.content.decode()
    assert not OutboundEmail.objects.exists() and not LeaveLetter.objects.exists()


def test_members_who_left_or_were_anonymised_are_not_mailed(client, amr, anna, consultant):
    left = _amr_member(amr, "Lars Udmeldt", anna.mandates.get(role="amr").workplace)
    left.memberships.update(left_on=NOW.date())
    anonymised = _amr_member(amr, "Anonym Person", anna.mandates.get(role="amr").workplace)
    type(anonymised).objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
    assert services.leave_letter_send(network=amr, year=2026, by=consultant).sent == 1
    assert list(LeaveLetter.objects.values_list("person", flat=True)) == [anna.pk]


def test_the_office_may_send_too(client, amr, anna, office):
    client.force_login(office)
    assert client.get(page(amr)).status_code == 200
    send(client, amr)
    assert LeaveLetter.objects.get().sent_by == office


def test_access(client, amr, anna, branch, outsider, other_office, member, consultant):
    coordinator = factories.PersonFactory(branch=branch, user=factories.UserFactory())
    factories.MembershipFactory(network=amr, person=coordinator)
    amr.coordinator = coordinator
    amr.save()
    amr_member = factories.PersonFactory(branch=branch, user=factories.UserFactory())
    factories.MembershipFactory(network=amr, person=amr_member)
    another_consultant = factories.UserFactory(is_staff=True, branch=branch)
    another_consultant.groups.set(consultant.groups.all())
    for stranger in (outsider, other_office, member):  # member: of a TR network, not of this one
        client.force_login(stranger)
        assert client.get(page(amr)).status_code == 404
        assert client.post(page(amr), {"year": 2026}).status_code == 404
    for without_role in (coordinator.user, amr_member.user, another_consultant):
        client.force_login(without_role)
        assert client.get(page(amr)).status_code == 403
        assert client.post(page(amr), {"year": 2026}).status_code == 403
    assert not OutboundEmail.objects.exists() and not LeaveLetter.objects.exists()
    with pytest.raises(PermissionDenied):
        services.leave_letter_send(network=amr, year=2026, by=coordinator.user)


def test_the_network_page_links_to_the_letter_for_the_consultant_of_an_amr_network(
    client, amr, network, consultant, coordinator
):
    client.force_login(consultant)
    assert page(amr) in client.get(amr.get_absolute_url()).content.decode()
    client.force_login(coordinator)  # a TR network has no leave letter
    assert "tjenestefrihed" not in client.get(network.get_absolute_url()).content.decode()
    assert client.get(page(network)).status_code == 404


def test_a_mixed_network_gets_the_letter_a_tr_network_does_not(amr, anna, consultant, branch):
    amr.kind = Network.Kind.MIXED
    amr.save()
    assert services.leave_letter_send(network=amr, year=2026, by=consultant).sent == 1
    tr = factories.NetworkFactory(branch=branch, consultant=consultant)
    with pytest.raises(ValidationError):
        services.leave_letter_send(network=tr, year=2026, by=consultant)


@pytest.mark.parametrize("year", ["abc", "", "2025", "2028", "99999999999999999999"])
def test_a_bad_year_is_refused_with_a_message(client, amr, anna, consultant, year):
    client.force_login(consultant)
    response = client.post(page(amr), {"year": year}, follow=True)
    assert response.status_code == 200
    assert "Vælg et gyldigt år." in response.content.decode() or "Brevet kan sendes for 2026 eller 2027." in (
        response.content.decode()
    )
    assert not OutboundEmail.objects.exists() and not LeaveLetter.objects.exists()
    shown = client.get(page(amr, year))
    assert shown.status_code == 200 and shown.context["year"] == 2026


def test_next_years_letter_has_next_years_dates(client, amr, anna, consultant):
    client.force_login(consultant)
    preview = client.get(page(amr, 2027))
    assert preview.context["year"] == 2027
    send(client, amr, year=2027)
    text = letters().get().body_text
    assert "torsdag den 11. marts 2027 kl. 15.00" in text and "2026" not in text.split("Netværket mødes")[1]


def test_a_year_without_meetings_sends_nothing(client, amr, anna, consultant):
    amr.meetings.filter(starts_at__year=2027).delete()
    client.force_login(consultant)
    response = send(client, amr, year=2027)
    assert "ingen møder i 2027" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_preview_query_count_does_not_grow_with_the_members(client, amr, anna, consultant, branch):
    def add(count):
        for index in range(count):
            workplace = factories.WorkplaceFactory(
                employer__branch=branch, manager_email=f"leder{index}@x.dk"
            )
            _amr_member(amr, f"Medlem{index} Nummer{index}", workplace)

    client.force_login(consultant)
    add(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(page(amr)).status_code == 200
    add(30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(page(amr))
    assert len(response.context["plan"].to_send) == 34
    assert len(small) == len(large) <= 15, [query["sql"][:120] for query in large.captured_queries]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_mail_each_manager_once(amr, anna, consultant):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=5)
            results.append(services.leave_letter_send(network=amr, year=2026, by=consultant))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(result.sent for result in results) == [0, 1]
    assert LeaveLetter.objects.count() == 1 and letters().count() == 1
