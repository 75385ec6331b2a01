"""After delivery, no table holds a raw token or a password link: every kind of mailed link at once.

Each flow that mails a one-time link runs and its mail is delivered (the outbox sends after commit,
here into Django's test outbox): a password reset, a meeting invitation with its answer link, an AMR
sign-up's confirmation, a mentor offer (mentor first, then the new TR), the pairing's end links that
acceptance mails, and the welcome mail's "ask for a mentor" link. Every link is read back from the
delivered mails, and each one's secret part is searched for in every column of every table.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circles.models import Mandate, Network
from circles.services.mandates import mandate_register
from circles.services.meetings import meeting_invite
from circles.services.signups import signup_submit
from mentoring.services import offers
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.database_text import every_text_in_the_database
from tests.mentoring import offer_kit

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LINK = re.compile(r"https?://[^\s\"'<>]+")
# the secret part of a link: a long run of URL-safe characters (tokens, signatures, reset tokens)
SECRET = re.compile(r"[A-Za-z0-9_\-:]{20,}")


def test_no_table_holds_a_mailed_secret_after_delivery(
    branch, network, coordinator, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    user = coordinator
    with django_capture_on_commit_callbacks(execute=True):
        # a password reset
        Client().post(reverse("password_reset"), {"email": user.email})
        # a meeting invitation with its answer link
        meeting = factories.MeetingFactory(network=network, starts_at=timezone.now() + timedelta(days=20))
        meeting_invite(meeting=meeting, by=coordinator)
        # an AMR sign-up's confirmation link
        amr = factories.NetworkFactory(
            branch=branch,
            kind=Network.Kind.AMR,
            employer=None,
            municipality_group="Viborg",
            consultant=consultant,
        )
        signup_submit(
            branch=branch,
            network=amr,
            name="Anne Ansøger",
            email="anne@example.org",
            workplace_text="Bostedet Åen",
            municipality="Viborg",
            role=Mandate.Role.AMR,
            consent=True,
            ip="192.0.2.1",
        )
        # the welcome mail of a newly elected TR, with the signed "ask for a mentor" link
        newcomer = factories.PersonFactory(branch=branch, name="Niels Nyvalgt", email="niels@example.org")
        mandate_register(
            person=newcomer,
            role=Mandate.Role.TR,
            workplace=factories.WorkplaceFactory(employer=network.employer),
            elected_on=timezone.localdate(),
            by=office,
        )
        # a mentor offer, mentor first
        _programme, mentor, request = offer_kit.setup(branch, created_by=consultant, mentor_first=True)
        offers.offer_send(request=request, mentor=mentor, by=consultant)

    # the mentor says yes by the link, the new TR then too: the pairing's end links are mailed
    for who in (mentor.email, request.mentee.email):
        link = offer_kit.delivered_link(mailoutbox, who)
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post(link, {"svar": "ja"}).status_code == 200

    links = {link for mail in mailoutbox for link in LINK.findall(mail.body)}
    secrets = {secret for link in links for secret in SECRET.findall(link.split("/", 3)[-1])}
    assert len(secrets) >= 6, links  # reset, answer, confirm, welcome, two offers, end links
    assert OutboundEmail.objects.filter(has_secrets=True).exclude(sealed_secrets="").count() == 0
    everything = every_text_in_the_database()
    leaked = sorted(secret for secret in secrets if secret in everything)
    assert not leaked, leaked
