"""Matching in the browser: the office registers a new TR; the new TR asks for a mentor from the
delivered welcome mail's link (no login); the coordinator opens the request from the list, reads the
ranked suggestions with their reasons and sends the offer. axe on each page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Branch, Mandate, Network, Person, User, Workplace
from circles.services.mandates import mandate_register
from mentoring.models import Mentor, MentorRequest, Offer, Programme

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_tr_asks_and_the_coordinator_sends_an_offer(page, live_server, demo, mailoutbox):
    branch = Branch.objects.get(name="Kreds Midt- og Vestjylland")
    viborg = Network.objects.get(name="TR-netværk Viborg Kommune")
    Programme.objects.get_or_create(
        branch=branch, name="Mentorordning for nye TR", defaults={"contact_email": branch.office_email}
    )
    workplace = Workplace.objects.filter(employer=viborg.employer).order_by("pk").first()
    today = timezone.localdate()
    mentor = Person.objects.create(
        branch=branch,
        name="Mona Mentorsen",
        email="mona@example.org",
        member_number="20099",
        tr_training_completed_on=today - timedelta(days=900),
    )
    Mandate.objects.create(
        person=mentor, role=Mandate.Role.TR, workplace=workplace, elected_on=today - timedelta(days=2000)
    )
    Mentor.objects.create(person=mentor, willing=True, capacity=2)
    newcomer = Person.objects.create(
        branch=branch, name="Oskar Olsen", email="oskar@example.org", member_number="10099"
    )
    mandate_register(
        person=newcomer,
        role=Mandate.Role.TR,
        workplace=workplace,
        elected_on=today,
        by=User.objects.get(username="kontor"),
    )

    # the new TR opens the delivered welcome mail's link (no login) and asks for a mentor
    (message,) = [m for m in mailoutbox if "oskar@example.org" in m.to[0] and "Tillykke" in m.body]
    text = message.body
    self_path = re.search(r"https?://[^\s/]+(/mentor/[^\s]+)", text).group(1)
    page.goto(f"{live_server.url}{self_path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jeg vil gerne have en mentor")
    assert_accessible(page)
    assert not MentorRequest.objects.filter(mentee=newcomer).exists()  # opening the link changed nothing
    page.get_by_label("Dine ønsker (valgfrit)").fill("Gerne en fra et bosted")
    page.get_by_role("button", name="Ja, jeg vil gerne have en mentor").click()
    expect(page.get_by_text("Dit ønske om en mentor er sendt til kredsen")).to_be_visible()
    assert_accessible(page)
    request = MentorRequest.objects.get(mentee=newcomer)
    assert request.source == "self" and request.network == viborg

    # the coordinator sees the request, its ranked suggestions, and sends the offer
    login(page, live_server, "koordinator")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/mentor/oensker/")
    assert_accessible(page)
    page.get_by_role("link", name="Oskar Olsen").click()
    expect(page.get_by_text("Gerne en fra et bosted")).to_be_visible()
    expect(page.get_by_text("Plads til 2 mentees mere").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send tilbud med Mona Mentorsen").click()
    expect(page.get_by_text("Tilbuddet med Mona Mentorsen er sendt.")).to_be_visible()
    assert_accessible(page)
    offer = Offer.objects.get(request=request)
    assert offer.mentor == mentor and offer.sent_by.username == "koordinator"
