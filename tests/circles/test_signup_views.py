"""The AMR sign-up pages: the public form and its abuse rules, the confirmation link, and the
consultant's queue (who sees what)."""

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.forms.signups import started_token
from circles.models import Person, SignUp
from circles.services import signups as services
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from tests import factories

from .signup_fixtures import *  # noqa: F403 (the fixtures)
from .signup_fixtures import form_data, pending

pytestmark = pytest.mark.django_db


def _url(branch):
    return reverse("circles:signup_form", args=[branch.pk])


def _raw(signup):
    mail = OutboundEmail.objects.get(key=f"signup-confirm:{signup.pk}")
    return sealing.unseal(mail.sealed_secrets)["confirm_url"].rstrip("/").rsplit("/", 1)[-1]


# The public page ----------------------------------------------------------------------------------


def test_the_public_page_names_the_branch_and_its_amr_networks(client, branch, aarhus, randers, network):
    response = client.get(_url(branch))
    assert response.status_code == 200
    page = response.content.decode()
    assert branch.name in page and aarhus.name in page and randers.name in page
    assert network.name not in page  # a TR network is not offered
    assert "artikel 9" in page and f"{services.KEEP_DECIDED_DAYS} dage" in page
    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', page, re.S).group(0)
    assert 'name="website"' in honeypot and 'autocomplete="off"' in honeypot and 'tabindex="-1"' in honeypot


def test_an_unknown_branch_is_404(client, db):
    assert client.get(reverse("circles:signup_form", args=[999999])).status_code == 404


def test_a_sign_up_is_stored_unconfirmed_and_the_page_says_check_your_mail(client, branch, aarhus):
    response = client.post(_url(branch), form_data(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("circles:signup_sent", args=[branch.pk])
    assert "Tjek din e-mail" in response.content.decode()
    signup = SignUp.objects.get()
    assert (signup.status, signup.network, signup.name) == (
        SignUp.Status.UNCONFIRMED,
        aarhus,
        "Louise Brandt",
    )


def test_the_honeypot_stores_nothing_but_answers_the_same(client, branch, aarhus):
    response = client.post(_url(branch), form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:signup_sent", args=[branch.pk])
    assert not SignUp.objects.exists() and not OutboundEmail.objects.exists()


def test_a_form_sent_too_fast_is_refused(client, branch, aarhus):
    response = client.post(_url(branch), form_data(started=started_token(time.time())))
    assert response.status_code == 200
    assert "Formularen blev sendt meget hurtigt" in response.content.decode()
    assert 'value="Louise Brandt"' in response.content.decode()  # what was typed is kept
    assert not SignUp.objects.exists()


@pytest.mark.parametrize(
    "started", ["", "1234", "forfalsket:abc", started_token(time.time() - 2 * 24 * 3600)]
)
def test_a_missing_or_forged_timestamp_is_refused(client, branch, aarhus, started):
    response = client.post(_url(branch), form_data(started=started))
    assert response.status_code == 200
    assert "udfyld den, og send igen" in response.content.decode()
    assert not SignUp.objects.exists()


def test_the_rate_limit_answers_429(client, branch, aarhus, monkeypatch):
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", (2, 3600))
    for n in range(2):
        assert client.post(_url(branch), form_data(email=f"a{n}@example.org")).status_code == 302
    response = client.post(_url(branch), form_data(email="a3@example.org"))
    assert response.status_code == 429
    assert "for mange tilmeldinger" in response.content.decode()
    assert SignUp.objects.count() == 2


def test_the_rate_limit_trusts_the_forwarded_address_only_behind_our_proxy(
    client, branch, aarhus, monkeypatch, settings
):
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", (1, 3600))
    settings.PRIVACY_TRUST_X_FORWARDED_FOR = False
    for n in range(2):  # a forged header does not make a new address
        client.post(_url(branch), form_data(email=f"a{n}@example.org"), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert SignUp.objects.count() == 1
    settings.PRIVACY_TRUST_X_FORWARDED_FOR = True
    client.post(_url(branch), form_data(email="b@example.org"), HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert SignUp.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 161, "Højst 160 tegn"),
        ("workplace_text", "x" * 161, "Højst 160 tegn"),
        ("municipality", "x" * 81, "Højst 80 tegn"),
        ("email", "ikke-en-adresse", "gyldig e-mailadresse"),
        ("phone", "ring til mig", "Telefonnummeret"),
        ("consent", "", "samtykke"),
        ("role", "tr", "Vælg, om du er AMR eller AMR-suppleant"),
        ("workplace_text", "", "Vælg din arbejdsplads"),
        ("network", "999999", "Vælg et af kredsens AMR-netværk"),
    ],
)
def test_bad_input_gets_a_danish_message_and_stores_nothing(client, branch, aarhus, field, value, message):
    response = client.post(_url(branch), form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignUp.objects.exists() and not OutboundEmail.objects.exists()


def test_a_municipality_without_a_network_asks_to_choose(client, branch, aarhus):
    response = client.post(_url(branch), form_data(municipality="Skive"))
    assert "Vælg netværket på listen" in response.content.decode()
    assert client.post(_url(branch), form_data(municipality="Skive", network=aarhus.pk)).status_code == 302


def test_nul_bytes_are_refused(client, branch, aarhus):
    response = client.post(_url(branch), form_data(name="Lou\x00ise"))
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not SignUp.objects.exists()


def _normalised(response) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1", response.content.decode())


def test_a_known_and_an_unknown_address_get_identical_answers(client, branch, aarhus):
    factories.PersonFactory(
        branch=branch, name="Kendt Medlem", email="kendt@example.org", member_number="4711"
    )
    answers = []
    for email, number in (("kendt@example.org", "4711"), ("ukendt@example.org", "4712")):
        response = client.post(_url(branch), form_data(email=email, member_number=number))
        followed = client.get(response["Location"])
        answers.append(
            (response.status_code, response["Location"], followed.status_code, _normalised(followed))
        )
    assert answers[0] == answers[1]
    known, unknown = (OutboundEmail.objects.get(to__contains=email) for email in ("<kendt@", "<ukendt@"))
    assert (known.subject, known.body_text, known.body_html) == (
        unknown.subject,
        unknown.body_text,
        unknown.body_html,
    )


# The confirmation link ----------------------------------------------------------------------------


def test_the_link_shows_a_button_and_only_the_post_confirms(client, branch, aarhus, consultant):
    client.post(_url(branch), form_data())
    signup = SignUp.objects.get()
    url = reverse("circles:signup_confirm", args=[_raw(signup)])
    for method in (client.get, client.head):
        assert method(url).status_code == 200
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.UNCONFIRMED
    assert "Bekræft min tilmelding" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "Din e-mail er bekræftet" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING
    again = client.post(url)
    assert again.status_code == 200 and "allerede bekræftet" in again.content.decode()
    assert OutboundEmail.objects.filter(template="circles/signup_pending").count() == 1


def test_a_tampered_or_expired_link_gets_a_clear_page(client, branch, aarhus):
    client.post(_url(branch), form_data())
    signup = SignUp.objects.get()
    raw = _raw(signup)
    tampered = client.post(reverse("circles:signup_confirm", args=[raw[:-2] + "xx"]))
    assert tampered.status_code == 410 and "Linket er ugyldigt" in tampered.content.decode()
    SignUp.objects.filter(pk=signup.pk).update(confirm_expires_at=timezone.now())
    expired = client.post(reverse("circles:signup_confirm", args=[raw]))
    assert expired.status_code == 410 and "Linket er udløbet" in expired.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.UNCONFIRMED


# The queue ----------------------------------------------------------------------------------------

QUEUE = reverse("circles:signup_queue")


def test_the_consultant_sees_their_networks_sign_ups_with_the_match(
    client, branch, aarhus, randers, consultant
):
    factories.PersonFactory(
        branch=branch, name="Louise Brandt-Holm", email="louise@example.org", member_number="20001"
    )
    pending(aarhus)
    pending(randers, name="Rasmus Toft", email="rasmus@example.org")
    pending(aarhus, name="Ikke Bekræftet", email="ib@example.org", status=SignUp.Status.UNCONFIRMED)
    client.force_login(consultant)
    page = client.get(QUEUE).content.decode()
    assert "Louise Brandt" in page and "matcher eksisterende medlem" in page and "Louise Brandt-Holm" in page
    assert "Rasmus Toft" not in page  # another consultant's network
    assert "Ikke Bekræftet" not in page  # the consultant sees nothing before the address is confirmed


def test_the_office_sees_the_branchs_sign_ups(client, branch, aarhus, randers, office, other_office):
    pending(aarhus)
    pending(randers, name="Rasmus Toft", email="rasmus@example.org")
    client.force_login(office)
    page = client.get(QUEUE).content.decode()
    assert "Louise Brandt" in page and "Rasmus Toft" in page
    client.force_login(other_office)
    page = client.get(QUEUE).content.decode()
    assert "Louise Brandt" not in page and "Rasmus Toft" not in page


def test_who_may_open_a_sign_up(
    client, branch, aarhus, consultant, other_consultant, other_office, coordinator
):
    signup = pending(aarhus)
    url = reverse("circles:signup_detail", args=[signup.pk])
    assert client.get(url).status_code == 302  # login first
    client.force_login(consultant)
    assert client.get(url).status_code == 200
    for outsider in (other_consultant, other_office):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"_decline": "1", "message": "Nej"}).status_code == 404
    client.force_login(coordinator)  # a member without the role
    assert client.get(QUEUE).status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, {"_decline": "1", "message": "Nej"}).status_code == 403
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING


def test_accepting_from_the_queue(client, branch, aarhus, consultant, skovlyst):
    member = factories.PersonFactory(branch=branch, email="louise@example.org")
    signup = pending(aarhus, workplace=skovlyst)
    client.force_login(consultant)
    page = client.get(reverse("circles:signup_detail", args=[signup.pk])).content.decode()
    assert "Matcher eksisterende medlem" in page
    response = client.post(
        reverse("circles:signup_detail", args=[signup.pk]),
        {"_accept": "1", "person": member.pk, "workplace": skovlyst.pk},
        follow=True,
    )
    assert "er optaget i" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.ACCEPTED and signup.person == member
    assert Person.objects.filter(email="louise@example.org").count() == 1


def test_accepting_with_a_new_workplace_and_a_person_not_matched_is_refused(
    client, branch, other_branch, aarhus, consultant
):
    stranger = factories.PersonFactory(branch=branch, email="x@example.org")
    foreign_employer = factories.EmployerFactory(branch=other_branch)
    signup = pending(aarhus, member_number="20099")
    client.force_login(consultant)
    url = reverse("circles:signup_detail", args=[signup.pk])
    for data in (
        {"_accept": "1", "person": stranger.pk, "new_workplace_employer": "", "workplace": ""},
        {"_accept": "1", "new_workplace_employer": foreign_employer.pk, "new_workplace_name": "Nyt sted"},
        {"_accept": "1"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING
    employer = factories.EmployerFactory(branch=branch)
    client.post(
        url,
        {
            "_accept": "1",
            "new_workplace_employer": employer.pk,
            "new_workplace_name": "Nyt sted",
            "new_workplace_area": "housing",
        },
    )
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.ACCEPTED and signup.workplace.name == "Nyt sted"


def test_declining_from_the_queue(client, branch, aarhus, consultant):
    signup = pending(aarhus)
    client.force_login(consultant)
    url = reverse("circles:signup_detail", args=[signup.pk])
    assert "Skriv en besked" in client.post(url, {"_decline": "1", "message": ""}).content.decode()
    client.post(url, {"_decline": "1", "message": "Du hører til en anden kreds."})
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.DECLINED
    assert OutboundEmail.objects.filter(template="circles/signup_declined").exists()


def _fill(network, count, start):
    for n in range(start, start + count):
        factories.PersonFactory(branch=network.branch, email=f"s{n}@example.org")
        pending(network, name=f"Ansøger {n}", email=f"s{n}@example.org", member_number=str(50000 + n))


def test_the_queue_costs_the_same_queries_at_two_sizes(
    client, branch, aarhus, consultant, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(consultant)
    counts = []
    for size, start in ((2, 0), (20, 2)):
        _fill(aarhus, size, start)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE)
        assert response.status_code == 200
        assert response.content.decode().count("matcher eksisterende medlem") == (2 if size == 2 else 22)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 15
