"""The e-mailed links to end a pairing: safe to open (GET and HEAD change nothing), only the button's
POST ends it, and a used, expired, tampered or already-ended link shows a Danish page."""

import re
import threading
from datetime import date

import pytest
import time_machine
from django.db import close_old_connections
from django.test import Client

from mentoring.models import PairingLink
from netvaerk.outbox.models import OutboundEmail
from tests.mentoring.pairing_kit import link_in, mail_to, reload, start_pairing

pytestmark = pytest.mark.django_db

START = date(2027, 1, 31)


def end_link(pairing, party):
    person = pairing.mentor if party == "mentor" else pairing.mentee
    return link_in(mail_to(person.email, f"mentoring/pairing_started_{party}"), "end_url")


def body(mailoutbox, person) -> str:
    return next(message.body for message in mailoutbox if person.email in message.to[0])


def snapshot(pairing):
    return (
        reload(pairing).status,
        list(PairingLink.objects.order_by("pk").values_list("used_at", flat=True)),
        OutboundEmail.objects.count(),
    )


def test_opening_the_link_ten_times_without_cookies_changes_nothing(branch):
    pairing = start_pairing(branch)
    url = end_link(pairing, "mentee")
    before = snapshot(pairing)
    for _ in range(5):
        response = Client().get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Afslut forløbet" in page and "Mette Mentor" in page and 'method="post"' in page
        assert response["Referrer-Policy"] == "same-origin"
        assert Client().head(url).status_code == 200
    assert snapshot(pairing) == before


def test_the_button_ends_the_pairing_for_the_links_party(branch):
    pairing = start_pairing(branch)
    response = Client().post(end_link(pairing, "mentee"), {"reason": "Jeg har fået nyt job"})
    assert response.status_code == 200 and "Forløbet er afsluttet" in response.content.decode()
    pairing = reload(pairing)
    assert (pairing.status, pairing.ended_by, pairing.end_reason) == (
        "ended_early",
        "mentee",
        "Jeg har fået nyt job",
    )
    mail_to(pairing.mentor.email, "mentoring/pairing_ended")
    mail_to(branch.office_email, "mentoring/pairing_ended_office")


def test_a_used_link_and_the_other_partys_link_say_it_has_ended(branch):
    pairing = start_pairing(branch)
    mine, theirs = end_link(pairing, "mentor"), end_link(pairing, "mentee")
    Client().post(mine)
    count = OutboundEmail.objects.count()
    for url in (mine, theirs):
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert response.status_code == 410
            assert "Forløbet er allerede afsluttet" in response.content.decode()
    assert OutboundEmail.objects.count() == count and reload(pairing).ended_by == "mentor"


def test_a_tampered_link_shows_a_danish_page_and_changes_nothing(branch):
    pairing = start_pairing(branch)
    url = end_link(pairing, "mentor")
    before = snapshot(pairing)
    for bad in (url[:-2] + "xx/", url.replace("/afslut/", "/afslut/A"), "/mentor/afslut/" + "x" * 300 + "/"):
        for method in ("get", "post"):
            response = getattr(Client(), method)(bad)
            assert response.status_code == 410
            assert "Linket er ikke gyldigt" in response.content.decode()
    assert snapshot(pairing) == before


def test_an_expired_link_shows_a_danish_page_and_changes_nothing(branch):
    pairing = start_pairing(branch, today=START)
    url = end_link(pairing, "mentee")
    PairingLink.objects.filter(pairing=pairing).update(expires_at="2027-03-01T00:00:00+01:00")
    before = snapshot(pairing)
    with time_machine.travel("2027-03-02 12:00 +01:00", tick=False):
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert response.status_code == 410 and "Linket er udløbet" in response.content.decode()
    assert snapshot(pairing) == before


def test_a_bad_reason_on_the_end_page_gets_a_danish_message_and_changes_nothing(branch):
    pairing = start_pairing(branch)
    url = end_link(pairing, "mentor")
    before = snapshot(pairing)
    for reason in ("x\x00y", "x" * 2001):
        response = Client().post(url, {"reason": reason})
        assert response.status_code == 400
        page = response.content.decode()
        assert "ugyldigt tegn (NUL)" in page or "højst fylde 2000 tegn" in page
    assert snapshot(pairing) == before


def test_an_end_link_is_not_a_feedback_link(branch):
    pairing = start_pairing(branch)
    url = end_link(pairing, "mentor").replace("/afslut/", "/evaluering/")
    response = Client().post(url, {"rating": "5"})
    assert response.status_code == 410 and reload(pairing).status == "active"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_presses_of_both_links_end_the_pairing_once(branch, mailoutbox):
    pairing = start_pairing(branch)  # committed: the mails are delivered at once, links and all
    links = [
        re.search(r"/mentor/afslut/[\w-]+/", body(mailoutbox, person)).group()
        for person in (pairing.mentor, pairing.mentee)
    ]
    urls = links * 10
    barrier = threading.Barrier(len(urls))
    statuses = []

    def press(url):
        try:
            barrier.wait()
            statuses.append(Client().post(url).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=press, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [410] * 19
    assert reload(pairing).status == "ended_early"
    assert OutboundEmail.objects.filter(template="mentoring/pairing_ended").count() == 1
    assert OutboundEmail.objects.filter(template="mentoring/pairing_feedback").count() == 2
