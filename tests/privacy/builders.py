"""A demo-like member with something in every place the app keeps data about a person.

``build_member(branch, n=1)`` gives ``n`` of each kind of row (meetings, claims, mails, pairings...)
so a test can compare a small and a large person.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import formataddr

from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from circles.models import (
    Attendance,
    BoardPoint,
    BoardTopic,
    Invitation,
    KeyMessageDelivery,
    LeaveLetter,
    Mandate,
    MentorPrompt,
    Minutes,
    MinutesVersion,
    ReleaseClaim,
    Reminder,
    SignUp,
    SupervisionRequest,
)
from mentoring.models import Feedback, Mentor, MentorRequest, Offer, Pairing, PairingLink, Programme, Session
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from netvaerk.privacy.log import record
from tests import factories

NAME = "Birgitte Bæk Sørensen"
EMAIL = "birgitte.baek@example.org"
PHONE = "+45 21 43 65 87"
MEMBER_NUMBER = "884213"
USERNAME = "birgitte"
FREE_TEXT = f"Referat skrevet af {NAME}: vi talte om arbejdsmiljø."


@dataclass
class Member:
    person: object
    user: object
    network: object
    coordinator: object
    mentor: object
    meetings: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    raw_links: list = field(default_factory=list)
    mails_to_them: list = field(default_factory=list)
    mails_to_others: list = field(default_factory=list)


def at(day: date, hour: int = 17) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_member(branch, *, n: int = 1, office=None, claim_day: date = date(2024, 5, 2)) -> Member:
    """The member ``NAME`` of ``branch`` with ``n`` of everything. Claims are for ``claim_day`` (and the
    days after it), filed the next day and approved by ``office`` if given."""
    user = factories.UserFactory(
        username=USERNAME, email=EMAIL, first_name="Birgitte", last_name="Bæk Sørensen"
    )
    person = factories.PersonFactory(
        branch=branch,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        member_number=MEMBER_NUMBER,
        user=user,
        tr_training_completed_on=date(2023, 3, 1),
    )
    mandate = factories.MandateFactory(
        person=person, role=Mandate.Role.TR, elected_on=date(2022, 4, 1), workplace__name="Bostedet Lyngen"
    )
    network = factories.NetworkFactory(branch=branch, name="TR-netværk Viborg Kommune")
    factories.MembershipFactory(network=network, person=person, joined_on=date(2022, 5, 1))
    coordinator = factories.PersonFactory(branch=branch, name="Karen Koordinator", email="karen@example.org")
    mentor_person = factories.PersonFactory(branch=branch, name="Morten Mentor", email="morten@example.org")
    member = Member(person=person, user=user, network=network, coordinator=coordinator, mentor=mentor_person)

    topic = BoardTopic.objects.get(branch=branch, name="Arbejdsvilkår")
    programme = Programme.objects.create(
        branch=branch, name="Mentorordning 2024", contact_email="kontor@example.org"
    )
    Mentor.objects.create(
        person=person, willing=True, capacity=2, note=f"{NAME} vil gerne være mentor senere."
    )
    factories.UserFactory(username="ole-lund", email="ole@example.org")  # someone else, never touched

    for i in range(n):
        day = date(2024, 1, 10) + timedelta(days=7 * i)
        meeting = factories.MeetingFactory(
            network=network, starts_at=at(day), status="held", theme=f"Tema {i}"
        )
        member.meetings.append(meeting)
        Invitation.objects.create(
            meeting=meeting,
            person=person,
            token_hash=tokens.issue().digest,
            response=Invitation.Response.YES,
            responded_at=at(day - timedelta(days=3)),
        )
        Attendance.objects.create(meeting=meeting, person=person)
        minutes = Minutes.objects.create(
            meeting=meeting,
            text=f"{FREE_TEXT} ({i})",
            key_messages="Husk APV'en.",
            status=Minutes.Status.SUBMITTED,
            submitted_at=at(day + timedelta(days=1)),
            submitted_by=user,
        )
        MinutesVersion.objects.create(
            minutes=minutes, number=1, text=minutes.text, submitted_at=minutes.submitted_at, submitted_by=user
        )
        BoardPoint.objects.create(
            minutes=minutes,
            network=network,
            topic=topic,
            title="Flere TR-timer",
            text=f"Foreslået af {NAME}.",
        )
        SupervisionRequest.objects.create(
            network=network, requested_by=user, about=f"Supervision ønsket ({i})."
        )
        claim = ReleaseClaim.objects.create(
            branch=branch,
            kind=ReleaseClaim.Kind.PREPARATION,
            claimant=person,
            filed_by=user,
            meeting=meeting,
            work_date=claim_day + timedelta(days=i),
            hours=Decimal("2"),
            hours_cap=Decimal("2"),
            leave_noted=True,
            amount=Decimal("500.00"),
            note=f"Forberedelse ved {NAME}",
        )
        ReleaseClaim.objects.filter(pk=claim.pk).update(submitted_at=at(claim.work_date + timedelta(days=1)))
        if office is not None:
            ReleaseClaim.objects.filter(pk=claim.pk).update(
                status=ReleaseClaim.Status.APPROVED,
                decided_by=office,
                decided_at=at(claim.work_date + timedelta(days=5)),
            )
        claim.refresh_from_db()
        member.claims.append(claim)

        signup_token = tokens.issue()
        member.raw_links.append(signup_token.raw)
        SignUp.objects.create(
            branch=branch,
            network=network,
            name=NAME,
            email=EMAIL,
            phone=PHONE,
            member_number=MEMBER_NUMBER,
            workplace_text="Bostedet Lyngen",
            municipality="Viborg",
            role="amr",
            consent_at=at(day),
            confirm_token_hash=signup_token.digest,
            status=SignUp.Status.PENDING,
            person=person,
        )
        KeyMessageDelivery.objects.create(
            minutes=minutes,
            audience=KeyMessageDelivery.Audience.TR,
            recipient_name=NAME,
            recipient_email=EMAIL,
            person=person,
            outbox_key=f"key-messages:{minutes.pk}:{person.pk}",
        )
        LeaveLetter.objects.create(
            network=network,
            person=person,
            workplace=mandate.workplace,
            year=2024 + i,
            version=f"v{i}",
            manager_email="leder@bostedet.example.org",
        )
        MentorPrompt.objects.create(network=network, person=person, mandate=mandate, done_at=at(day))
        request = MentorRequest.objects.create(
            programme=programme,
            mentee=person,
            source=MentorRequest.Source.PROMPT,
            note=f"{NAME} ønsker en mentor tæt på.",
            status=MentorRequest.Status.MATCHED,
        )
        offer_token = tokens.issue()
        member.raw_links.append(offer_token.raw)
        offer = Offer.objects.create(
            request=request,
            mentor=mentor_person,
            status=Offer.Status.ACCEPTED,
            expires_at=at(day + timedelta(days=14)),
            decided_at=at(day + timedelta(days=2)),
            mentee_token_hash=offer_token.digest,
            mentor_token_hash=tokens.issue().digest,
        )
        active = i == n - 1
        pairing = Pairing.objects.create(
            programme=programme,
            offer=offer,
            mentor=mentor_person,
            mentee=person,
            status=Pairing.Status.ACTIVE if active else Pairing.Status.COMPLETED,
            started_on=day,
            ends_on=day + timedelta(days=365),
            ended_on=None if active else day + timedelta(days=365),
        )
        link_token = tokens.issue()
        member.raw_links.append(link_token.raw)
        PairingLink.objects.create(
            pairing=pairing,
            party=Pairing.Party.MENTEE,
            purpose=PairingLink.Purpose.END,
            token_hash=link_token.digest,
        )
        Session.objects.create(
            pairing=pairing,
            held_on=day + timedelta(days=30),
            duration_minutes=90,
            mode=Session.Mode.ONLINE,
            themes=["annual_plan"],
            topics=f"Årshjulet, noteret af {NAME}",
            logged_by=user,
        )
        Feedback.objects.create(
            pairing=pairing,
            party=Pairing.Party.MENTEE,
            rating=5,
            useful=f"Godt forløb – {NAME}",
            improve="Flere møder",
            recommend=True,
        )
        Feedback.objects.create(
            pairing=pairing,
            party=Pairing.Party.MENTOR,
            rating=4,
            useful="Mentorens egen vurdering",
            improve="",
        )

        mail = OutboundEmail.objects.create(
            key=f"invitation:{meeting.pk}:{person.pk}",
            template="circles/invitation",
            to=formataddr((NAME, EMAIL)),
            branch=branch,
            subject=f"Invitation: {meeting.theme}",
            body_text=f"Kære {NAME}\nSvar her: [[link]]\n",
            body_html=f"<p>Kære {NAME}</p><p><a href='[[link]]'>Svar</a></p>",
            has_secrets=True,
            sealed_secrets="sealed-secret-blob",
            status=OutboundEmail.Status.SENT,
            sent_at=at(day - timedelta(days=10)),
        )
        member.mails_to_them.append(mail)
        member.mails_to_others.append(
            OutboundEmail.objects.create(
                key=f"welcome-coordinator:{person.pk}:{i}",
                template="circles/welcome_coordinator",
                to=formataddr((coordinator.name, coordinator.email)),
                branch=branch,
                subject=f"Ny TR i netværket: {NAME}",
                body_text=f"Kære Karen\n{NAME} ({EMAIL}) er ny TR. Tilbyd en mentor.\n",
                body_html=f"<p>{NAME} ({EMAIL}) er ny TR.</p>",
                status=OutboundEmail.Status.QUEUED,
            )
        )
        Reminder.objects.create(
            kind=Reminder.Kind.WELCOME,
            key=f"welcome:{person.pk}:{i}",
            branch=branch,
            network=network,
            recipient=formataddr((NAME, EMAIL)),
            reason=f"Velkomst til {NAME}",
        )
        if office is not None:
            record(office, "read", f"Stamoplysninger: {NAME}", obj=person, person_id=person.pk, branch=branch)

    # a past and an upcoming invitation to the next meeting; a session log in the admin
    upcoming = factories.MeetingFactory(network=network, starts_at=timezone.now() + timedelta(days=20))
    Invitation.objects.create(meeting=upcoming, person=person, token_hash=tokens.issue().digest)
    if office is not None:
        AdminLogEntry.objects.create(
            user=office,
            content_type=ContentType.objects.get_for_model(person),
            object_id=str(person.pk),
            object_repr=NAME,
            action_flag=CHANGE,
            change_message=f'[{{"changed": {{"fields": ["E-mail"]}}}}, "{EMAIL}"]',
        )
    TOTPDevice.objects.create(user=user, name=f"{NAME}s telefon", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd1234")
    AccessAttempt.objects.create(
        username=EMAIL,
        ip_address="192.0.2.10",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/login/",
        attempt_time=timezone.now(),
        get_data="",
        post_data=f"username={EMAIL}",
        failures_since_start=2,
    )
    return member
