"""Mentor offers answered by e-mailed link (issue 10): send, accept, decline, withdraw, expire.

An offer goes to the mentor first when the programme says so (``Programme.mentor_first``), then to
the new TR; otherwise straight to the new TR. Each party's link carries a fresh raw token; the offer
keeps only its SHA-256 (``mentor_token_hash`` / ``mentee_token_hash``). A link changes the offer
only by a POST, and only once: every answer is a conditional UPDATE on the hash, the status the
answer is awaited in and the expiry, so of twenty presses of the same button exactly one wins.

Decisions:
- The hashes stay on the offer after use, so a used link still finds its offer and can say what
  happened to it ("du har allerede sagt ja") rather than "ukendt link".
- When the mentor says yes, the new TR's link gets the programme's full ``offer_valid_days``.
- When the new TR says yes, the programme row and then the mentor's person row are locked (always in
  that order) and the mentor's capacity and the programme's maximum are counted again over active
  pairings. If either is full by then, the offer is withdrawn (the new TR is told so on the page),
  the request is open again and the sender is told: nobody is paired over a limit.
- Decline, expiry and withdrawal open the request again, so the sender can offer another mentor.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Mandate, Person, User
from circles.roles import is_consultant, is_office
from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import MentorRequest, Offer, Programme
from .eligibility import capacity_left, eligible_mentors, programme_has_room

REASONS_MAX = 500
DECLINE_REASON_MAX = 2000
MENTOR, MENTEE = "mentor", "mentee"
Status = Offer.Status


# Who and what ---------------------------------------------------------------------------------------


def may_send(user: User, programme: Programme) -> bool:
    """The branch's office and consultants, or a coordinator who is a member of the branch."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if (is_office(user) or is_consultant(user)) and user.branch_id == programme.branch_id:
        return True
    person = getattr(user, "person", None)
    return (
        person is not None
        and person.branch_id == programme.branch_id
        and person.coordinated_networks.filter(active=True).exists()
    )


def current_workplace(person: Person):
    """The workplace of the person's newest active TR/FTR mandate (else any active one), or None."""
    mandates = Mandate.objects.active().filter(person=person).select_related("workplace__employer")
    mandate = mandates.filter(role__in=Mandate.TR_ROLES).first() or mandates.first()
    return mandate.workplace if mandate else None


def link_path(raw: str) -> str:
    return reverse("mentoring:offer_link", args=[raw])


def awaited_party(offer: Offer) -> str | None:
    """Whose answer the open offer waits for."""
    if offer.status == Status.AWAITING_MENTOR:
        return MENTOR
    if offer.status == Status.PENDING:
        return MENTEE
    return None


def sender_recipients(offer: Offer) -> list[Recipient]:
    """Who sent the offer and who asked for the mentor (if they can be mailed); the office otherwise."""
    found: dict[str, Recipient] = {}
    for user in (offer.sent_by, offer.request.created_by):
        if user is not None and user.email and user.is_active:
            found.setdefault(user.email.lower(), Recipient.of_user(user))
    if not found:
        office = Recipient.of_office(offer.request.programme.branch)
        found[office.email.lower()] = office
    return list(found.values())


def programme_contact(programme: Programme) -> Recipient:
    return Recipient(
        name=programme.contact_name or str(programme.branch),
        email=programme.contact_email,
        key=f"programme-{programme.pk}",
    )


def _topic(offer: Offer, party: str) -> str:
    return f"mentor-offer:{offer.pk}:{party}"


def _context(offer: Offer, recipient: Recipient, **extra) -> dict:
    programme = offer.request.programme
    return {
        "person": recipient,
        "offer": offer,
        "programme": programme,
        "expires_at": offer.expires_at,
        "mentee_name": offer.request.mentee.name,
        "mentor_name": offer.mentor.name,
        **extra,
    }


def mail_link(offer: Offer, party: str, *, template: str, key: str, raw: str) -> None:
    """Mail ``party`` their link to the offer; the link is sealed in ``secrets``."""
    person = offer.mentor if party == MENTOR else offer.request.mentee
    recipient = Recipient.of_person(person)
    enqueue(
        template,
        to=recipient.email,
        to_name=recipient.name,
        key=key,
        context=_context(offer, recipient, party=party),
        secrets={"offer_url": link_path(raw)},
        branch=offer.request.programme.branch,
        topic=_topic(offer, party),
    )


def _tell(offer: Offer, recipients, *, template: str, key: str, **extra) -> None:
    seen = set()
    for recipient in recipients:
        if not recipient.email or recipient.email.lower() in seen:
            continue
        seen.add(recipient.email.lower())
        enqueue(
            template,
            to=recipient.email,
            to_name=recipient.name,
            key=f"{key}:{recipient.key}",
            context=_context(offer, recipient, **extra),
            branch=offer.request.programme.branch,
        )


def _clean_text(value: str, *, limit: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError(_("%(label)s indeholder ugyldige tegn.") % {"label": label})
    if len(value) > limit:
        raise ValidationError(_("%(label)s må højst være %(limit)s tegn.") % {"label": label, "limit": limit})
    return value


# Sending --------------------------------------------------------------------------------------------


@transaction.atomic
def offer_send(*, request: MentorRequest, mentor: Person, by: User, reasons: str = "") -> Offer:
    """Offer ``mentor`` to the request's new TR (or first ask the mentor) by e-mailed link."""
    reasons = _clean_text(reasons, limit=REASONS_MAX, label=_("Begrundelsen"))
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("programme__branch", "mentee")
        .get(pk=request.pk)
    )
    programme = request.programme
    if not may_send(by, programme):
        raise ValidationError(_("Du kan ikke sende mentortilbud i denne mentorordning."))
    if not programme.active:
        raise ValidationError(_("Mentorordningen er ikke aktiv."))
    if (
        request.status == MentorRequest.Status.OFFERED
        or request.offers.filter(status__in=Offer.OPEN_STATUSES).exists()
    ):
        raise ValidationError(_("Der er allerede et åbent tilbud til den nye TR."))
    if request.status != MentorRequest.Status.OPEN:
        raise ValidationError(_("Ønsket om mentor er ikke længere åbent."))
    if mentor.pk == request.mentee_id:
        raise ValidationError(_("Den nye TR kan ikke være sin egen mentor."))
    if mentor.branch_id != programme.branch_id or request.mentee.branch_id != programme.branch_id:
        raise ValidationError(_("Mentoren og den nye TR skal høre til mentorordningens kreds."))
    if not eligible_mentors(programme.branch_id).filter(pk=mentor.pk).exists():
        raise ValidationError(
            _(
                "%(name)s kan ikke være mentor nu: det kræver et aktivt TR-hverv, gennemført "
                "TR-uddannelse, lyst og plads til en mentee mere."
            )
            % {"name": mentor.name}
        )
    if capacity_left(mentor) < 1:
        raise ValidationError(_("%(name)s har ikke plads til flere mentees.") % {"name": mentor.name})
    if not programme_has_room(programme):
        raise ValidationError(_("Mentorordningen har ikke plads til flere par."))

    party = MENTOR if programme.mentor_first else MENTEE
    token = tokens.issue()
    offer = Offer(
        request=request,
        mentor=mentor,
        status=Status.AWAITING_MENTOR if party == MENTOR else Status.PENDING,
        reasons=reasons,
        expires_at=timezone.now() + timedelta(days=programme.offer_valid_days),
        sent_by=by,
    )
    setattr(offer, f"{party}_token_hash", token.digest)
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError as error:
        raise ValidationError(_("Der er allerede et åbent tilbud til den nye TR.")) from error
    request.status = MentorRequest.Status.OFFERED
    request.save(update_fields=["status"])
    offer.request = request
    mail_link(
        offer,
        party,
        template=f"mentoring/offer_to_{party}",
        key=f"mentor-offer:{offer.pk}:sent:{party}",
        raw=token.raw,
    )
    return offer
