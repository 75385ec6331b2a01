"""Helpers for the pairing tests: a started pairing between two members with logins, the mails it
recorded, and the links as a mail would carry them."""

from datetime import date, timedelta

from django.utils import timezone

from mentoring.models import Offer, Pairing
from mentoring.services.pairings import pairing_start
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring.factories import MentorFactory, MentorRequestFactory, ProgrammeFactory


def programme_in(branch, **kwargs):
    kwargs.setdefault("name", "Mentorordning for nye TR")
    kwargs.setdefault("contact_name", "Kirsten Konsulent")
    kwargs.setdefault("contact_email", "mentor@kreds.example.org")
    return ProgrammeFactory(branch=branch, **kwargs)


def start_pairing(
    branch, *, today: date | None = None, programme=None, mentor=None, mentee_name="Nikolaj Ny"
):
    """A pairing started through ``pairing_start`` on ``today``: the mentor (Mette) and the new TR have
    logins; the mentor has a phone number and a TR mandate at a workplace."""
    today = today or timezone.localdate()
    programme = programme or programme_in(branch)
    if mentor is None:
        mentor = MentorFactory(
            person__branch=branch,
            person__name="Mette Mentor",
            person__email="mette@example.org",
            person__phone="20 30 40 50",
            person__user=factories.UserFactory(username="mette"),
        ).person
    username = mentee_name.split()[0].lower()
    request = MentorRequestFactory(
        programme=programme,
        mentee__name=mentee_name,
        mentee__email=f"{username}@example.org",
        mentee__phone="60 70 80 90",
        mentee__user=factories.UserFactory(username=username),
    )
    now = timezone.now()
    offer = Offer.objects.create(
        request=request,
        mentor=mentor,
        status=Offer.Status.ACCEPTED,
        decided_at=now,
        expires_at=now + timedelta(days=14),
    )
    return pairing_start(offer=offer, today=today)


def mails(**filters):
    return list(OutboundEmail.objects.filter(**filters).order_by("pk"))


def mail_to(email: str, template: str) -> OutboundEmail:
    (row,) = OutboundEmail.objects.filter(to__contains=email, template=template)
    return row


def link_in(row: OutboundEmail, name: str) -> str:
    """The one-time link of a recorded mail, unsealed as delivery does."""
    return sealing.unseal(row.sealed_secrets)[name]


def token_of(link: str) -> str:
    return link.rstrip("/").rpartition("/")[2]


def reload(pairing: Pairing) -> Pairing:
    return Pairing.objects.get(pk=pairing.pk)
