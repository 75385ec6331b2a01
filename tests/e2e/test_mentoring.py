"""The mentor offer in the browser: the consultant sends an offer from a request's suggestions, the new
TR opens the link from the mail (no login), accepts, and the mentor gets the pairing's mail. axe on
each page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Branch, Mandate, Person, User, Workplace
from mentoring.models import Mentor, MentorRequest, Offer, Pairing, Programme
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(branch, name, email, number, workplace, *, elected_days_ago, trained=False):
    today = timezone.localdate()
    person = Person.objects.create(
        branch=branch,
        name=name,
        email=email,
        member_number=number,
        tr_training_completed_on=today - timedelta(days=900) if trained else None,
    )
    Mandate.objects.create(
        person=person,
        role=Mandate.Role.TR,
        workplace=workplace,
        elected_on=today - timedelta(days=elected_days_ago),
    )
    return person


def _offer_link(mailoutbox, to: str) -> str:
    """The link as the recipient gets it: the row's sealed secret put in as delivery does (or, once
    the worker has sent it and wiped the seal, the delivered message itself)."""
    row = OutboundEmail.objects.filter(template="mentoring/offer_to_mentee", to__contains=to).get()
    assert "/mentor/tilbud/" not in row.body_text  # only the placeholder is stored
    if row.sealed_secrets:
        text = sealing.reveal(row.body_text, sealing.unseal(row.sealed_secrets))
    else:
        (message,) = [m for m in mailoutbox if to in m.to[0] and m.subject == row.subject]
        text = message.body
    return re.search(r"https?://[^\s/]+(/mentor/tilbud/[^\s]+)", text).group(1)


def test_the_consultant_sends_an_offer_and_the_new_tr_accepts_from_the_mail(
    page, live_server, demo, mailoutbox
):
    consultant = User.objects.get(username="konsulent")
    branch = Branch.objects.get(pk=consultant.branch_id)
    workplace = Workplace.objects.filter(employer__branch=branch).order_by("pk").first()
    Programme.objects.filter(branch=branch).update(active=False)
    programme = Programme.objects.create(
        branch=branch,
        name="Mentorpilot 2026",
        contact_name="Jakob Konsulent",
        contact_email="mentor@region.example.org",
    )
    mentor = _person(
        branch, "Mona Mentorsen", "mona@example.org", "30099", workplace, elected_days_ago=2000, trained=True
    )
    Mentor.objects.create(person=mentor, willing=True, capacity=1)
    newcomer = _person(branch, "Oskar Olsen", "oskar@example.org", "30098", workplace, elected_days_ago=20)
    request = MentorRequest.objects.create(
        programme=programme, mentee=newcomer, source=MentorRequest.Source.OFFICE, created_by=consultant
    )

    # the consultant opens the request and sends the offer from the suggestions
    login(page, live_server, "konsulent")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/mentor/oensker/{request.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Send tilbud med Mona Mentorsen").click()
    expect(page.get_by_text("Tilbuddet med Mona Mentorsen er sendt.")).to_be_visible()
    offer = Offer.objects.get(request=request)
    assert offer.status == Offer.Status.PENDING and offer.sent_by == consultant

    # the new TR opens the link from the mail, in a fresh browser context (no login, no cookies)
    path = _offer_link(mailoutbox, "oskar@example.org")
    context = page.context.browser.new_context()
    tr_page = context.new_page()
    tr_page.goto(f"{live_server.url}{path}")
    expect(tr_page.get_by_role("heading", level=1)).to_have_text("Tilbud om en mentor")
    expect(tr_page.get_by_text("Mona Mentorsen")).to_be_visible()
    expect(tr_page.get_by_text(workplace.name, exact=False)).to_be_visible()
    assert_accessible(tr_page)
    tr_page.set_viewport_size({"width": 375, "height": 740})  # a phone
    assert_accessible(tr_page)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING  # opening the link changed nothing
    tr_page.get_by_role("button", name="Ja tak").click()
    expect(tr_page.get_by_text("Mentorforløbet er startet")).to_be_visible()
    assert_accessible(tr_page)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    pairing = Pairing.objects.get(offer=offer)
    assert (pairing.mentor, pairing.mentee) == (mentor, newcomer)
    # the mentor gets the mail (in the outbox), and so does the consultant
    assert OutboundEmail.objects.filter(to__contains="mona@example.org", key__contains="started").exists()
    assert OutboundEmail.objects.filter(
        template="mentoring/offer_accepted", to__contains=consultant.email
    ).exists()

    # the same link again: the page says it is used, and nothing changes
    tr_page.goto(f"{live_server.url}{path}")
    expect(tr_page.get_by_text("Du har sagt ja tak")).to_be_visible()
    expect(tr_page.get_by_role("button", name="Ja tak")).to_have_count(0)
    context.close()
