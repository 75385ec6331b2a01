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

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Mandate, Person, User
from circles.roles import is_consultant, is_office
from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue, withdraw

from ..models import Mentor, MentorRequest, Offer, Pairing, Programme
from .eligibility import capacity_left, eligible_mentors, programme_has_room
from .pairings import pairing_start

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


# The link -------------------------------------------------------------------------------------------

OPEN = "open"  # waiting for this link's answer
MENTOR_ACCEPTED = "mentor_accepted"  # the mentor's link after the mentor said yes
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
FULL = "full"  # the new TR said yes, but the mentor or the programme had no room left
UNKNOWN = "unknown"
TOKEN_MAX = 100  # a raw token is 43 characters; anything much longer is not ours


@dataclass(frozen=True)
class Link:
    """What one e-mailed link points at now: the offer (None for an unknown link), whose link it is,
    and its state for the page (``OPEN`` … ``UNKNOWN``)."""

    offer: Offer | None
    party: str | None
    state: str


AWAITED = {MENTOR: Status.AWAITING_MENTOR, MENTEE: Status.PENDING}


def _find(raw: str) -> tuple[Offer | None, str | None]:
    if not raw or len(raw) > TOKEN_MAX or "\x00" in raw:
        return None, None
    digest = tokens.digest(raw)
    offer = (
        Offer.objects.select_related("request__programme__branch", "request__mentee", "mentor", "sent_by")
        .filter(Q(mentor_token_hash=digest) | Q(mentee_token_hash=digest))
        .first()
    )
    if offer is None:
        return None, None
    return offer, (MENTOR if offer.mentor_token_hash == digest else MENTEE)


def _state(offer: Offer, party: str) -> str:
    status = offer.status
    if status == AWAITED[party]:
        return EXPIRED if tokens.is_expired(offer.expires_at) else OPEN
    if party == MENTOR and status == Status.PENDING:
        return MENTOR_ACCEPTED
    return {
        Status.ACCEPTED: ACCEPTED,
        Status.DECLINED: DECLINED,
        Status.EXPIRED: EXPIRED,
        Status.WITHDRAWN: WITHDRAWN,
    }.get(status, UNKNOWN)


def offer_state(raw: str) -> Link:
    """What the link ``raw`` shows (read only: GET and HEAD call nothing else)."""
    offer, party = _find(raw)
    if offer is None:
        return Link(None, None, UNKNOWN)
    return Link(offer, party, _state(offer, party))


def _reread(offer: Offer, party: str) -> Link:
    offer = Offer.objects.select_related(
        "request__programme__branch", "request__mentee", "mentor", "sent_by"
    ).get(pk=offer.pk)
    return Link(offer, party, _state(offer, party))


def _won(offer: Offer, party: str, raw: str, **changes) -> bool:
    """The single-use step: move the offer on if this link's answer is still awaited and in time."""
    rows = Offer.objects.filter(
        pk=offer.pk,
        status=AWAITED[party],
        expires_at__gt=timezone.now(),
        **{f"{party}_token_hash": tokens.digest(raw)},
    )
    return rows.update(**changes) == 1


def _reopen(request_id: int) -> None:
    MentorRequest.objects.filter(pk=request_id, status=MentorRequest.Status.OFFERED).update(
        status=MentorRequest.Status.OPEN
    )


def offer_admin_path(offer: Offer) -> str:
    return reverse("admin:mentoring_offer_change", args=[offer.pk])


@transaction.atomic
def offer_accept(raw: str) -> Link:
    """The button "Ja tak" on the link's page. Returns the link's state afterwards."""
    offer, party = _find(raw)
    if offer is None:
        return Link(None, None, UNKNOWN)
    if party == MENTOR:
        return _mentor_accepts(offer, raw)
    return _mentee_accepts(offer, raw)


def _mentor_accepts(offer: Offer, raw: str) -> Link:
    token = tokens.issue()
    now = timezone.now()
    days = offer.request.programme.offer_valid_days
    if not _won(
        offer,
        MENTOR,
        raw,
        status=Status.PENDING,
        mentee_token_hash=token.digest,
        expires_at=now + timedelta(days=days),
    ):
        return _reread(offer, MENTOR)
    offer.status, offer.mentee_token_hash = Status.PENDING, token.digest
    offer.expires_at = now + timedelta(days=days)
    mail_link(
        offer,
        MENTEE,
        template="mentoring/offer_to_mentee",
        key=f"mentor-offer:{offer.pk}:sent:{MENTEE}",
        raw=token.raw,
    )
    return Link(offer, MENTOR, MENTOR_ACCEPTED)


def _room(offer: Offer) -> str:
    """Why the pairing cannot start now ('' if it can); call with the programme and mentor locked."""
    programme = offer.request.programme
    if Pairing.objects.filter(mentee_id=offer.request.mentee_id, status=Pairing.Status.ACTIVE).exists():
        return _("den nye TR har allerede en aktiv mentor.")
    capacity = Mentor.objects.filter(person_id=offer.mentor_id).values_list("capacity", flat=True).first()
    active = Pairing.objects.filter(mentor_id=offer.mentor_id, status=Pairing.Status.ACTIVE).count()
    if active >= (capacity or 0):
        return _("mentoren har ikke plads til flere mentees.")
    if programme.max_active_pairs is not None:
        pairs = Pairing.objects.filter(programme=programme, status=Pairing.Status.ACTIVE).count()
        if pairs >= programme.max_active_pairs:
            return _("mentorordningen har nået sit højeste antal par.")
    return ""


def _mentee_accepts(offer: Offer, raw: str) -> Link:
    now = timezone.now()
    if not _won(offer, MENTEE, raw, status=Status.ACCEPTED, decided_at=now):
        return _reread(offer, MENTEE)
    # Fixed lock order for every acceptance: the programme, then the mentor's person row.
    offer.request.programme = Programme.objects.select_for_update().get(pk=offer.request.programme_id)
    Person.objects.select_for_update().filter(pk=offer.mentor_id).values_list("pk", flat=True).first()
    why = _room(offer)
    request = offer.request
    if why:
        Offer.objects.filter(pk=offer.pk).update(status=Status.WITHDRAWN, decided_at=None)
        offer.status = Status.WITHDRAWN
        _reopen(request.pk)
        _tell(
            offer,
            sender_recipients(offer),
            template="mentoring/offer_full",
            key=f"mentor-offer:{offer.pk}:full",
            why=why,
            admin_url=offer_admin_path(offer),
        )
        return Link(offer, MENTEE, FULL)
    offer.status, offer.decided_at = Status.ACCEPTED, now
    MentorRequest.objects.filter(pk=request.pk).update(status=MentorRequest.Status.MATCHED, closed_at=now)
    pairing = pairing_start(offer=offer, today=timezone.localdate(now))
    _tell(
        offer,
        [*sender_recipients(offer), programme_contact(request.programme)],
        template="mentoring/offer_accepted",
        key=f"mentor-offer:{offer.pk}:accepted",
        pairing=pairing,
        admin_url=offer_admin_path(offer),
    )
    return Link(offer, MENTEE, ACCEPTED)


@transaction.atomic
def offer_decline(raw: str, reason: str = "") -> Link:
    """The button "Nej tak", with an optional reason (bounded). Tells whoever sent the offer."""
    reason = _clean_text(reason, limit=DECLINE_REASON_MAX, label=_("Begrundelsen"))
    offer, party = _find(raw)
    if offer is None:
        return Link(None, None, UNKNOWN)
    now = timezone.now()
    if not _won(
        offer, party, raw, status=Status.DECLINED, decided_at=now, decline_reason=reason, declined_by=party
    ):
        return _reread(offer, party)
    offer.status, offer.decided_at, offer.decline_reason, offer.declined_by = (
        Status.DECLINED,
        now,
        reason,
        party,
    )
    _reopen(offer.request_id)
    _tell(
        offer,
        sender_recipients(offer),
        template="mentoring/offer_declined",
        key=f"mentor-offer:{offer.pk}:declined",
        declined_by=party,
        admin_url=offer_admin_path(offer),
    )
    return Link(offer, party, DECLINED)


def may_withdraw(user: User, offer: Offer) -> bool:
    return user.is_authenticated and (
        (offer.sent_by_id is not None and offer.sent_by_id == user.pk)
        or may_send(user, offer.request.programme)
    )


@transaction.atomic
def offer_withdraw(*, offer: Offer, by: User) -> Offer:
    """The sender (or the branch's office or consultant) takes an open offer back; its links stop working."""
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("request__programme__branch", "request__mentee", "mentor", "sent_by")
        .get(pk=offer.pk)
    )
    if not may_withdraw(by, offer):
        raise ValidationError(_("Du kan ikke trække dette tilbud tilbage."))
    if offer.status not in Offer.OPEN_STATUSES:
        raise ValidationError(_("Tilbuddet er ikke længere åbent og kan ikke trækkes tilbage."))
    told = [awaited_party(offer)]
    if offer.status == Status.PENDING and offer.mentor_token_hash:
        told.append(MENTOR)  # the mentor said yes and waits for the new TR
    offer.status = Status.WITHDRAWN
    offer.save(update_fields=["status"])
    _reopen(offer.request_id)
    for party in told:
        # a link mail that has not left yet is simply withdrawn: no news of an offer never seen
        if withdraw(topic=_topic(offer, party)):
            continue
        person = offer.mentor if party == MENTOR else offer.request.mentee
        recipient = Recipient.of_person(person)
        enqueue(
            "mentoring/offer_withdrawn",
            to=recipient.email,
            to_name=recipient.name,
            key=f"mentor-offer:{offer.pk}:withdrawn:{party}",
            context=_context(offer, recipient, party=party),
            branch=offer.request.programme.branch,
        )
    return offer
