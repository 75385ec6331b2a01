"""The office's view of AMR sign-ups in the admin: branch-scoped, read-only, the token's hash never
shown, accept / decline through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles.models import Mandate, Person, SignUp
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from tests import factories

from .signup_fixtures import *  # noqa: F403 (the fixtures)
from .signup_fixtures import pending

pytestmark = pytest.mark.django_db
LIST = reverse("admin:circles_signup_changelist")


def _change(signup):
    return reverse("admin:circles_signup_change", args=[signup.pk])


def test_the_office_sees_its_branchs_pending_sign_ups(client, branch, other_branch, aarhus, office):
    mine = pending(aarhus)
    decided = pending(aarhus, name="Gammel Afvist", email="g@example.org", status=SignUp.Status.DECLINED)
    foreign_network = factories.NetworkFactory(
        branch=other_branch, kind="amr", employer=None, municipality_group="Kommunegruppe Horsens"
    )
    foreign = pending(foreign_network, name="Fremmed Ansøger", email="f@example.org")
    client.force_login(office)
    response = client.get(LIST)
    assert list(response.context["cl"].result_list) == [mine]
    assert set(client.get(LIST + "?status=alle").context["cl"].result_list) == {mine, decided}
    assert client.get(_change(foreign)).status_code in (302, 404)
    assert "Fremmed Ansøger" not in client.get(LIST + "?status=alle").content.decode()


def test_the_change_page_is_read_only_and_never_shows_the_token_hash(client, branch, aarhus, office):
    token = tokens.issue()
    factories.PersonFactory(branch=branch, name="Louise Brandt-Holm", email="louise@example.org")
    signup = pending(aarhus, confirm_token_hash=token.digest)
    client.force_login(office)
    page = client.get(_change(signup)).content.decode()
    assert "Louise Brandt-Holm" in page  # the match
    assert token.digest not in page and token.raw not in page
    assert 'name="name"' not in page  # nothing to edit
    client.post(_change(signup), {"name": "Ændret", "status": "accepted"})
    signup.refresh_from_db()
    assert (signup.name, signup.status) == ("Louise Brandt", SignUp.Status.PENDING)
    assert client.get(reverse("admin:circles_signup_add")).status_code == 403


def test_accepting_through_the_action_uses_the_service(client, branch, aarhus, office, skovlyst):
    member = factories.PersonFactory(branch=branch, email="louise@example.org")
    ready = pending(aarhus, workplace=skovlyst)
    needs_choice = pending(aarhus, name="Fri Tekst", email="fri@example.org")  # a written workplace
    client.force_login(office)
    response = client.post(
        LIST, {"action": "accept", "_selected_action": [ready.pk, needs_choice.pk]}, follow=True
    )
    page = response.content.decode()
    assert "1 tilmelding er optaget." in page and "Fri Tekst:" in page
    ready.refresh_from_db()
    needs_choice.refresh_from_db()
    assert ready.status == SignUp.Status.ACCEPTED and ready.person == member
    assert needs_choice.status == SignUp.Status.PENDING
    assert Mandate.objects.filter(person=member, role="amr", workplace=skovlyst).exists()
    assert Person.objects.filter(email="louise@example.org").count() == 1
    assert OutboundEmail.objects.filter(template="circles/welcome_representative").exists()


def test_declining_through_the_action_asks_for_the_message(client, branch, aarhus, office):
    signup = pending(aarhus)
    client.force_login(office)
    first = client.post(LIST, {"action": "decline", "_selected_action": [signup.pk]})
    assert first.status_code == 200 and "Afvis tilmeldinger" in first.content.decode()
    empty = client.post(LIST, {"action": "decline", "_selected_action": [signup.pk], "message": ""})
    assert "Skriv en besked" in empty.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING
    client.post(
        LIST, {"action": "decline", "_selected_action": [signup.pk], "message": "Netværket er fuldt."}
    )
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.DECLINED and signup.decline_message == "Netværket er fuldt."
    assert OutboundEmail.objects.filter(template="circles/signup_declined").count() == 1


def test_another_branchs_office_cannot_act_on_our_sign_ups(client, branch, aarhus, other_office):
    signup = pending(aarhus)
    client.force_login(other_office)
    client.post(LIST, {"action": "decline", "_selected_action": [signup.pk], "message": "Nej"})
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING


def test_the_list_costs_the_same_queries_at_two_sizes(client, branch, aarhus, office):
    client.force_login(office)
    counts = []
    for size, start in ((2, 0), (20, 2)):
        for n in range(start, start + size):
            pending(aarhus, name=f"Ansøger {n}", email=f"s{n}@example.org")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_consultant_sees_only_their_networks_sign_ups_in_the_admin(
    client, branch, aarhus, randers, consultant, other_consultant
):
    mine = pending(aarhus)
    theirs = pending(randers, name="Rasmus Toft", email="rasmus@example.org")
    client.force_login(consultant)
    assert list(client.get(LIST).context["cl"].result_list) == [mine]
    assert client.get(_change(theirs)).status_code in (302, 404)
    client.post(LIST, {"action": "decline", "_selected_action": [theirs.pk], "message": "Nej"})
    theirs.refresh_from_db()
    assert theirs.status == SignUp.Status.PENDING
