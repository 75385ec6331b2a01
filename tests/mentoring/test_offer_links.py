"""The offer's e-mailed link: a page anyone with the link sees, that only a POST of a button answers."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from mentoring.models import MentorRequest, Offer, Pairing
from mentoring.services import offers
from netvaerk.outbox.models import OutboundEmail
from tests.database_text import every_text_in_the_database
from tests.mentoring import offer_kit as kit

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant)
    mandate = kit.tr_mandate(mentor)
    mandate.workplace.name = "Bostedet Solsikken"
    mandate.workplace.save()
    return offers.offer_send(request=request, mentor=mentor, by=consultant, reasons="Samme arbejdsområde")


def _url(offer, party="mentee"):
    return kit.link_to(offer, party)


def _snapshot():
    return (
        list(Offer.objects.values().order_by("pk")),
        list(MentorRequest.objects.values().order_by("pk")),
        OutboundEmail.objects.count(),
        Pairing.objects.count(),
    )


def test_the_page_shows_the_mentor_and_the_programmes_frame(offer):
    response = Client().get(_url(offer))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Mette Mentor",
        "Bostedet Solsikken",
        "Bosted",  # the work area
        "12 måneder",
        "Én gang om måneden",
        "online eller over telefon",
        "Fortrolighed",
        "Kirsten Konsulent",
        "mentor@kreds.example.org",
        "Samme arbejdsområde",
        'value="ja"',
        'value="nej"',
        '<meta name="referrer" content="no-referrer">',
    ):
        assert text in page, text
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_get_and_head_change_nothing(offer):
    url = _url(offer)
    before = _snapshot()
    for _ in range(5):
        assert Client().get(url).status_code == 200
        assert Client().head(url).status_code == 200
    assert _snapshot() == before


def test_a_post_of_yes_accepts(offer):
    response = Client().post(_url(offer), {"svar": "ja"})
    assert response.status_code == 200
    assert "Mentorforløbet er startet" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED and Pairing.objects.count() == 1


def test_a_post_of_no_declines_with_the_reason(offer):
    response = Client().post(_url(offer), {"svar": "nej", "begrundelse": "Jeg har en mentor i forvejen"})
    assert response.status_code == 200
    assert "Du har sagt nej tak" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED and offer.decline_reason == "Jeg har en mentor i forvejen"


def test_a_too_long_reason_gets_a_danish_message_and_changes_nothing(offer):
    before = _snapshot()
    response = Client().post(_url(offer), {"svar": "nej", "begrundelse": "x" * 2001})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Begrundelsen må højst være 2000 tegn" in page and 'value="ja"' in page
    assert _snapshot() == before


def test_a_nul_byte_is_refused_in_danish_and_changes_nothing(offer):
    before = _snapshot()
    response = Client().post(_url(offer), {"svar": "nej", "begrundelse": "nul\x00byte"})
    assert response.status_code == 400  # the site-wide guard (netvaerk.middleware), before the view
    assert "ugyldigt tegn" in response.content.decode()
    assert _snapshot() == before


def test_a_post_without_an_answer_changes_nothing(offer):
    before = _snapshot()
    response = Client().post(_url(offer), {"svar": "måske"})
    assert response.status_code == 200 and "Vælg" in response.content.decode()
    assert _snapshot() == before


def _assert_gone_page(response, *, status, text):
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert 'value="ja"' not in page
    return page


def test_a_used_link_says_so_and_changes_nothing(offer):
    url = _url(offer)
    Client().post(url, {"svar": "ja"})
    before = _snapshot()
    _assert_gone_page(Client().get(url), status=200, text="Du har sagt ja tak")
    _assert_gone_page(Client().post(url, {"svar": "nej"}), status=200, text="Du har sagt ja tak")
    assert _snapshot() == before


def test_an_expired_link_says_so_and_whom_to_contact(offer):
    url = _url(offer)
    with time_machine.travel(offer.expires_at + timedelta(minutes=1)):
        before = _snapshot()
        page = _assert_gone_page(Client().get(url), status=410, text="Tilbuddet er udløbet")
        assert "mentor@kreds.example.org" in page
        _assert_gone_page(Client().post(url, {"svar": "ja"}), status=410, text="Tilbuddet er udløbet")
        assert _snapshot() == before


def test_a_withdrawn_link_says_so(offer, consultant):
    url = _url(offer)
    offers.offer_withdraw(offer=offer, by=consultant)
    before = _snapshot()
    page = _assert_gone_page(Client().get(url), status=410, text="trukket tilbage")
    assert "Kirsten Konsulent" in page
    _assert_gone_page(Client().post(url, {"svar": "ja"}), status=410, text="trukket tilbage")
    assert _snapshot() == before


@pytest.mark.parametrize("token", ["ikke-et-rigtigt-token", "A" * 43, "x" * 300])
def test_a_tampered_link_is_a_clear_page_not_an_error(offer, token):
    url = reverse("mentoring:offer_link", args=[token])
    before = _snapshot()
    _assert_gone_page(Client().get(url), status=410, text="Linket virker ikke")
    _assert_gone_page(Client().post(url, {"svar": "ja"}), status=410, text="Linket virker ikke")
    assert _snapshot() == before


def test_the_mentors_link_shows_the_new_tr(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True)
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    response = Client().get(_url(offer, "mentor"))
    page = response.content.decode()
    assert "Vil du være mentor for en ny TR?" in page and "Nikolaj Ny" in page
    response = Client().post(_url(offer, "mentor"), {"svar": "ja"})
    assert "Tilbuddet er sendt videre til den nye TR" in response.content.decode()


def test_the_page_is_a_fixed_number_of_queries(offer, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        Client().get(_url(offer))


def test_the_raw_tokens_are_in_no_table_after_delivery(
    branch, consultant, django_capture_on_commit_callbacks, mailoutbox
):
    programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True)
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_send(request=request, mentor=mentor, by=consultant)
    (to_mentor,) = mailoutbox
    mentor_link = _link_in(to_mentor.body)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(mentor_link, {"svar": "ja"})
    mentee_link = _link_in(mailoutbox[-1].body)
    assert mentee_link != mentor_link
    assert mentee_link in mailoutbox[-1].alternatives[0][0]
    assert OutboundEmail.objects.filter(has_secrets=True, sealed_secrets="").count() == 2  # delivered, wiped
    everything = every_text_in_the_database()
    for link in (mentor_link, mentee_link):
        assert kit.token_of(link) not in everything


def _link_in(body: str) -> str:
    start = body.index("/mentor/tilbud/")
    return body[start : body.index("/", start + len("/mentor/tilbud/")) + 1]


def test_a_browser_without_referrer_can_answer(offer):
    """The page sends no referrer, so the browser's POST carries ``Origin: null`` and no CSRF cookie:
    the link's token authorises the answer."""
    response = Client(enforce_csrf_checks=True).post(_url(offer), {"svar": "ja"}, HTTP_ORIGIN="null")
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
