"""Helpers for the offer tests: a programme with a mentor and a new TR, and the link as mailed."""

from circles.models import Mandate
from mentoring.models import Offer
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring.factories import MentorFactory, MentorRequestFactory, ProgrammeFactory


def setup(branch, *, created_by=None, mentor_first=False, capacity=1, max_pairs=None, **programme):
    """A programme in ``branch``, an eligible mentor (with a workplace) and an open request."""
    programme = ProgrammeFactory(
        branch=branch,
        name=programme.pop("name", "Mentorordning for nye TR"),
        mentor_first=mentor_first,
        max_active_pairs=max_pairs,
        contact_name="Kirsten Konsulent",
        contact_email="mentor@kreds.example.org",
        **programme,
    )
    mentor = MentorFactory(
        person__branch=branch,
        person__name="Mette Mentor",
        person__email="mette@example.org",
        capacity=capacity,
    ).person
    request = new_request(programme, created_by=created_by, name="Nikolaj Ny", email="nikolaj@example.org")
    return programme, mentor, request


def new_request(programme, *, created_by=None, name=None, email=None):
    extra = {}
    if name:
        extra["mentee__name"] = name
    if email:
        extra["mentee__email"] = email
    return MentorRequestFactory(programme=programme, created_by=created_by, **extra)


def another_mentor(branch, **kwargs):
    return MentorFactory(person__branch=branch, **kwargs).person


def sealed_link(key_part: str) -> str:
    """The link in the newest queued mail whose key contains ``key_part``, unsealed as delivery does."""
    row = OutboundEmail.objects.filter(key__contains=key_part).order_by("-pk").first()
    assert row is not None, f"no mail with {key_part!r}"
    return sealing.unseal(row.sealed_secrets)["offer_url"]


def token_of(link: str) -> str:
    return link.rstrip("/").rpartition("/")[2]


def link_to(offer: Offer, party: str) -> str:
    """The newest link mailed to ``party`` about ``offer`` (first mail or reminder)."""
    row = (
        OutboundEmail.objects.filter(key__startswith="mentor-offer", key__contains=f":{offer.pk}:")
        .filter(key__endswith=f":{party}")
        .exclude(sealed_secrets="")
        .order_by("-pk")
        .first()
    )
    assert row is not None, f"no link mailed to the {party}"
    return sealing.unseal(row.sealed_secrets)["offer_url"]


def tr_mandate(person):
    return person.mandates.filter(role__in=Mandate.TR_ROLES).first()


__all__ = ["factories", "setup", "new_request", "another_mentor", "sealed_link", "token_of", "link_to"]


def delivered_link(mailoutbox, email: str) -> str:
    """The offer link in the newest delivered mail to ``email`` (as the recipient reads it)."""
    for message in reversed(mailoutbox):
        if email in message.to[0] and "/mentor/tilbud/" in message.body:
            start = message.body.index("/mentor/tilbud/")
            return message.body[start : message.body.index("/", start + len("/mentor/tilbud/")) + 1]
    raise AssertionError(f"no offer link delivered to {email}")
