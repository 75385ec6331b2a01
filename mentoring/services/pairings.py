"""The pairing (issue 10): its start, its sessions, its end and each party's evaluation.

``pairing_start`` is called by the offer's acceptance, inside its transaction, with the programme's
and the mentor's rows already locked. Every pairing mail carries the party's own "end the pairing"
link; at the end (early, or when the term is over, see ``mentoring.jobs_pairings``) each party gets
a feedback link. Links follow ``netvaerk.tokens``: random, only the SHA-256 kept, single-use, and
only a POST changes anything.

Decisions:
- An end link is valid until the day after ``ends_on``; when the pairing has ended, every party's
  still unused end links are marked used, so the other party's link says "already ended".
- The reason for an early end is kept for the office (the admin); no mail repeats it: the other
  party and the programme's contact are told *that* it ended, the office gets a link to the pairing.
- A feedback link is valid for ``FEEDBACK_VALID_DAYS``; the answers are the office's alone.
- A session may be logged by either party, also after the end, but only for a day within the
  pairing's period and not in the future. A release-time claim per session and party goes through
  ``circles.services.claims.claim_file_mentor_session`` (the hour cap, the age limit, own claims only).
"""

from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Mandate, Person, ReleaseClaim, User
from circles.services.claims import claim_file_mentor_session
from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import Mail, enqueue, enqueue_many

from ..models import (
    SESSION_MINUTES_MAX,
    SESSION_THEMES,
    TEXT_MAX,
    Feedback,
    Offer,
    Pairing,
    PairingLink,
    Session,
)

FEEDBACK_VALID_DAYS = 60
REASON_MAX = 2000
YEAR_MIN, YEAR_MAX = 2000, 2099
Party = Pairing.Party
Purpose = PairingLink.Purpose
PARTIES = (Party.MENTOR, Party.MENTEE)
THEMES = dict(SESSION_THEMES)


# Helpers ------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter: 31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def end_link_expiry(pairing: Pairing) -> datetime:
    return local_midnight(pairing.ends_on + timedelta(days=1))


def clean_text(value, *, label: str, max_length: int, required: bool = False) -> str:
    """Free text: stripped, bounded, no NUL bytes (PostgreSQL refuses them), else a Danish message."""
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise ValidationError(_("%(field)s indeholder ugyldige tegn.") % {"field": label.capitalize()})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("Udfyld %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s må højst fylde %(count)d tegn.") % {"field": label.capitalize(), "count": max_length}
        )
    return value


def current_workplace(person: Person):
    """The workplace of the person's TR/FTR mandate (else any active one), or None."""
    mandates = (
        Mandate.objects.active()
        .filter(person=person)
        .select_related("workplace__employer")
        .order_by("-elected_on")
    )
    chosen = None
    for mandate in mandates:
        if mandate.role in Mandate.TR_ROLES:
            return mandate.workplace
        chosen = chosen or mandate.workplace
    return chosen


def party_person(pairing: Pairing, party: str) -> Person:
    return pairing.mentor if party == Party.MENTOR else pairing.mentee


def other_party(party: str) -> str:
    return Party.MENTEE if party == Party.MENTOR else Party.MENTOR


def party_of(user, pairing: Pairing) -> str | None:
    """Which party of the pairing ``user`` is (by their member login), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if pairing.mentor.user_id == user.pk:
        return Party.MENTOR
    if pairing.mentee.user_id == user.pk:
        return Party.MENTEE
    return None


def link_path(purpose: str, raw: str) -> str:
    name = "mentoring:pairing_end_link" if purpose == Purpose.END else "mentoring:pairing_feedback_link"
    return reverse(name, args=[raw])


def new_link(pairing: Pairing, party: str, purpose: str, *, expires_at) -> tuple[PairingLink, str]:
    """An unsaved link row and the raw token for the mail (the row keeps only the digest)."""
    token = tokens.issue()
    link = PairingLink(
        pairing=pairing, party=party, purpose=purpose, token_hash=token.digest, expires_at=expires_at
    )
    return link, link_path(purpose, token.raw)


def mail_context(pairing: Pairing, party: str) -> dict:
    programme = pairing.programme
    return {
        "pairing": pairing,
        "programme": programme,
        "party": party,
        "person": party_person(pairing, party),
        "other": party_person(pairing, other_party(party)) if party in PARTIES else None,
        "mine_url": reverse("mentoring:pairing_mine"),
    }


def _mail_party(pairing: Pairing, party: str, template: str, key: str, *, context=None, secrets=None):
    person = party_person(pairing, party)
    return enqueue(
        template,
        to=person.email,
        to_name=person.name,
        key=key,
        context={**mail_context(pairing, party), **(context or {})},
        branch=pairing.programme.branch,
        secrets=secrets,
    )


# Start --------------------------------------------------------------------------------------------


def pairing_start(*, offer: Offer, today: date) -> Pairing:
    """Start the pairing of an accepted offer; called inside the acceptance's transaction (locks held).

    The pairing runs for the programme's term from ``today``. Each party gets a mail with the other's
    contact details, the programme's frame and their own "end the pairing" link; the new TR is asked
    to make the first contact.
    """
    request = offer.request
    programme = request.programme
    pairing = Pairing(
        programme=programme,
        offer=offer,
        mentor=offer.mentor,
        mentee=request.mentee,
        started_on=today,
        ends_on=add_months(today, programme.term_months),
    )
    try:
        with transaction.atomic():
            pairing.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(_("Den nye TR har allerede en aktiv mentor.")) from None
    links = {}
    for party in PARTIES:
        links[party] = new_link(pairing, party, Purpose.END, expires_at=end_link_expiry(pairing))
    PairingLink.objects.bulk_create([link for link, _path in links.values()])
    for party in PARTIES:
        other = party_person(pairing, other_party(party))
        _mail_party(
            pairing,
            party,
            f"mentoring/pairing_started_{party}",
            f"mentor-pairing:{pairing.pk}:started:{party}",
            context={"other_workplace": current_workplace(other)},
            secrets={"end_url": links[party][1]},
        )
    return pairing


# End ----------------------------------------------------------------------------------------------


def _lock(pairing: Pairing) -> Pairing:
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("programme__branch", "mentor", "mentee")
        .get(pk=pairing.pk)
    )


def send_feedback_links(pairings: list[Pairing], *, now=None) -> list[Mail]:
    """Feedback links for both parties of each pairing: the rows saved, the mails returned unsent."""
    expires_at = (now or timezone.now()) + timedelta(days=FEEDBACK_VALID_DAYS)
    links, mails = [], []
    for pairing in pairings:
        for party in PARTIES:
            link, path = new_link(pairing, party, Purpose.FEEDBACK, expires_at=expires_at)
            links.append(link)
            person = party_person(pairing, party)
            mails.append(
                Mail(
                    template="mentoring/pairing_feedback",
                    to=person.email,
                    to_name=person.name,
                    key=f"mentor-pairing:{pairing.pk}:feedback:{party}",
                    context={**mail_context(pairing, party), "valid_days": FEEDBACK_VALID_DAYS},
                    branch=pairing.programme.branch,
                    secrets={"feedback_url": path},
                )
            )
    PairingLink.objects.bulk_create(links)
    return mails


@transaction.atomic
def pairing_end(*, pairing: Pairing, party: str, reason: str = "", by: User | None = None) -> Pairing:
    """End an active pairing early, by either party or the office. The other party (both, when the
    office ends it), the office and the programme's contact are told; both parties get a feedback link."""
    if party not in Party.values:
        raise ValidationError(_("Ukendt part."))
    reason = clean_text(reason, label=_("begrundelse"), max_length=REASON_MAX)
    pairing = _lock(pairing)
    if by is not None and party in PARTIES and party_of(by, pairing) != party:
        raise ValidationError(_("Du kan kun afslutte et forløb, du selv er part i."))
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError(_("Forløbet er allerede afsluttet."))
    today = timezone.localdate()
    pairing.status = Pairing.Status.COMPLETED if today >= pairing.ends_on else Pairing.Status.ENDED_EARLY
    pairing.ended_on, pairing.ended_by, pairing.end_reason = today, party, reason
    pairing.save(update_fields=["status", "ended_on", "ended_by", "end_reason"])
    pairing.links.filter(purpose=Purpose.END, used_at__isnull=True).update(used_at=timezone.now())

    branch = pairing.programme.branch
    told = [other_party(party)] if party in PARTIES else list(PARTIES)
    for who in told:
        _mail_party(pairing, who, "mentoring/pairing_ended", f"mentor-pairing:{pairing.pk}:ended:{who}")
    context = {
        **mail_context(pairing, Party.OFFICE),
        "ended_by": pairing.get_ended_by_display(),
        "url": reverse("admin:mentoring_pairing_change", args=[pairing.pk]),
    }
    office = Recipient.of_office(branch)
    addresses = []
    if party != Party.OFFICE:
        addresses.append((office.name, office.email, "office"))
    contact = pairing.programme.contact_email
    if contact and contact.lower() not in {email.lower() for _name, email, _k in addresses}:
        addresses.append((pairing.programme.contact_name, contact, "contact"))
    for name, email, who in addresses:
        enqueue(
            "mentoring/pairing_ended_office",
            to=email,
            to_name=name,
            key=f"mentor-pairing:{pairing.pk}:ended:{who}",
            context=context,
            branch=branch,
        )
    enqueue_many(send_feedback_links([pairing]))
    return pairing


# Links --------------------------------------------------------------------------------------------


class LinkState:
    OK = "ok"
    UNKNOWN = "unknown"  # tampered or never issued
    USED = "used"
    EXPIRED = "expired"
    ENDED = "ended"  # an end link of a pairing that has already ended
    ANSWERED = "answered"  # a feedback link whose party has answered already


def link_lookup(raw: str, purpose: str) -> tuple[PairingLink | None, str]:
    """The link behind ``raw`` and what state it is in; reads only."""
    if not raw or len(raw) > 200:
        return None, LinkState.UNKNOWN
    link = (
        PairingLink.objects.select_related("pairing__programme__branch", "pairing__mentor", "pairing__mentee")
        .filter(token_hash=tokens.digest(raw), purpose=purpose)
        .first()
    )
    if link is None:
        return None, LinkState.UNKNOWN
    pairing = link.pairing
    if purpose == Purpose.END and pairing.status != Pairing.Status.ACTIVE:
        return link, LinkState.ENDED
    if purpose == Purpose.FEEDBACK and Feedback.objects.filter(pairing=pairing, party=link.party).exists():
        return link, LinkState.ANSWERED
    if link.used_at is not None:
        return link, LinkState.USED
    if tokens.is_expired(link.expires_at):
        return link, LinkState.EXPIRED
    return link, LinkState.OK


class LinkRefused(ValidationError):
    """A link that cannot be used; ``state`` says why (for the page)."""

    def __init__(self, state: str, link: PairingLink | None = None):
        super().__init__(_("Linket kan ikke bruges."))
        self.state, self.link = state, link


def _consume(raw: str, purpose: str) -> PairingLink:
    link, state = link_lookup(raw, purpose)
    if state != LinkState.OK:
        raise LinkRefused(state, link)
    usable = PairingLink.objects.filter(purpose=purpose, expires_at__gt=timezone.now())
    if not tokens.consume(usable, raw):
        _link, state = link_lookup(raw, purpose)
        raise LinkRefused(state if state != LinkState.OK else LinkState.USED, link)
    return link


@transaction.atomic
def pairing_end_by_link(raw: str, *, reason: str = "") -> Pairing:
    """The end link's button: the link's party ends the pairing. A used, expired or unknown link
    (or an ended pairing) raises ``LinkRefused`` and changes nothing."""
    reason = clean_text(reason, label=_("begrundelse"), max_length=REASON_MAX)
    link, state = link_lookup(raw, Purpose.END)
    if link is None:
        raise LinkRefused(state)
    # the pairing first, then the link: the order every end takes, so two ends never deadlock
    _lock(link.pairing)
    link = _consume(raw, Purpose.END)
    try:
        return pairing_end(pairing=link.pairing, party=link.party, reason=reason)
    except ValidationError:
        raise LinkRefused(LinkState.ENDED, link) from None


@transaction.atomic
def feedback_submit(
    raw: str, *, rating, useful: str = "", improve: str = "", recommend: bool | None = None
) -> Feedback:
    """A party's evaluation through their feedback link: once, and only while the link is valid."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ValidationError(_("Vælg en samlet vurdering fra 1 til 5.")) from None
    if not 1 <= rating <= 5:
        raise ValidationError(_("Vælg en samlet vurdering fra 1 til 5."))
    useful = clean_text(useful, label=_("hvad der var godt"), max_length=TEXT_MAX)
    improve = clean_text(improve, label=_("hvad der kan gøres bedre"), max_length=TEXT_MAX)
    if recommend not in (True, False, None):
        raise ValidationError(_("Svar ja, nej eller ved ikke til, om du vil anbefale ordningen."))
    link = _consume(raw, Purpose.FEEDBACK)
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                pairing=link.pairing,
                party=link.party,
                rating=rating,
                useful=useful,
                improve=improve,
                recommend=recommend,
            )
    except IntegrityError:
        raise LinkRefused(LinkState.ANSWERED, link) from None


# Sessions -----------------------------------------------------------------------------------------


def session_period(pairing: Pairing) -> tuple[date, date]:
    """The days a session may be logged for: from the start to the end (or today, if earlier)."""
    last = pairing.ended_on or pairing.ends_on
    return pairing.started_on, min(last, timezone.localdate())


def _themes(values) -> list[str]:
    chosen = []
    for value in values or []:
        if value not in THEMES:
            raise ValidationError(_("Vælg emner fra listen."))
        if value not in chosen:
            chosen.append(value)
    return chosen


@transaction.atomic
def session_log(
    *,
    pairing: Pairing,
    by: User,
    held_on: date,
    duration_minutes,
    mode: str,
    themes=(),
    topics: str = "",
) -> Session:
    """A session logged by the mentor or the new TR, for a day within the pairing's period."""
    pairing = _lock(pairing)
    if party_of(by, pairing) is None:
        raise ValidationError(_("Kun mentoren og den nye TR kan skrive samtaler i forløbet."))
    if not isinstance(held_on, date) or not YEAR_MIN <= held_on.year <= YEAR_MAX:
        raise ValidationError(_("Datoen skal ligge mellem år 2000 og 2099."))
    first, last = session_period(pairing)
    if held_on > timezone.localdate():
        raise ValidationError(_("En samtale kan først skrives, når den har fundet sted."))
    if not first <= held_on <= last:
        raise ValidationError(
            _("Datoen skal ligge i forløbets periode, %(first)s–%(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")}
        )
    try:
        minutes = int(duration_minutes)
    except (TypeError, ValueError):
        raise ValidationError(_("Skriv varigheden i hele minutter.")) from None
    if not 5 <= minutes <= SESSION_MINUTES_MAX:
        raise ValidationError(_("En samtale varer mellem 5 minutter og 8 timer."))
    if mode not in Session.Mode.values:
        raise ValidationError(_("Vælg, om samtalen var online, over telefon eller et fysisk møde."))
    return Session.objects.create(
        pairing=pairing,
        held_on=held_on,
        duration_minutes=minutes,
        mode=mode,
        themes=_themes(themes),
        topics=clean_text(topics, label=_("andre emner og noter"), max_length=TEXT_MAX),
        logged_by=by,
    )


def session_reference(session: Session) -> str:
    """The claim's ``reference``: one claim per session and claimant (a database constraint)."""
    return f"mentor-session:{session.pk}"


def session_claims(sessions, person: Person) -> dict[int, ReleaseClaim]:
    """The person's open claims for these sessions, by session id (one query)."""
    references = {session_reference(session): session.pk for session in sessions}
    claims = ReleaseClaim.objects.filter(
        kind=ReleaseClaim.Kind.MENTOR_SESSION,
        claimant=person,
        reference__in=list(references),
        status__in=ReleaseClaim.OPEN,
    )
    return {references[claim.reference]: claim for claim in claims}


def session_claim_file(
    *,
    session: Session,
    by: User,
    hours,
    employer=None,
    payroll_office: str = "",
    leave_noted: bool,
) -> ReleaseClaim:
    """Release time for one session, filed by the mentor or the new TR for themselves through the
    claims rules (the branch's hour cap per session, the age limit, one claim per session)."""
    pairing = session.pairing
    party = party_of(by, pairing)
    if party is None:
        raise ValidationError(_("Kun mentoren og den nye TR kan søge frikøb til forløbets samtaler."))
    if payroll_office and "\x00" in str(payroll_office):
        raise ValidationError(_("Lønkontor indeholder ugyldige tegn."))
    return claim_file_mentor_session(
        claimant=party_person(pairing, party),
        by=by,
        reference=session_reference(session),
        work_date=session.held_on,
        hours=hours,
        employer=employer,
        payroll_office=payroll_office,
        leave_noted=leave_noted,
    )
