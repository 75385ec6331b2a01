"""The demo pair's new TR logs a session and files release time for it, then ends the pairing from the
e-mailed link (no login) and gives feedback from the next mail's link; axe on every page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import ReleaseClaim
from mentoring import demo as mentoring_demo
from mentoring.models import Feedback, Pairing, Session

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link(mailoutbox, email, path):
    bodies = [message.body for message in mailoutbox if email in message.to[0]]
    found = [match.group() for body in bodies for match in re.finditer(rf"{path}[\w-]+/", body)]
    assert found, f"no {path} link mailed to {email}"
    return found[-1]


def test_the_new_tr_logs_a_session_claims_it_ends_the_pairing_and_gives_feedback(
    page, browser, live_server, demo, mailoutbox
):
    mentoring_demo.seed()
    pairing = Pairing.objects.select_related("mentee", "mentor").get(status=Pairing.Status.ACTIVE)
    sessions_before = pairing.sessions.count()

    login(page, live_server, "mentee")
    page.goto(f"{live_server.url}/mentor/forloeb/")
    expect(page.get_by_role("heading", name="Mine mentorforløb")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Thomas Lauritsen")).click()
    expect(page.get_by_role("heading", name=re.compile("Mentorforløb"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Skriv en samtale").click()
    assert_accessible(page)
    page.get_by_label("Dato").fill(timezone.localdate().isoformat())
    page.get_by_label("Varighed (minutter)").fill("4")
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Gem samtalen").click()
    expect(page.get_by_text("mellem 5 minutter og 8 timer").first).to_be_visible()
    assert_accessible(page)
    assert pairing.sessions.count() == sessions_before
    page.get_by_label("Varighed (minutter)").fill("90")
    page.get_by_label("Den første lokale lønforhandling").check()
    page.get_by_role("button", name="Gem samtalen").click()
    expect(page.get_by_text("Samtalen er skrevet i forløbets log.")).to_be_visible()
    assert pairing.sessions.count() == sessions_before + 1

    page.get_by_role("link", name="Søg frikøb").first.click()
    expect(page.get_by_role("heading", name="Søg frikøb til mentorsamtale")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Jeg har noteret fraværet", exact=False).check()
    page.get_by_role("button", name="Send til kredskontoret").click()
    expect(page.get_by_text("Dit krav om frikøb er sendt til kredskontoret.")).to_be_visible()
    newest = Session.objects.filter(pairing=pairing).order_by("-held_on", "-pk").first()
    assert ReleaseClaim.objects.filter(
        claimant=pairing.mentee, reference=f"mentor-session:{newest.pk}"
    ).exists()

    # the end link from the first mail, in a browser without a login
    outside = browser.new_page()
    outside.goto(live_server.url + link(mailoutbox, pairing.mentee.email, "/mentor/afslut/"))
    expect(outside.get_by_role("heading", name="Afslut forløbet")).to_be_visible()
    assert_accessible(outside)
    assert Pairing.objects.get(pk=pairing.pk).status == Pairing.Status.ACTIVE
    outside.get_by_label("Begrundelse (frivillig)").fill("Vi har nået det, vi ville.")
    outside.get_by_role("button", name="Afslut forløbet").click()
    expect(outside.get_by_role("heading", name="Forløbet er afsluttet")).to_be_visible()
    assert_accessible(outside)
    assert Pairing.objects.get(pk=pairing.pk).ended_by == "mentee"

    outside.goto(live_server.url + link(mailoutbox, pairing.mentee.email, "/mentor/evaluering/"))
    assert_accessible(outside)
    outside.get_by_label("4", exact=True).check()
    outside.get_by_label("Hvad var godt?").fill("Trygt at have en at spørge.")
    outside.get_by_label("Ja", exact=True).check()
    outside.get_by_role("button", name="Send evalueringen").click()
    expect(outside.get_by_role("heading", name="Tak for din evaluering")).to_be_visible()
    assert_accessible(outside)
    assert Feedback.objects.get(pairing=pairing, party="mentee").rating == 4
