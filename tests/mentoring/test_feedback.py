"""Each party's evaluation by e-mailed link: single-use, bounded, and seen by the office only."""

import pytest
from django.test import Client

from mentoring.models import Feedback
from mentoring.services.pairings import pairing_end
from netvaerk.outbox.models import OutboundEmail
from tests.mentoring.pairing_kit import link_in, mail_to, start_pairing

pytestmark = pytest.mark.django_db

SECRET_PRAISE = "Mette lyttede altid grundigt"
SECRET_CRITIQUE = "Vi aflyste for tit"


@pytest.fixture
def ended(branch):
    pairing = start_pairing(branch)
    pairing_end(pairing=pairing, party="mentee")
    return pairing


def feedback_link(pairing, person):
    return link_in(mail_to(person.email, "mentoring/pairing_feedback"), "feedback_url")


def answer(url, **data):
    return Client().post(
        url, {"rating": "4", "useful": SECRET_PRAISE, "improve": SECRET_CRITIQUE, "recommend": "yes", **data}
    )


def test_the_feedback_mail_says_who_reads_the_answers(ended):
    text = mail_to(ended.mentee.email, "mentoring/pairing_feedback").body_text
    assert "Kun kredskontoret læser dine svar" in text and "/mentor/evaluering/" not in text  # sealed


def test_opening_the_link_changes_nothing_and_the_answer_is_recorded_once(ended):
    url = feedback_link(ended, ended.mentee)
    for _ in range(5):
        assert Client().get(url).status_code == 200
        assert Client().head(url).status_code == 200
    assert not Feedback.objects.exists()
    response = answer(url)
    assert response.status_code == 200 and "Tak for din evaluering" in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.party, feedback.rating, feedback.recommend) == ("mentee", 4, True)
    again = answer(url, rating="1")
    assert again.status_code == 410 and "allerede sendt din evaluering" in again.content.decode()
    assert Feedback.objects.get().rating == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "6"}, "Vælg en samlet vurdering fra 1 til 5"),
        ({"rating": ""}, "Vælg en samlet vurdering fra 1 til 5"),
        ({"useful": "godt\x00"}, "ugyldigt tegn (NUL)"),
        ({"improve": "x" * 4001}, "højst fylde 4000 tegn"),
        ({"recommend": "måske"}, "Svar ja, nej eller ved ikke"),
    ],
)
def test_bad_answers_get_a_danish_message_and_change_nothing(ended, data, message):
    url = feedback_link(ended, ended.mentor)
    response = answer(url, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Feedback.objects.exists()
    assert answer(url).status_code == 200  # the link still works


def test_the_service_refuses_nul_bytes(ended):
    from django.core.exceptions import ValidationError

    from mentoring.services.pairings import feedback_submit
    from tests.mentoring.pairing_kit import token_of

    with pytest.raises(ValidationError, match="ugyldige tegn"):
        feedback_submit(token_of(feedback_link(ended, ended.mentor)), rating=3, useful="a\x00b")
    assert not Feedback.objects.exists()


def test_a_tampered_feedback_link_shows_a_danish_page(ended):
    response = answer(feedback_link(ended, ended.mentor)[:-3] + "zz/")
    assert response.status_code == 410 and "Linket er ikke gyldigt" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_other_party_never_sees_the_answers_but_the_office_does(client, ended, office, consultant):
    answer(feedback_link(ended, ended.mentee))
    for user in (ended.mentor.user, ended.mentee.user):
        client.force_login(user)
        for url in ("/mentor/forloeb/", f"/mentor/forloeb/{ended.pk}/"):
            page = client.get(url).content.decode()
            assert SECRET_PRAISE not in page and SECRET_CRITIQUE not in page
    client.force_login(consultant)
    page = client.get(f"/mentor/forloeb/{ended.pk}/").content.decode()
    assert SECRET_PRAISE not in page
    assert SECRET_PRAISE not in client.get(f"/admin/mentoring/pairing/{ended.pk}/change/").content.decode()
    assert client.get(f"/admin/mentoring/feedback/{Feedback.objects.get().pk}/change/").status_code == 403
    client.force_login(office)
    page = client.get(f"/admin/mentoring/pairing/{ended.pk}/change/").content.decode()
    assert SECRET_PRAISE in page and SECRET_CRITIQUE in page
    assert (
        SECRET_PRAISE
        in client.get(f"/admin/mentoring/feedback/{Feedback.objects.get().pk}/change/").content.decode()
    )
    # and no mail carries them
    for row in OutboundEmail.objects.all():
        assert SECRET_PRAISE not in row.body_text + row.body_html + row.subject


def test_another_branchs_office_does_not_see_the_answers(client, ended, other_office):
    answer(feedback_link(ended, ended.mentee))
    client.force_login(other_office)
    assert client.get(f"/admin/mentoring/pairing/{ended.pk}/change/").status_code in (302, 404)
    assert SECRET_PRAISE not in client.get("/admin/mentoring/feedback/").content.decode()
