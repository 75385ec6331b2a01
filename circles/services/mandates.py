"""Registering mandates, and the welcome chain for a newly elected TR, FTR or AMR (seed 000 §3, seed 001).

``mandate_register`` is the one way a mandate comes into being: the admin (the mandate page and the
mandate rows on a person's page) and any import call it. In the same transaction it runs
``mandate_welcome``, whose mails go out after commit through the outbox:

- the new representative: their network, its contact (the coordinator; for an AMR the facilitating
  consultant), the next meetings with calendar files, the ground rules and, for a TR, that a mentor
  from the network will be offered at the next meeting;
- the network's contact: a link to the new member's master data page (never the data itself) and,
  for a TR, the reminder to offer a mentor at the next meeting; a ``MentorPrompt`` puts "Tilbyd en
  mentor til …" on that meeting's page until it is marked done;
- the branch office, when the new representative cannot be placed by the rule below.

Placement rule. A TR or FTR belongs in an active TR or mixed network of the person's branch built on
the workplace's employer; when the branch has no such network, a TR or mixed network without an
employer whose municipality group names the workplace's municipality. An AMR belongs in an active
AMR or mixed network whose municipality group names the workplace's municipality. "Names" means:
the municipality (without a trailing "Kommune"), split into words, appears as consecutive whole words
of the group, case-insensitively ("Randers" is in "Kommunegruppe Randers-Norddjurs", "Ringkøbing-Skjern"
in "Ringkøbing-Skjern og Herning", "Rand" in neither). Exactly one match: the person is added to it
(``membership_add``). None or several: the office is told to place them. A TR who already has a place
in another TR network is never moved: they stay, and the office is told.

Only a current mandate elected within the last six months (``Mandate.is_new``) is welcomed: an import
of long-serving representatives sends nothing. Every mail has a key per mandate and recipient, and each
is recorded as a ``Reminder`` (kind WELCOME or PLACEMENT) under the same key: registering or saving
twice never sends a second welcome.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..calendar import ics_attachment
from ..models import (
    Mandate,
    Meeting,
    Membership,
    MentorPrompt,
    Network,
    Person,
    Reminder,
    User,
    Workplace,
)
from .people import membership_add

WELCOME_ROLES = (Mandate.Role.TR, Mandate.Role.FTR, Mandate.Role.AMR)
MENTOR_ROLES = (Mandate.Role.TR,)
NEXT_MEETINGS = 3
MENTOR_REQUEST_SALT = "netvaerk.mentor-request"  # mentoring.views.matching checks it with the same salt
_IGNORED_WORDS = {"kommunegruppe", "kommunegruppen", "kommune", "kommuner", "og"}


@dataclass
class Welcome:
    """What the welcome chain did for one mandate (shown to the office after saving)."""

    network: Network | None = None
    placed: bool = False
    placement_reason: str = ""
    mailed: list[str] = field(default_factory=list)
    mentor_prompt: MentorPrompt | None = None


# Registering --------------------------------------------------------------------------------------


def _check(person: Person, workplace: Workplace, by: User) -> None:
    if not by.is_superuser and by.is_staff and by.branch_id != person.branch_id:
        raise ValidationError(_("%(person)s hører til en anden kreds end din.") % {"person": person})
    if workplace.employer.branch_id != person.branch_id:
        raise ValidationError(
            _("Arbejdspladsen %(workplace)s hører til en anden kreds end medlemmet.")
            % {"workplace": workplace}
        )


def _check_dates(elected_on: date, ended_on: date | None) -> None:
    if ended_on is not None and ended_on < elected_on:
        raise ValidationError(_("Ophørsdatoen kan ikke ligge før valgdatoen."))


@transaction.atomic
def mandate_register(
    *,
    person: Person,
    role: str,
    workplace: Workplace,
    elected_on: date,
    by: User,
    ended_on: date | None = None,
) -> Mandate:
    """Register a mandate and, for a newly elected TR, FTR or AMR, welcome them (see the module).

    Registering an open mandate that is already registered (same person, role and workplace) returns
    the existing one and sends nothing new. ``mandate.welcome`` says what the welcome chain did.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)  # one registration per person at a time
    workplace = Workplace.objects.select_related("employer").get(pk=workplace.pk)
    if role not in Mandate.Role.values:
        raise ValidationError(_("Ukendt hverv."))
    _check(person, workplace, by)
    _check_dates(elected_on, ended_on)
    if ended_on is None:
        existing = Mandate.objects.filter(
            person=person, role=role, workplace=workplace, ended_on=None
        ).first()
        if existing is not None:
            existing.welcome = Welcome()
            return existing
    mandate = Mandate.objects.create(
        person=person, role=role, workplace=workplace, elected_on=elected_on, ended_on=ended_on
    )
    mandate.welcome = mandate_welcome(mandate=mandate, by=by)
    return mandate


@transaction.atomic
def mandate_update(*, mandate: Mandate, by: User) -> Mandate:
    """Save a corrected mandate. One that has become a new TR, FTR or AMR mandate is welcomed now
    (at most once: the keys are per mandate)."""
    person = Person.objects.select_for_update().get(pk=mandate.person_id)
    workplace = Workplace.objects.select_related("employer").get(pk=mandate.workplace_id)
    _check(person, workplace, by)
    _check_dates(mandate.elected_on, mandate.ended_on)
    clash = Mandate.objects.filter(
        person=person, role=mandate.role, workplace=workplace, ended_on=None
    ).exclude(pk=mandate.pk)
    if mandate.ended_on is None and clash.exists():
        raise ValidationError(_("Medlemmet har allerede dette hverv på arbejdspladsen."))
    mandate.save()
    mandate.welcome = mandate_welcome(mandate=mandate, by=by)
    return mandate


# Placement ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[^\w]+", text.casefold()) if word and word not in _IGNORED_WORDS]


def group_names_municipality(group: str, municipality: str) -> bool:
    """Whether a municipality group ("Kommunegruppe Randers-Norddjurs") names a municipality ("Randers")."""
    wanted, words = _words(municipality), _words(group)
    if not wanted:
        return False
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def matching_networks(mandate: Mandate) -> list[Network]:
    """The networks the rule in the module's docstring places a new representative in (0, 1 or more)."""
    workplace = mandate.workplace
    active = Network.objects.filter(branch_id=mandate.person.branch_id, active=True).order_by("name")
    if mandate.role in Mandate.TR_ROLES:
        by_employer = list(active.filter(kind__in=Network.TR_KINDS, employer_id=workplace.employer_id))
        if by_employer:
            return by_employer
        grouped = active.filter(kind__in=Network.TR_KINDS, employer__isnull=True)
    else:
        grouped = active.filter(kind__in=(Network.Kind.AMR, Network.Kind.MIXED))
    return [
        network
        for network in grouped.exclude(municipality_group="")
        if group_names_municipality(network.municipality_group, workplace.municipality)
    ]


def _place(mandate: Mandate, by: User, welcome: Welcome) -> None:
    """Add the person to their one matching network, or find why the office must place them."""
    person = mandate.person
    candidates = matching_networks(mandate)
    memberships = list(Membership.objects.active().filter(person=person).select_related("network"))
    member_of = {membership.network_id: membership.network for membership in memberships}
    current_tr = next((m.network for m in memberships if m.tr_slot), None)
    already = [network for network in candidates if network.pk in member_of]
    if already:
        welcome.network = already[0]
        return
    is_tr = mandate.role in Mandate.TR_ROLES
    if is_tr and current_tr is not None:
        welcome.network = current_tr
        if candidates:
            welcome.placement_reason = _(
                "%(person)s er allerede med i TR-netværket “%(current)s”, men arbejdspladsen passer til "
                "“%(candidates)s”. Medlemmet er ikke flyttet; flyt dem, hvis det er det rigtige."
            ) % {"person": person, "current": current_tr, "candidates": "”, “".join(map(str, candidates))}
        return
    if len(candidates) == 1:
        network = candidates[0]
        try:
            with transaction.atomic():
                membership_add(network=network, person=person, by=by)
        except ValidationError as error:
            welcome.placement_reason = _("%(person)s kunne ikke sættes i “%(network)s”: %(error)s") % {
                "person": person,
                "network": network,
                "error": " ".join(error.messages),
            }
            return
        welcome.network, welcome.placed = network, True
        return
    if not is_tr:
        # an AMR who is already in an AMR or mixed network stays in it; the office is told of the mismatch
        current = next((n for n in member_of.values() if n.kind != Network.Kind.TR), None)
        if current is not None:
            welcome.network = current
            return
    if candidates:
        welcome.placement_reason = _(
            "Flere netværk passer til %(person)s (%(workplace)s): %(candidates)s. Vælg det rigtige."
        ) % {"person": person, "workplace": mandate.workplace, "candidates": ", ".join(map(str, candidates))}
    else:
        welcome.placement_reason = _(
            "Intet aktivt netværk i kredsen passer til %(person)s (%(workplace)s, %(municipality)s)."
        ) % {
            "person": person,
            "workplace": mandate.workplace,
            "municipality": mandate.workplace.municipality,
        }


# The welcome --------------------------------------------------------------------------------------


def mentor_request_link(person: Person) -> str:
    """The new TR's "Jeg vil gerne have en mentor" link (the mentoring app's page): the person's id,
    signed and dated (the page accepts it for 60 days). Sent sealed in the welcome mail, never stored."""
    signed = signing.TimestampSigner(salt=MENTOR_REQUEST_SALT).sign(str(person.pk))
    return reverse("mentoring:request_self", args=[signed])


def _contact(network: Network, role: str, person: Person):
    """Whom the new representative turns to and who is told about them: for an AMR the facilitating
    consultant, else the coordinator; the other one when the first is missing (or is the person)."""
    coordinator = network.coordinator if network.coordinator_id not in (None, person.pk) else None
    consultant = network.consultant
    if role == Mandate.Role.AMR:
        return consultant or coordinator
    return coordinator or consultant


def _recipient(contact) -> Recipient:
    return Recipient.of_person(contact) if isinstance(contact, Person) else Recipient.of_user(contact)


def _record(*, kind, key, branch, network, recipient: Recipient, reason, meeting=None) -> None:
    Reminder.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "branch": branch,
            "network": network,
            "meeting": meeting,
            "recipient": recipient.name[:160],
            "reason": reason[:500],
        },
    )


def _send(
    template,
    *,
    recipient: Recipient,
    key,
    context,
    branch,
    kind,
    network,
    reason,
    attachments=None,
    secrets=None,
):
    enqueue(
        template,
        to=recipient.email,
        to_name=recipient.name,
        key=key,
        context=context,
        branch=branch,
        attachments=attachments or [],
        secrets=secrets,
    )
    _record(kind=kind, key=key, branch=branch, network=network, recipient=recipient, reason=reason)


def next_meetings(network: Network, limit: int = NEXT_MEETINGS):
    return list(
        network.meetings.filter(status=Meeting.Status.PLANNED, starts_at__gte=timezone.now()).order_by(
            "starts_at"
        )[:limit]
    )


def mandate_welcome(*, mandate: Mandate, by: User) -> Welcome:
    """The welcome chain for one mandate (see the module). Runs once per mandate: called again (the
    admin saving the mandate again), it does nothing, so a member the office has since moved is not
    placed a second time."""
    welcome = Welcome()
    today = timezone.localdate()
    if (
        mandate.role not in WELCOME_ROLES
        or not mandate.is_new
        or (mandate.ended_on is not None and mandate.ended_on < today)
    ):
        return welcome
    if Reminder.objects.filter(key__startswith=f"welcome:{mandate.pk}:").exists():
        return welcome  # welcomed before: a second save neither mails nor places them again
    mandate = Mandate.objects.select_related("person__branch", "workplace__employer").get(pk=mandate.pk)
    person, branch = mandate.person, mandate.person.branch
    _place(mandate, by, welcome)
    network = welcome.network
    if network is not None:
        network = Network.objects.select_related("coordinator", "consultant").get(pk=network.pk)
        welcome.network = network
    wants_mentor = mandate.role in MENTOR_ROLES and network is not None
    meetings = next_meetings(network) if network is not None else []
    contact = _contact(network, mandate.role, person) if network is not None else None
    me = Recipient.of_person(person)
    role = mandate.get_role_display()
    secrets = {"mentor_request_url": mentor_request_link(person)} if mandate.role in MENTOR_ROLES else {}

    _send(
        "circles/welcome_representative",
        recipient=me,
        key=f"welcome:{mandate.pk}:{me.key}",
        context={
            "person": person,
            "mandate": mandate,
            "role": role,
            "network": network,
            "contact": _recipient(contact) if contact is not None else None,
            "contact_is_consultant": contact is not None and not isinstance(contact, Person),
            "meetings": meetings,
            "mentor": wants_mentor,
            "home_url": reverse("home"),
        },
        attachments=[ics_attachment(meeting, attendee=me) for meeting in meetings],
        secrets=secrets,
        branch=branch,
        kind=Reminder.Kind.WELCOME,
        network=network,
        reason=_("Nyvalgt %(role)s: velkomst") % {"role": role},
    )
    welcome.mailed.append(me.name)

    if network is not None:
        _tell_contact(mandate, network, contact, meetings, welcome, wants_mentor=wants_mentor)

    if welcome.placement_reason:
        office = Recipient.of_office(branch)
        _send(
            "circles/welcome_placement",
            recipient=office,
            key=f"placement:{mandate.pk}:{office.key}",
            context={
                "person": person,
                "role": role,
                "mandate": mandate,
                "reason": welcome.placement_reason,
                "url": reverse("admin:circles_person_change", args=[person.pk]),
                "list_url": reverse("admin:circles_person_changelist") + "?netvaerk=nyvalgt_uden",
            },
            branch=branch,
            kind=Reminder.Kind.PLACEMENT,
            network=network,
            reason=welcome.placement_reason,
        )
        welcome.mailed.append(office.name)
    return welcome


def _tell_contact(mandate, network, contact, meetings, welcome: Welcome, *, wants_mentor: bool) -> None:
    """The network's contact (else the office) hears of the new member, with a link to their page;
    for a TR, a mentor prompt goes on the network's next meeting."""
    person, branch, role = mandate.person, mandate.person.branch, mandate.get_role_display()
    told = _recipient(contact) if contact is not None else Recipient.of_office(branch)
    _send(
        "circles/welcome_contact",
        recipient=told,
        key=f"welcome-contact:{mandate.pk}:{told.key}",
        context={
            "person": person,
            "role": role,
            "network": network,
            "to_office": contact is None,
            "mentor": wants_mentor,
            "next_meeting": meetings[0] if meetings else None,
            "url": reverse("circles:person_detail", args=[person.pk]),
        },
        branch=branch,
        kind=Reminder.Kind.WELCOME,
        network=network,
        reason=_("Nyt medlem af %(network)s: %(person)s (%(role)s)")
        % {"network": network, "person": person, "role": role},
    )
    welcome.mailed.append(told.name)
    if wants_mentor:
        prompt = MentorPrompt.objects.filter(network=network, person=person, done_at__isnull=True).first()
        if prompt is None and not MentorPrompt.objects.filter(mandate=mandate, network=network).exists():
            prompt = MentorPrompt.objects.create(network=network, person=person, mandate=mandate)
        welcome.mentor_prompt = prompt


@transaction.atomic
def welcome_placed(*, membership: Membership, by: User) -> Welcome:
    """The office placed a newly elected representative by hand (after the rule could not): the
    network's contact is told now and, for a TR, the mentor prompt follows, as if the rule had placed
    them. Nothing happens for anyone the welcome chain has not welcomed, or whose contact was told."""
    welcome = Welcome()
    network = Network.objects.select_related("coordinator", "consultant").get(pk=membership.network_id)
    roles = {Network.Kind.TR: Mandate.TR_ROLES, Network.Kind.AMR: (Mandate.Role.AMR,)}.get(
        network.kind, WELCOME_ROLES
    )
    mandate = (
        Mandate.objects.active()
        .filter(person_id=membership.person_id, role__in=roles)
        .select_related("person__branch", "workplace__employer")
        .order_by("-elected_on", "-pk")
        .first()
    )
    if membership.left_on is not None or mandate is None or not mandate.is_new:
        return welcome
    welcomed = Reminder.objects.filter(key__startswith=f"welcome:{mandate.pk}:").exists()
    told = Reminder.objects.filter(key__startswith=f"welcome-contact:{mandate.pk}:", network=network).exists()
    if not welcomed or told:
        return welcome
    welcome.network, welcome.placed = network, True
    contact = _contact(network, mandate.role, mandate.person)
    wants_mentor = mandate.role in MENTOR_ROLES
    _tell_contact(mandate, network, contact, next_meetings(network), welcome, wants_mentor=wants_mentor)
    return welcome


# The mentor prompt on the meeting page ----------------------------------------------------------


def open_mentor_prompts(meeting: Meeting) -> list[MentorPrompt]:
    """The network's open prompts, shown on its next planned meeting only (none on other meetings)."""
    if meeting.status != Meeting.Status.PLANNED or meeting.starts_at < timezone.now():
        return []
    upcoming = (
        Meeting.objects.filter(
            network=meeting.network_id, status=Meeting.Status.PLANNED, starts_at__gte=timezone.now()
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if upcoming != meeting.pk:
        return []
    return list(
        MentorPrompt.objects.filter(network=meeting.network_id, done_at__isnull=True)
        .select_related("person")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def mentor_prompt_done(*, prompt: MentorPrompt, by: User) -> MentorPrompt:
    """The coordinator (or consultant) has offered the new TR a mentor: the prompt leaves the page."""
    updated = MentorPrompt.objects.filter(pk=prompt.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=by
    )
    if not updated:
        raise ValidationError(_("Mentortilbuddet er allerede markeret som klaret."))
    prompt.refresh_from_db()
    return prompt
