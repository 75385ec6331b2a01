"""One branch with a row of every kind, and the people who ask for them, for the security suite.

``build_world`` makes branch A (the ``branch`` fixture) with a TR network, its coordinator, a plain
member, the facilitating consultant, the office, and one row of every model the app's URLs and
admin pages take an id of; branch B has its own office (``other_office``). Every URL is requested
for branch A's rows, so branch B's office is the outsider.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from circles.models import (
    AgendaItem,
    Attendance,
    BoardPoint,
    BoardTopic,
    EmployerBill,
    Invitation,
    KeyMessageDelivery,
    LeaveLetter,
    Mandate,
    MentorPrompt,
    MileageRate,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    ReleaseClaim,
    Reminder,
    SignUp,
    SupervisionRequest,
)
from mentoring.models import Feedback, Mentor, Offer, Pairing, PairingLink, Session
from netvaerk.outbox.models import OutboundEmail
from netvaerk.privacy.models import AccessLogEntry, ErasureNotice, ErasureReview, RetentionPolicy
from tests import factories
from tests.mentoring import factories as mentoring_factories

ROLES = ("anonymous", "member", "coordinator", "consultant", "office", "other_office")


@dataclass
class World:
    users: dict
    ids: dict = field(default_factory=dict)  # URL keyword -> id of a branch-A row
    overrides: dict = field(default_factory=dict)  # URL name -> {keyword: id} where another row fits
    objects: dict = field(default_factory=dict)  # model label -> a branch-A row


def build_world(*, branch, network, coordinator, member, consultant, office, other_office) -> World:
    now = timezone.now()
    network.consultant = consultant
    network.save()
    world = World(
        users={
            "anonymous": None,
            "member": member,
            "coordinator": coordinator,
            "consultant": consultant,
            "office": office,
            "other_office": other_office,
        }
    )

    def keep(obj):
        world.objects[obj._meta.label] = obj
        return obj

    keep(branch), keep(network), keep(network.employer)
    keep(coordinator), keep(member.person)
    keep(Mandate.objects.filter(person=member.person).first())
    keep(network.memberships.first())
    workplace = keep(Mandate.objects.filter(person=member.person).first().workplace)

    held = keep(factories.MeetingFactory(network=network, starts_at=now - timedelta(days=10)))
    keep(AgendaItem.objects.create(meeting=held, position=1, title="Velkomst"))
    keep(Invitation.objects.create(meeting=held, person=member.person, token_hash="a" * 64))
    keep(Attendance.objects.create(meeting=held, person=member.person))
    minutes = keep(
        Minutes.objects.create(
            meeting=held,
            text="Referatets tekst",
            status=Minutes.Status.SUBMITTED,
            submitted_at=now,
            submitted_by=coordinator,
        )
    )
    attachment = MinutesAttachment(minutes=minutes, kind="pdf", original_name="referat.pdf", size=9)
    attachment.file.save("referat.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment.save()
    keep(attachment)
    keep(MinutesVersion.objects.create(minutes=minutes, number=1, text="Referatets tekst", submitted_at=now))
    keep(
        Reminder.objects.create(
            kind=Reminder.Kind.CADENCE,
            key="world-reminder",
            branch=branch,
            network=network,
            recipient="x",
            reason="y",
        )
    )
    prompt = keep(
        MentorPrompt.objects.create(
            network=network, person=member.person, mandate=member.person.mandates.first()
        )
    )
    employer = network.employer
    claim = keep(
        ReleaseClaim.objects.create(
            branch=branch,
            kind=ReleaseClaim.Kind.PREPARATION,
            claimant=coordinator.person,
            filed_by=coordinator,
            network=network,
            meeting=held,
            work_date=held.starts_at.date(),
            employer=employer,
            hours=Decimal("2"),
            hours_cap=Decimal("2"),
            leave_noted=True,
            amount=Decimal("0"),
            submitted_at=now,
        )
    )
    keep(
        MileageRate.objects.create(
            branch=branch, year=now.year, rate="3.79", threshold_km=20000, rate_above="2.23"
        )
    )
    keep(
        EmployerBill.objects.create(
            branch=branch,
            employer=employer,
            invoice_number="F-1",
            invoice_date=now.date(),
            amount=Decimal("700"),
        )
    )

    # the networks' voice
    amr_network = factories.NetworkFactory(
        branch=branch,
        kind="amr",
        name="AMR-netværk Viborg",
        employer=None,
        municipality_group="Viborg",
        consultant=consultant,
    )
    signup = keep(
        SignUp.objects.create(
            branch=branch,
            network=amr_network,
            name="Ansøger Andersen",
            email="ansoeger@example.org",
            municipality="Viborg",
            role="amr",
            consent_at=now,
            confirmed_at=now,
            status=SignUp.Status.PENDING,
        )
    )
    topic = keep(BoardTopic.objects.get(branch=branch, name="Uddannelse"))
    keep(
        BoardPoint.objects.create(
            minutes=minutes, network=network, topic=topic, title="Kurser", text="Flere kurser"
        )
    )
    keep(SupervisionRequest.objects.create(network=network, requested_by=coordinator, about="Konflikt"))
    keep(
        KeyMessageDelivery.objects.create(
            minutes=minutes,
            audience="tr",
            recipient_name="TR",
            recipient_email="tr@example.org",
            outbox_key="kmd-1",
        )
    )
    keep(
        LeaveLetter.objects.create(
            network=amr_network,
            person=member.person,
            workplace=workplace,
            year=now.year,
            version="v1",
            manager_email="leder@example.org",
        )
    )

    # the mentor programme: a pairing of two other people of the branch
    programme = keep(mentoring_factories.ProgrammeFactory(branch=branch))
    mentor = keep(mentoring_factories.MentorFactory(person__branch=branch))
    request = keep(mentoring_factories.MentorRequestFactory(programme=programme))
    offer = keep(
        Offer.objects.create(
            request=request,
            mentor=mentor.person,
            status=Offer.Status.ACCEPTED,
            expires_at=now + timedelta(days=14),
            decided_at=now,
        )
    )
    pairing = keep(
        Pairing.objects.create(
            programme=programme,
            offer=offer,
            mentor=mentor.person,
            mentee=request.mentee,
            started_on=now.date() - timedelta(days=30),
            ends_on=now.date() + timedelta(days=300),
        )
    )
    keep(PairingLink.objects.create(pairing=pairing, party="mentee", purpose="end", token_hash="b" * 64))
    session = keep(
        Session.objects.create(
            pairing=pairing, held_on=now.date() - timedelta(days=7), duration_minutes=90, mode="online"
        )
    )
    keep(Feedback.objects.create(pairing=pairing, party="mentee", rating=4))
    assert Mentor.objects.filter(pk=mentor.pk).exists()

    # privacy and mail
    keep(AccessLogEntry.objects.create(user=office, branch=branch, action="read", what="Referat"))
    keep(RetentionPolicy.objects.create(branch=branch))
    keep(ErasureNotice.objects.create(person=factories.PersonFactory(branch=branch), erase_on=now.date()))
    keep(
        ErasureReview.objects.create(
            person_id=member.person.pk, branch=branch, object_type="x", object_id="1", field="y"
        )
    )
    keep(
        OutboundEmail.objects.create(
            key="world-mail", template="t", to="a@example.org", branch=branch, subject="s", body_text="b"
        )
    )

    world.ids = {
        "network_id": network.pk,
        "meeting_id": held.pk,
        "person_id": member.person.pk,
        "prompt_id": prompt.pk,
        "file_id": attachment.pk,
        "claim_id": claim.pk,
        "branch_id": branch.pk,
        "signup_id": signup.pk,
        "request_id": request.pk,
        "pairing_id": pairing.pk,
        "session_id": session.pk,
        # links from mails: a well-formed token that is not ours (the "tampered link" page)
        "token": "x" * 43,
        "signed": "bm90LWEtc2lnbmVkLXZhbHVl:1abcde:abcdefghijklmnopqrstuvwxyz0",
        "uidb64": "MQ",
    }
    # the leave letter is for AMR networks only
    world.overrides = {"circles:leave_letter": {"network_id": amr_network.pk}}
    return world
