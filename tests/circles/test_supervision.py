"""Supervision on request (seed 000 §3): the coordinator asks from the network page, the office answers
in the admin, and the answer goes back by mail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from circles.models import SupervisionRequest
from circles.services import voice as services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

ABOUT = "Vi vil gerne have hjælp til at lægge årets dagsordener & få flere med"


def page(network):
    return reverse("circles:supervision", args=[network.pk])


def answer_page(request):
    return reverse("admin:circles_supervisionrequest_change", args=[request.pk])


def ask(network, user, about=ABOUT, preferred_dates="Uge 12 eller 14"):
    return services.supervision_request(
        network=network, by=user, about=about, preferred_dates=preferred_dates
    )


def test_coordinator_asks_and_the_office_is_mailed_a_link(client, network, coordinator, branch):
    client.force_login(coordinator)
    form = client.get(page(network))
    assert form.status_code == 200 and "Send ønsket til kredskontoret" in form.content.decode()
    response = client.post(page(network), {"about": ABOUT, "preferred_dates": "Uge 12 eller 14"}, follow=True)
    assert "sendt til kredskontoret" in response.content.decode()
    request = SupervisionRequest.objects.get()
    assert (request.network, request.requested_by, request.about) == (network, coordinator, ABOUT)
    assert request.status == SupervisionRequest.Status.OPEN
    mail = OutboundEmail.objects.get(template="circles/supervision_requested")
    assert branch.office_email in mail.to
    assert answer_page(request) in mail.body_text and "Uge 12 eller 14" in mail.body_text
    assert ABOUT not in mail.body_text and ABOUT not in mail.body_html  # the office reads it in the admin
    assert network.name in mail.subject and "&amp;" not in mail.body_text and "&#x27;" not in mail.body_text


def test_the_network_page_links_to_supervision_for_the_coordinator_only(client, network, coordinator, member):
    client.force_login(coordinator)
    assert page(network) in client.get(network.get_absolute_url()).content.decode()
    client.force_login(member)
    assert page(network) not in client.get(network.get_absolute_url()).content.decode()


def test_facilitating_consultant_may_ask_but_not_another_consultant(client, network, consultant, branch):
    client.force_login(consultant)
    assert client.get(page(network)).status_code == 403  # sees the branch's networks, does not run this one
    network.consultant = consultant
    network.save()
    assert client.post(page(network), {"about": ABOUT}).status_code == 302
    assert SupervisionRequest.objects.get().requested_by == consultant


def test_outsider_and_other_office_get_404(client, network, outsider, other_office):
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(page(network)).status_code == 404
        assert client.post(page(network), {"about": ABOUT}).status_code == 404
    assert not SupervisionRequest.objects.exists() and not OutboundEmail.objects.exists()


def test_member_gets_403_and_nothing_is_asked(client, network, member):
    client.force_login(member)
    assert client.get(page(network)).status_code == 403
    assert client.post(page(network), {"about": ABOUT}).status_code == 403
    assert not SupervisionRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        ask(network, member)


def test_office_reads_the_list_but_cannot_ask_from_the_front_end(client, network, coordinator, office):
    ask(network, coordinator)
    client.force_login(office)
    response = client.get(page(network))
    assert response.status_code == 200 and ABOUT.replace("&", "&amp;") in response.content.decode()
    assert "Send ønsket til kredskontoret" not in response.content.decode()
    assert client.post(page(network), {"about": "Fra kontoret"}).status_code == 403
    assert SupervisionRequest.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"about": "", "preferred_dates": ""}, "Skriv, hvad I gerne vil have supervision i."),
        ({"about": "   ", "preferred_dates": ""}, "Skriv, hvad I gerne vil have supervision i."),
        ({"about": "x" * 2001, "preferred_dates": ""}, "højst være 2000 tegn"),
        ({"about": "Hjælp", "preferred_dates": "x" * 501}, "højst være 500 tegn"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, network, coordinator, data, message):
    client.force_login(coordinator)
    response = client.post(page(network), data)
    assert response.status_code == 200
    assert not SupervisionRequest.objects.exists() and not OutboundEmail.objects.exists()
    assert response.context["form"].errors


def test_a_nul_byte_is_answered_with_a_danish_400_and_changes_nothing(client, network, coordinator):
    client.force_login(coordinator)
    for data in ({"about": "Hj\x00lp"}, {"about": "Hjælp", "preferred_dates": "\x00"}):
        response = client.post(page(network), data)
        assert response.status_code == 400 and "ugyldigt tegn" in response.content.decode()
    assert not SupervisionRequest.objects.exists() and not OutboundEmail.objects.exists()


def test_the_service_refuses_bad_input_too(network, coordinator):
    for about, dates in [
        ("", ""),
        ("x" * 2001, ""),
        ("Hj\x00lp", ""),
        ("Hjælp", "x" * 501),
        ("Hjælp", "\x00"),
    ]:
        with pytest.raises(ValidationError):
            ask(network, coordinator, about=about, preferred_dates=dates)
    assert not SupervisionRequest.objects.exists()


def test_office_answers_in_the_admin_and_the_coordinator_is_mailed(client, network, coordinator, office):
    request = ask(network, coordinator)
    client.force_login(office)
    listed = client.get(reverse("admin:circles_supervisionrequest_changelist"))
    assert listed.status_code == 200 and network.name in listed.content.decode()
    form = client.get(answer_page(request))
    assert form.status_code == 200 and ABOUT.replace("&", "&amp;") in form.content.decode()
    reply = "Vi kommer den 12. marts kl. 14 & tager Mettes slides med"
    response = client.post(answer_page(request), {"answer": reply})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SupervisionRequest.Status.ANSWERED and request.answered_by == office
    assert request.answer == reply and request.answered_at
    mail = OutboundEmail.objects.get(template="circles/supervision_answered")
    assert coordinator.person.email in mail.to
    assert reply in mail.body_text and "&amp;" not in mail.body_text and "&#x27;" not in mail.body_text
    assert page(network) in mail.body_text
    # the coordinator reads the answer on the network's supervision page
    client.force_login(coordinator)
    assert "Vi kommer den 12. marts kl. 14 &amp; tager" in client.get(page(network)).content.decode()


def test_an_answered_request_is_not_answered_again(client, network, coordinator, office):
    request = ask(network, coordinator)
    services.supervision_answer(request=request, by=office, answer="Første svar")
    client.force_login(office)
    assert client.get(answer_page(request)).status_code == 200  # read-only now
    client.post(answer_page(request), {"answer": "Andet svar"})
    request.refresh_from_db()
    assert request.answer == "Første svar"
    assert OutboundEmail.objects.filter(template="circles/supervision_answered").count() == 1
    with pytest.raises(ValidationError):
        services.supervision_answer(request=request, by=office, answer="Andet svar")


def test_an_empty_or_too_long_answer_is_refused(client, network, coordinator, office):
    request = ask(network, coordinator)
    client.force_login(office)
    for answer in ("", "   ", "x" * 2001):
        response = client.post(answer_page(request), {"answer": answer})
        assert response.status_code == 200 and response.context["adminform"].form.errors
    with pytest.raises(ValidationError):
        services.supervision_answer(request=request, by=office, answer="Sv\x00ar")
    request.refresh_from_db()
    assert request.status == SupervisionRequest.Status.OPEN and request.answer == ""
    assert not OutboundEmail.objects.filter(template="circles/supervision_answered").exists()


def test_another_branch_neither_sees_nor_answers(client, network, coordinator, other_office, consultant):
    request = ask(network, coordinator)
    client.force_login(other_office)
    assert client.get(answer_page(request)).status_code in (302, 404)
    assert client.post(answer_page(request), {"answer": "Hej"}).status_code in (302, 404)
    assert (
        network.name
        not in client.get(reverse("admin:circles_supervisionrequest_changelist")).content.decode()
    )
    with pytest.raises(PermissionDenied):
        services.supervision_answer(request=request, by=other_office, answer="Hej")
    with pytest.raises(PermissionDenied):
        services.supervision_answer(request=request, by=consultant, answer="Hej")
    request.refresh_from_db()
    assert request.status == SupervisionRequest.Status.OPEN


def test_a_coordinator_sees_only_their_own_networks_requests(client, network, coordinator, branch):
    other = factories.NetworkFactory(branch=branch, name="TR-netværk Skive")
    other_coordinator = factories.PersonFactory(branch=branch, user=factories.UserFactory())
    other.coordinator = other_coordinator
    other.save()
    ask(other, other_coordinator.user, about="Skives hemmelige ønske")
    client.force_login(coordinator)
    assert client.get(page(other)).status_code == 404
    assert "Skives hemmelige ønske" not in client.get(page(network)).content.decode()
