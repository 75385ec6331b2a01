"""The way into an AMR network (seed 001 "Tilmelding"; seed 002): sign up, confirm, accept or decline.

1. ``signup_submit``: an AMR (or AMR-suppleant) fills in the branch's public page. An UNCONFIRMED
   sign-up is stored and a confirmation link is mailed to the address given (the link only in the
   mail's ``secrets``; only its SHA-256 is stored; it expires after ``CONFIRM_DAYS``). Nobody else
   hears of it yet. The answer and the mail are the same whether or not the address belongs to a
   member: the public page reveals nothing about who is a member.
2. ``signup_confirm``: the applicant presses the button behind the link (POST only). The sign-up is
   PENDING and the network's facilitating consultant (else the branch office) is mailed a link to the
   queue, never the applicant's data.
3. ``signup_accept``: the consultant (or the office) accepts. The sign-up is matched to an existing
   member of the branch by e-mail or member number (never a second record), else the member is
   created; the person joins the network (``membership_add``) and the AMR mandate is registered
   through ``mandate_register``, which sets off the welcome chain.
   ``signup_decline`` mails the applicant the consultant's message.

Abuse: a rate limit per client address and per e-mail in Django's cache (``cache.add`` + ``incr``:
atomic on Redis and within one process on the local-memory cache), bounded fields, NUL bytes refused.
The form adds a honeypot and a minimum fill time (``circles/forms/signups.py``).

Retention (GDPR art. 9: a sign-up says the applicant is a union member): ``signups_to_delete`` names
the rows the retention job deletes: declined and accepted sign-ups ``KEEP_DECIDED_DAYS`` after the
decision (an accepted applicant lives on as member data), unconfirmed ones ``KEEP_UNCONFIRMED_DAYS``
after their link expired. Pending sign-ups are kept until the consultant decides.
"""

import hashlib
import re
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import Branch, Employer, Membership, Network, Person, SignUp, User, Workplace
from ..roles import is_consultant, is_office
from .mandates import group_names_municipality, mandate_register
from .people import membership_add

CONFIRM_DAYS = 3
KEEP_DECIDED_DAYS = 90
KEEP_UNCONFIRMED_DAYS = 7
MESSAGE_MAX = 2000
TOKEN_MAX = 100  # a raw token is 43 characters; anything much longer is not one of ours

# Rate limits: (attempts, window in seconds). An address shared by a workplace gets some room.
LIMIT_PER_ADDRESS = (10, 60 * 60)
LIMIT_PER_EMAIL = (3, 24 * 60 * 60)

AMR_KINDS = (Network.Kind.AMR, Network.Kind.MIXED)
_FIELD_MAX = {field.name: getattr(field, "max_length", None) for field in SignUp._meta.fields}
_PHONE = re.compile(r"^[0-9+()\- ]*$")
_MEMBER_NUMBER = re.compile(r"^[0-9A-Za-z\-]*$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")


class ConfirmOutcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"  # confirmed before (a second click, a mail scanner replaying the POST)
    EXPIRED = "expired"
    INVALID = "invalid"  # unknown, tampered or withdrawn


class RateLimited(ValidationError):
    """Too many sign-ups from one address or for one e-mail: try again later."""


# Checks -------------------------------------------------------------------------------------------


def _text(value: str, field: str, label: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError(_("%(field)s indeholder et ugyldigt tegn (NUL).") % {"field": label})
    if required and not value:
        raise ValidationError(_("Udfyld %(field)s.") % {"field": label})
    limit = _FIELD_MAX.get(field)
    if limit and len(value) > limit:
        raise ValidationError(
            _("%(field)s må højst være %(limit)d tegn.") % {"field": label.capitalize(), "limit": limit}
        )
    return value


def amr_networks(branch: Branch) -> QuerySet:
    """The branch's active AMR (and mixed) networks a sign-up leads to: one per kommunegruppe."""
    return Network.objects.filter(branch=branch, active=True, kind__in=AMR_KINDS).order_by("name")


def network_for_municipality(branch: Branch, municipality: str) -> Network | None:
    """The one AMR network whose kommunegruppe names the municipality (None for none or several)."""
    found = [
        network
        for network in amr_networks(branch).exclude(municipality_group="")
        if group_names_municipality(network.municipality_group, municipality)
    ]
    return found[0] if len(found) == 1 else None


def _hit(key: str, limit: tuple[int, int]) -> bool:
    """Count one attempt under ``key``; True when the limit is passed. Works on Redis and locmem."""
    count, window = limit
    cache.add(key, 0, timeout=window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        used = 1
    return used > count


def _rate_limit(ip: str | None, email: str) -> None:
    by_address = _hit(f"signup:ip:{ip or 'unknown'}", LIMIT_PER_ADDRESS)
    by_email = _hit(f"signup:email:{hashlib.sha256(email.casefold().encode()).hexdigest()}", LIMIT_PER_EMAIL)
    if by_address or by_email:
        raise RateLimited(
            _("Der er sendt for mange tilmeldinger herfra eller til den e-mail. Prøv igen om en time."),
            code="rate_limited",
        )


# Submit and confirm -------------------------------------------------------------------------------


def _confirm_url(raw: str) -> str:
    return settings.SITE_URL + reverse("circles:signup_confirm", args=[raw])


@transaction.atomic
def signup_submit(
    *,
    branch: Branch,
    network: Network | None,
    name: str,
    email: str,
    phone: str = "",
    member_number: str = "",
    workplace: Workplace | None = None,
    workplace_text: str = "",
    municipality: str,
    role: str,
    consent: bool,
    ip: str | None,
) -> SignUp:
    """Store an unconfirmed sign-up and mail the confirmation link (see the module).

    ``network`` None: the network is found from the municipality. Raises ``RateLimited`` (a
    ValidationError) when the address or the e-mail has been used too often."""
    name = _text(name, "name", _("navn"), required=True)
    email = _text(email, "email", _("e-mail"), required=True)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Skriv en gyldig e-mailadresse.")) from None
    phone = _text(phone, "phone", _("telefon"))
    if not _PHONE.match(phone):
        raise ValidationError(_("Telefonnummeret må kun indeholde tal, mellemrum og + - ( )."))
    member_number = _text(member_number, "member_number", _("medlemsnummer"))
    if not _MEMBER_NUMBER.match(member_number):
        raise ValidationError(_("Medlemsnummeret må kun indeholde bogstaver, tal og bindestreg."))
    workplace_text = _text(workplace_text, "workplace_text", _("arbejdsplads"))
    municipality = _text(municipality, "municipality", _("kommune"), required=True)
    if role not in dict(SignUp.ROLES):
        raise ValidationError(_("Vælg, om du er AMR eller AMR-suppleant."))
    if not consent:
        raise ValidationError(_("Du skal give samtykke, for at vi kan behandle tilmeldingen."))
    if workplace is not None and workplace.employer.branch_id != branch.pk:
        raise ValidationError(_("Vælg en arbejdsplads fra listen."))
    if workplace is None and not workplace_text:
        raise ValidationError(_("Vælg din arbejdsplads på listen, eller skriv den."))
    if network is None:
        network = network_for_municipality(branch, municipality)
        if network is None:
            raise ValidationError(
                _("Vi kan ikke finde netværket ud fra kommunen. Vælg netværket på listen."), code="network"
            )
    elif not amr_networks(branch).filter(pk=network.pk).exists():
        raise ValidationError(_("Vælg et af kredsens AMR-netværk."), code="network")
    _rate_limit(ip, email)

    now = timezone.now()
    token = tokens.issue()
    signup = SignUp.objects.create(
        branch=branch,
        network=network,
        name=name,
        email=email,
        phone=phone,
        member_number=member_number,
        workplace=workplace,
        workplace_text=workplace_text if workplace is None else "",
        municipality=municipality,
        role=role,
        consent_at=now,
        confirm_token_hash=token.digest,
        confirm_expires_at=now + timedelta(days=CONFIRM_DAYS),
    )
    enqueue(
        "circles/signup_confirm",
        to=email,
        to_name=name,
        key=f"signup-confirm:{signup.pk}",
        context={"name": name, "network": network.name, "branch_name": branch.name, "days": CONFIRM_DAYS},
        branch=branch,
        secrets={"confirm_url": _confirm_url(token.raw)},
    )
    return signup


def signup_for_token(raw: str) -> SignUp | None:
    """The sign-up behind a confirmation link, or None for a malformed or unknown one. Reads only."""
    if not raw or len(raw) > TOKEN_MAX or not _TOKEN.match(raw):
        return None
    return (
        SignUp.objects.select_related("network", "branch")
        .filter(confirm_token_hash=tokens.digest(raw))
        .first()
    )


def link_state(signup: SignUp | None, *, now: datetime | None = None) -> ConfirmOutcome | None:
    """What a GET of the link shows: None while it can still be confirmed."""
    if signup is None:
        return ConfirmOutcome.INVALID
    if signup.status != SignUp.Status.UNCONFIRMED:
        return ConfirmOutcome.ALREADY
    if tokens.is_expired(signup.confirm_expires_at, now=now):
        return ConfirmOutcome.EXPIRED
    return None


def _queue_recipient(network: Network) -> Recipient:
    consultant = network.consultant
    if consultant is not None and consultant.is_active and consultant.email:
        return Recipient.of_user(consultant)
    return Recipient.of_office(network.branch)


@transaction.atomic
def signup_confirm(*, raw_token: str) -> tuple[ConfirmOutcome, SignUp | None]:
    """Confirm the address (the button behind the mailed link): the sign-up goes to the consultant.

    One conditional UPDATE claims it, so two clicks never both mail the consultant."""
    signup = signup_for_token(raw_token)
    state = link_state(signup)
    if state is not None:
        return state, signup
    now = timezone.now()
    won = SignUp.objects.filter(
        pk=signup.pk, status=SignUp.Status.UNCONFIRMED, confirm_expires_at__gt=now
    ).update(status=SignUp.Status.PENDING, confirmed_at=now)
    if not won:
        signup.refresh_from_db()
        return link_state(signup) or ConfirmOutcome.ALREADY, signup
    signup.refresh_from_db()
    # a newer confirmed sign-up for the same network and address replaces an older one still waiting
    SignUp.objects.filter(
        network=signup.network_id, email__iexact=signup.email, status=SignUp.Status.PENDING
    ).exclude(pk=signup.pk).delete()
    network = Network.objects.select_related("branch", "consultant").get(pk=signup.network_id)
    recipient = _queue_recipient(network)
    enqueue(
        "circles/signup_pending",
        to=recipient.email,
        to_name=recipient.name,
        key=f"signup-pending:{signup.pk}:{recipient.key}",
        context={
            "network": network.name,
            "to_office": recipient.key.startswith("office-"),
            "url": reverse("circles:signup_queue"),
        },
        branch=network.branch,
    )
    return ConfirmOutcome.CONFIRMED, signup


# The consultant's decision ------------------------------------------------------------------------


def can_decide(user, signup: SignUp) -> bool:
    """The network's facilitating consultant, the branch office, a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if is_office(user) and user.branch_id == signup.branch_id:
        return True
    return is_consultant(user) and signup.network.consultant_id == user.pk


def matches(signups: list[SignUp]) -> dict[int, list[Person]]:
    """For each sign-up, the branch's members with its e-mail or member number (one query for all)."""
    emails = {s.email.casefold() for s in signups}
    numbers = {s.member_number for s in signups if s.member_number}
    branches = {s.branch_id for s in signups}
    found: dict[int, list[Person]] = {s.pk: [] for s in signups}
    if not signups:
        return found
    rule = Q(member_number__in=numbers) if numbers else Q(pk__in=[])
    for email in emails:
        rule |= Q(email__iexact=email)
    people = list(
        Person.objects.filter(rule, branch_id__in=branches, anonymised_at__isnull=True).order_by("name", "pk")
    )
    for signup in signups:
        for person in people:
            if person.branch_id == signup.branch_id and (
                person.email.casefold() == signup.email.casefold()
                or (signup.member_number and person.member_number == signup.member_number)
            ):
                found[signup.pk].append(person)
    return found


def _lock_pending(signup: SignUp, by: User) -> SignUp:
    signup = (
        SignUp.objects.select_for_update(of=("self",)).select_related("network", "branch").get(pk=signup.pk)
    )
    if not can_decide(by, signup):
        raise ValidationError(_("Du kan ikke behandle tilmeldinger til dette netværk."))
    if signup.status != SignUp.Status.PENDING:
        raise ValidationError(
            _("Tilmeldingen er ikke længere åben (%(status)s).") % {"status": signup.get_status_display()}
        )
    return signup


def _new_workplace(signup: SignUp, employer: Employer, name: str, work_area: str) -> Workplace:
    name = _text(name, "workplace_text", _("arbejdspladsens navn"), required=True)
    if employer.branch_id != signup.branch_id:
        raise ValidationError(_("Arbejdsgiveren hører til en anden kreds."))
    if work_area not in Workplace.WorkArea.values:
        raise ValidationError(_("Vælg arbejdsområdet."))
    workplace, _created = Workplace.objects.get_or_create(
        employer=employer,
        name=name,
        defaults={"work_area": work_area, "municipality": signup.municipality[:80]},
    )
    return workplace


def _person(signup: SignUp, person: Person | None, member_number: str) -> Person:
    """The member the sign-up is about: the one chosen, the one that matches, or a new one."""
    if person is not None:
        if person.branch_id != signup.branch_id or person.anonymised_at is not None:
            raise ValidationError(_("Vælg et medlem af kredsen."))
        return person
    member_number = _text(member_number, "member_number", _("medlemsnummer")) or signup.member_number
    if not _MEMBER_NUMBER.match(member_number):
        raise ValidationError(_("Medlemsnummeret må kun indeholde bogstaver, tal og bindestreg."))
    probe = SignUp(pk=signup.pk, branch_id=signup.branch_id, email=signup.email, member_number=member_number)
    found = matches([probe])[signup.pk]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ValidationError(
            _("Tilmeldingen matcher flere medlemmer (%(names)s). Vælg det rigtige.")
            % {"names": ", ".join(f"{p.name} ({p.member_number})" for p in found)}
        )
    if not member_number:
        raise ValidationError(
            _("Tilmeldingen matcher ikke et medlem. Skriv medlemsnummeret, så medlemmet kan oprettes.")
        )
    return Person.objects.create(
        branch_id=signup.branch_id,
        name=signup.name,
        email=signup.email,
        phone=signup.phone,
        member_number=member_number,
    )


@transaction.atomic
def signup_accept(
    *,
    signup: SignUp,
    by: User,
    person: Person | None = None,
    member_number: str = "",
    workplace: Workplace | None = None,
    new_workplace_employer: Employer | None = None,
    new_workplace_name: str = "",
    new_workplace_area: str = Workplace.WorkArea.OTHER,
) -> SignUp:
    """Accept a pending sign-up (see the module). The workplace is ``workplace``, else a new one under
    ``new_workplace_employer``, else the one the applicant picked. ``member_number`` is needed only to
    create a member when the applicant gave none."""
    signup = _lock_pending(signup, by)
    if workplace is None and new_workplace_employer is not None:
        workplace = _new_workplace(signup, new_workplace_employer, new_workplace_name, new_workplace_area)
    workplace = workplace or signup.workplace
    if workplace is None:
        raise ValidationError(_("Vælg medlemmets arbejdsplads, eller opret en ny under en arbejdsgiver."))
    workplace = Workplace.objects.select_related("employer").get(pk=workplace.pk)
    if workplace.employer.branch_id != signup.branch_id:
        raise ValidationError(_("Arbejdspladsen hører til en anden kreds."))
    member = _person(signup, person, member_number)
    network = signup.network
    if not network.active:
        raise ValidationError(_("Netværket er ikke længere aktivt."))
    # the membership first: the welcome chain then finds the member in this network and tells its contact
    if not Membership.objects.active().filter(network=network, person=member).exists():
        membership_add(network=network, person=member, by=by)
    mandate = mandate_register(
        person=member, role=signup.role, workplace=workplace, elected_on=timezone.localdate(), by=by
    )
    signup.status, signup.person, signup.workplace = SignUp.Status.ACCEPTED, member, workplace
    signup.decided_by, signup.decided_at = by, timezone.now()
    signup.save(update_fields=["status", "person", "workplace", "decided_by", "decided_at"])
    if member.name not in mandate.welcome.mailed:
        # an AMR-suppleant (or a member welcomed before) gets no welcome: tell them they are in
        enqueue(
            "circles/signup_accepted",
            to=signup.email,
            to_name=signup.name,
            key=f"signup-accepted:{signup.pk}",
            context={"name": signup.name, "network": network.name, "home_url": reverse("home")},
            branch=signup.branch,
        )
    return signup


@transaction.atomic
def signup_decline(*, signup: SignUp, by: User, message: str) -> SignUp:
    """Decline a pending sign-up; the applicant is mailed the message."""
    message = (message or "").strip()
    if "\x00" in message:
        raise ValidationError(_("Beskeden indeholder et ugyldigt tegn (NUL)."))
    if not message:
        raise ValidationError(_("Skriv en besked til den, der har tilmeldt sig."))
    if len(message) > MESSAGE_MAX:
        raise ValidationError(_("Beskeden må højst være %(limit)d tegn.") % {"limit": MESSAGE_MAX})
    signup = _lock_pending(signup, by)
    signup.status, signup.decline_message = SignUp.Status.DECLINED, message
    signup.decided_by, signup.decided_at = by, timezone.now()
    signup.save(update_fields=["status", "decline_message", "decided_by", "decided_at"])
    enqueue(
        "circles/signup_declined",
        to=signup.email,
        to_name=signup.name,
        key=f"signup-declined:{signup.pk}",
        context={"name": signup.name, "network": signup.network.name, "message": message},
        branch=signup.branch,
    )
    return signup


# Retention ----------------------------------------------------------------------------------------


def signups_to_delete(*, now: datetime | None = None) -> QuerySet:
    """The sign-ups the retention job deletes (see the module)."""
    now = now or timezone.now()
    decided = Q(
        status__in=(SignUp.Status.DECLINED, SignUp.Status.ACCEPTED),
        decided_at__lt=now - timedelta(days=KEEP_DECIDED_DAYS),
    )
    unconfirmed = Q(
        status=SignUp.Status.UNCONFIRMED,
        confirm_expires_at__lt=now - timedelta(days=KEEP_UNCONFIRMED_DAYS),
    )
    return SignUp.objects.filter(decided | unconfirmed)
