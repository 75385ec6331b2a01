"""A person's data (GDPR Art. 15): everything the app holds about one member, as JSON and as HTML.

Decisions:

- The minutes and minutes versions they submitted are exported *with* their text: what they wrote
  and sent is their data (the text may name others; the office reviews the file before handing it
  over, as with any Art. 15 answer).
- Sessions of their pairings are listed; a session's notes only when they wrote them. Feedback:
  only what they gave, never the other party's (the model's rule: never seen by the other party).
- Mails: headers only (date, subject, status, recipient); bodies and links are never read — the
  query does not even load them.
- The access-log entries about them name who looked and when, not the staff's IP address.
- One query per section, whatever the person's size (``tests/privacy/test_export.py`` counts them).
"""

import re
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import parseaddr

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from circles.models import (
    Attendance,
    Invitation,
    KeyMessageDelivery,
    LeaveLetter,
    Mandate,
    Membership,
    MentorPrompt,
    Minutes,
    MinutesVersion,
    Person,
    ReleaseClaim,
    SignUp,
    SupervisionRequest,
    User,
)
from mentoring.models import Feedback, Mentor, MentorRequest, Offer, Pairing, Session
from netvaerk.outbox.models import OutboundEmail

from .log import record
from .models import AccessLogEntry

FORMAT_VERSION = 1
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?)?$")


def _iso(value):
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _num(value):
    return None if value is None else str(value)


def _user(user: User | None) -> dict | None:
    if user is None:
        return None
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "active": user.is_active,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def _meeting(meeting) -> dict:
    return {
        "network": meeting.network.name,
        "starts_at": _iso(meeting.starts_at),
        "theme": meeting.theme,
        "status": meeting.get_status_display(),
    }


def _addresses(person: Person) -> list[str]:
    found = {person.email.lower()}
    if person.user is not None and person.user.email:
        found.add(person.user.email.lower())
    return sorted(found)


def _mail_query(addresses: list[str]):
    condition = Q()
    for address in addresses:
        condition |= Q(to__iexact=address) | Q(to__iendswith=f"<{address}>")
    # only the headers are loaded: bodies and sealed links never leave the database here
    return (
        OutboundEmail.objects.filter(condition)
        .only("pk", "created_at", "sent_at", "subject", "status", "to")
        .order_by("-created_at", "-id")
    )


def _readable_address(value: str) -> str:
    """ "=?utf-8?q?Birgitte_B=C3=A6k?= <b@example.org>" as "Birgitte Bæk <b@example.org>"."""
    name, address = parseaddr(value)
    if not address:
        return value
    try:
        name = str(make_header(decode_header(name))) if name else ""
    except (HeaderParseError, LookupError, UnicodeDecodeError):
        return value
    return f"{name} <{address}>" if name else address


def _two_factor(user: User | None) -> list[dict]:
    if user is None:
        return []
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = []
    for model, kind in ((TOTPDevice, _("Godkendelsesapp")), (StaticDevice, _("Engangskoder"))):
        for device in model.objects.filter(user=user).only("name", "confirmed"):
            devices.append({"kind": kind, "name": device.name, "confirmed": device.confirmed})
    return devices


def person_export(person: Person, *, by: User | None, request=None) -> dict:
    """Everything held about ``person`` as a JSON-serialisable dict; the export is logged first."""
    record(
        request or by,
        AccessLogEntry.Action.EXPORT,
        _("Eksport af medlemmets data (art. 15): medlem #%(id)s") % {"id": person.pk},
        obj=person,
        person_id=person.pk,
        branch=person.branch,
    )
    person = Person.objects.select_related("branch", "user").get(pk=person.pk)
    user = person.user
    with translation.override("da"):
        return _collect(person, user)


def _collect(person: Person, user: User | None) -> dict:
    meeting = ("meeting", "meeting__network")
    mandates = Mandate.objects.filter(person=person).select_related("workplace__employer")
    memberships = Membership.objects.filter(person=person).select_related("network").order_by("joined_on")
    invitations = (
        Invitation.objects.filter(person=person).select_related(*meeting).order_by("meeting__starts_at")
    )
    attendance = (
        Attendance.objects.filter(person=person).select_related(*meeting).order_by("meeting__starts_at")
    )
    minutes = (
        Minutes.objects.filter(submitted_by=user).select_related(*meeting).order_by("meeting__starts_at")
        if user
        else Minutes.objects.none()
    )
    versions = (
        MinutesVersion.objects.filter(submitted_by=user)
        .select_related("minutes__meeting__network")
        .order_by("submitted_at")
        if user
        else MinutesVersion.objects.none()
    )
    supervision = (
        SupervisionRequest.objects.filter(requested_by=user).select_related("network").order_by("created_at")
        if user
        else SupervisionRequest.objects.none()
    )
    claims = (
        ReleaseClaim.objects.filter(claimant=person)
        .select_related("network", "meeting", "employer")
        .order_by("work_date", "id")
    )
    signups = SignUp.objects.filter(person=person).select_related("network").order_by("created_at")
    key_messages = (
        KeyMessageDelivery.objects.filter(person=person)
        .select_related("minutes__meeting__network")
        .order_by("created_at")
    )
    leave_letters = LeaveLetter.objects.filter(person=person).select_related("network").order_by("created_at")
    prompts = MentorPrompt.objects.filter(person=person).select_related("network").order_by("created_at")
    mentor = Mentor.objects.filter(person=person).first()
    requests = MentorRequest.objects.filter(mentee=person).select_related("programme").order_by("created_at")
    offers = (
        Offer.objects.filter(Q(mentor=person) | Q(request__mentee=person))
        .select_related("mentor", "request__mentee", "request__programme")
        .order_by("created_at")
    )
    pairings = (
        Pairing.objects.filter(Q(mentor=person) | Q(mentee=person))
        .select_related("programme", "mentor", "mentee")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("held_on", "id")),
            Prefetch("feedback", queryset=Feedback.objects.all()),
        )
        .order_by("started_on")
    )
    access = AccessLogEntry.objects.filter(person_id=person.pk).order_by("at", "id")

    def side(pairing) -> str:
        return Pairing.Party.MENTOR if pairing.mentor_id == person.pk else Pairing.Party.MENTEE

    pairing_rows = []
    for pairing in pairings:
        party = side(pairing)
        other = pairing.mentee if party == Pairing.Party.MENTOR else pairing.mentor
        pairing_rows.append(
            {
                "programme": pairing.programme.name,
                "role": str(Pairing.Party(party).label),
                "other_party": other.name,
                "status": pairing.get_status_display(),
                "started_on": _iso(pairing.started_on),
                "ends_on": _iso(pairing.ends_on),
                "ended_on": _iso(pairing.ended_on),
                "ended_by": pairing.get_ended_by_display(),
                "end_reason": pairing.end_reason if pairing.ended_by == party else "",
                "sessions": [
                    {
                        "held_on": _iso(session.held_on),
                        "duration_minutes": session.duration_minutes,
                        "mode": session.get_mode_display(),
                        "themes": session.themes,
                        "topics": session.topics if user and session.logged_by_id == user.pk else "",
                        "logged_by_them": bool(user and session.logged_by_id == user.pk),
                    }
                    for session in pairing.sessions.all()
                ],
                "feedback_given": [
                    {
                        "rating": feedback.rating,
                        "useful": feedback.useful,
                        "improve": feedback.improve,
                        "recommend": feedback.recommend,
                        "submitted_at": _iso(feedback.submitted_at),
                    }
                    for feedback in pairing.feedback.all()
                    if feedback.party == party
                ],
            }
        )

    return {
        "format": FORMAT_VERSION,
        "generated_at": _iso(timezone.now()),
        "person": {
            "id": person.pk,
            "branch": person.branch.name,
            "name": person.name,
            "email": person.email,
            "phone": person.phone,
            "member_number": person.member_number,
            "tr_training_completed_on": _iso(person.tr_training_completed_on),
            "created_at": _iso(person.created_at),
            "anonymised_at": _iso(person.anonymised_at),
        },
        "login": _user(user),
        "two_factor_devices": _two_factor(user),
        "mandates": [
            {
                "role": mandate.get_role_display(),
                "workplace": mandate.workplace.name,
                "employer": mandate.workplace.employer.name,
                "elected_on": _iso(mandate.elected_on),
                "ended_on": _iso(mandate.ended_on),
            }
            for mandate in mandates
        ],
        "memberships": [
            {"network": m.network.name, "joined_on": _iso(m.joined_on), "left_on": _iso(m.left_on)}
            for m in memberships
        ],
        "invitations": [
            {
                "meeting": _meeting(invitation.meeting),
                "response": invitation.get_response_display(),
                "responded_at": _iso(invitation.responded_at),
            }
            for invitation in invitations
        ],
        "attendance": [_meeting(row.meeting) for row in attendance],
        "minutes_submitted": [
            {
                "meeting": _meeting(row.meeting),
                "status": row.get_status_display(),
                "confidential": row.confidential,
                "submitted_at": _iso(row.submitted_at),
                "text": row.text,
                "key_messages": row.key_messages,
            }
            for row in minutes
        ],
        "minutes_versions_submitted": [
            {
                "meeting": _meeting(version.minutes.meeting),
                "number": version.number,
                "submitted_at": _iso(version.submitted_at),
                "decision": version.get_decision_display(),
                "text": version.text,
                "key_messages": version.key_messages,
            }
            for version in versions
        ],
        "supervision_requests": [
            {
                "network": row.network.name,
                "created_at": _iso(row.created_at),
                "about": row.about,
                "preferred_dates": row.preferred_dates,
                "status": row.get_status_display(),
                "answer": row.answer,
            }
            for row in supervision
        ],
        "claims": [
            {
                "kind": claim.get_kind_display(),
                "work_date": _iso(claim.work_date),
                "network": claim.network.name if claim.network else None,
                "meeting": _iso(claim.meeting.starts_at) if claim.meeting else None,
                "employer": claim.employer.name if claim.employer else None,
                "hours": _num(claim.hours),
                "km": claim.km,
                "route_from": claim.route_from,
                "route_to": claim.route_to,
                "amount": _num(claim.amount),
                "note": claim.note,
                "status": claim.get_status_display(),
                "submitted_at": _iso(claim.submitted_at),
                "decided_at": _iso(claim.decided_at),
                "reject_reason": claim.reject_reason,
                "refunded_at": _iso(claim.refunded_at),
            }
            for claim in claims
        ],
        "signups": [
            {
                "network": row.network.name,
                "name": row.name,
                "email": row.email,
                "phone": row.phone,
                "member_number": row.member_number,
                "workplace_text": row.workplace_text,
                "municipality": row.municipality,
                "role": row.get_role_display(),
                "consent_at": _iso(row.consent_at),
                "confirmed_at": _iso(row.confirmed_at),
                "status": row.get_status_display(),
                "decline_message": row.decline_message,
                "created_at": _iso(row.created_at),
            }
            for row in signups
        ],
        "key_messages_received": [
            {
                "meeting": _meeting(row.minutes.meeting),
                "audience": row.get_audience_display(),
                "sent_to": row.recipient_email,
                "created_at": _iso(row.created_at),
            }
            for row in key_messages
        ],
        "leave_letters": [
            {
                "network": row.network.name,
                "year": row.year,
                "manager_email": row.manager_email,
                "created_at": _iso(row.created_at),
            }
            for row in leave_letters
        ],
        "mentor_prompts": [
            {"network": row.network.name, "created_at": _iso(row.created_at), "done_at": _iso(row.done_at)}
            for row in prompts
        ],
        "mentor_profile": (
            {"willing": mentor.willing, "capacity": mentor.capacity, "note": mentor.note} if mentor else None
        ),
        "mentor_requests": [
            {
                "programme": row.programme.name,
                "source": row.get_source_display(),
                "status": row.get_status_display(),
                "note": row.note,
                "created_at": _iso(row.created_at),
                "closed_at": _iso(row.closed_at),
            }
            for row in requests
        ],
        "mentor_offers": [
            {
                "programme": offer.request.programme.name,
                "role": str(
                    (Pairing.Party.MENTOR if offer.mentor_id == person.pk else Pairing.Party.MENTEE).label
                ),
                "mentor": offer.mentor.name,
                "mentee": offer.request.mentee.name,
                "status": offer.get_status_display(),
                "created_at": _iso(offer.created_at),
                "expires_at": _iso(offer.expires_at),
                "decided_at": _iso(offer.decided_at),
                "decline_reason": (
                    offer.decline_reason
                    if offer.declined_by == ("mentor" if offer.mentor_id == person.pk else "mentee")
                    else ""
                ),
            }
            for offer in offers
        ],
        "pairings": pairing_rows,
        "mails": [
            {
                "created_at": _iso(mail.created_at),
                "sent_at": _iso(mail.sent_at),
                "to": _readable_address(mail.to),
                "subject": mail.subject,
                "status": mail.get_status_display(),
            }
            for mail in _mail_query(_addresses(person))
        ],
        "access_log": [
            {
                "at": _iso(entry.at),
                "by": entry.user_label,
                "action": entry.get_action_display(),
                "what": entry.what,
            }
            for entry in access
        ],
    }


SECTION_TITLES = (
    ("mandates", _lazy("Hverv")),
    ("memberships", _lazy("Netværk")),
    ("invitations", _lazy("Invitationer og svar")),
    ("attendance", _lazy("Fremmøde")),
    ("minutes_submitted", _lazy("Referater, medlemmet har indsendt")),
    ("minutes_versions_submitted", _lazy("Referatversioner, medlemmet har indsendt")),
    ("supervision_requests", _lazy("Ønsker om supervision")),
    ("claims", _lazy("Frikøb og kørsel")),
    ("signups", _lazy("Tilmeldinger til AMR-netværk")),
    ("key_messages_received", _lazy("Centrale budskaber modtaget")),
    ("leave_letters", _lazy("Breve om tjenestefrihed")),
    ("mentor_prompts", _lazy("Mentortilbud at give (velkomst)")),
    ("mentor_requests", _lazy("Ønsker om mentor")),
    ("mentor_offers", _lazy("Mentortilbud")),
    ("mails", _lazy("Mails sendt til medlemmet (kun dato, emne og status)")),
    ("access_log", _lazy("Adgangslog: hvem har set eller eksporteret medlemmets data")),
)

FIELD_LABELS = {
    "id": _lazy("Id"),
    "branch": _lazy("Kreds"),
    "name": _lazy("Navn"),
    "email": _lazy("E-mail"),
    "phone": _lazy("Telefon"),
    "member_number": _lazy("Medlemsnummer"),
    "tr_training_completed_on": _lazy("TR-uddannelse gennemført"),
    "created_at": _lazy("Oprettet"),
    "anonymised_at": _lazy("Anonymiseret"),
    "username": _lazy("Brugernavn"),
    "first_name": _lazy("Fornavn"),
    "last_name": _lazy("Efternavn"),
    "active": _lazy("Aktivt login"),
    "date_joined": _lazy("Login oprettet"),
    "last_login": _lazy("Seneste login"),
    "kind": _lazy("Type"),
    "confirmed": _lazy("Bekræftet"),
    "role": _lazy("Rolle"),
    "workplace": _lazy("Arbejdsplads"),
    "employer": _lazy("Arbejdsgiver"),
    "elected_on": _lazy("Valgt"),
    "ended_on": _lazy("Ophørt"),
    "network": _lazy("Netværk"),
    "joined_on": _lazy("Indmeldt"),
    "left_on": _lazy("Udmeldt"),
    "meeting": _lazy("Møde"),
    "starts_at": _lazy("Tidspunkt"),
    "theme": _lazy("Tema"),
    "response": _lazy("Svar"),
    "responded_at": _lazy("Svaret"),
    "status": _lazy("Status"),
    "confidential": _lazy("Fortroligt"),
    "submitted_at": _lazy("Indsendt"),
    "text": _lazy("Tekst"),
    "key_messages": _lazy("Centrale budskaber"),
    "number": _lazy("Version"),
    "decision": _lazy("Afgørelse"),
    "about": _lazy("Hvad drejer det sig om"),
    "preferred_dates": _lazy("Foretrukne datoer"),
    "answer": _lazy("Svar"),
    "work_date": _lazy("Dato"),
    "hours": _lazy("Timer"),
    "km": _lazy("Km"),
    "route_from": _lazy("Fra"),
    "route_to": _lazy("Til"),
    "amount": _lazy("Beløb (kr.)"),
    "note": _lazy("Bemærkning"),
    "decided_at": _lazy("Behandlet"),
    "reject_reason": _lazy("Begrundelse for afvisning"),
    "refunded_at": _lazy("Refunderet"),
    "workplace_text": _lazy("Arbejdsplads (skrevet)"),
    "municipality": _lazy("Kommune"),
    "consent_at": _lazy("Samtykke givet"),
    "confirmed_at": _lazy("E-mail bekræftet"),
    "decline_message": _lazy("Besked ved afvisning"),
    "audience": _lazy("Modtager er"),
    "sent_to": _lazy("Sendt til"),
    "year": _lazy("År"),
    "manager_email": _lazy("Leders e-mail"),
    "done_at": _lazy("Klaret"),
    "programme": _lazy("Mentorordning"),
    "source": _lazy("Kilde"),
    "closed_at": _lazy("Afsluttet"),
    "mentor": _lazy("Mentor"),
    "mentee": _lazy("Ny TR"),
    "expires_at": _lazy("Udløber"),
    "decline_reason": _lazy("Begrundelse for afslag"),
    "other_party": _lazy("Den anden part"),
    "started_on": _lazy("Startet"),
    "ends_on": _lazy("Slutter"),
    "ended_by": _lazy("Afsluttet af"),
    "end_reason": _lazy("Begrundelse"),
    "held_on": _lazy("Dato"),
    "duration_minutes": _lazy("Varighed (minutter)"),
    "mode": _lazy("Form"),
    "themes": _lazy("Emner"),
    "topics": _lazy("Noter (skrevet af medlemmet)"),
    "logged_by_them": _lazy("Skrevet af medlemmet"),
    "rating": _lazy("Vurdering (1–5)"),
    "useful": _lazy("Hvad var godt"),
    "improve": _lazy("Hvad kan gøres bedre"),
    "recommend": _lazy("Vil anbefale ordningen"),
    "sent_at": _lazy("Sendt"),
    "to": _lazy("Modtager"),
    "subject": _lazy("Emne"),
    "at": _lazy("Tidspunkt"),
    "by": _lazy("Af"),
    "action": _lazy("Handling"),
    "what": _lazy("Hvad"),
    "willing": _lazy("Vil gerne være mentor"),
    "capacity": _lazy("Højst antal mentees"),
}


def _shown(value) -> str:
    """One exported value as Danish text: dates as 26.11.2026 (kl. 14:05), yes/no, a meeting in one line."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, dict):
        return ", ".join(_shown(item) for item in value.values() if item not in (None, ""))
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "–"
    if isinstance(value, str) and _ISO.match(value):
        moment = datetime.fromisoformat(value)
        if len(value) == 10:
            return formats.date_format(moment.date(), "d.m.Y")
        return formats.date_format(timezone.localtime(moment), "d.m.Y \\k\\l. H:i")
    return str(value)


def _table(rows: list[dict], skip=()) -> dict:
    keys = [key for key in (rows[0] if rows else {}) if key not in skip]
    return {
        "headers": [FIELD_LABELS.get(key, key) for key in keys],
        "rows": [[_shown(row[key]) for key in keys] for row in rows],
    }


def _fields(row: dict | None) -> list[tuple[str, str]]:
    return [(FIELD_LABELS.get(key, key), _shown(value)) for key, value in (row or {}).items()]


def person_export_html(data: dict) -> str:
    """The export as one readable, printable Danish HTML page (no external resources)."""
    with translation.override("da"):
        pairings = [
            {
                "fields": _fields(
                    {k: v for k, v in pairing.items() if k not in ("sessions", "feedback_given")}
                ),
                "sessions": _table(pairing["sessions"]),
                "feedback": _table(pairing["feedback_given"]),
            }
            for pairing in data["pairings"]
        ]
        context = {
            "data": data,
            "generated_at": _shown(data["generated_at"]),
            "person": _fields(data["person"]),
            "login": _fields(data["login"]),
            "devices": _table(data["two_factor_devices"]),
            "mentor_profile": _fields(data["mentor_profile"]),
            "sections": [
                {"key": key, "title": str(title), "table": _table(data.get(key) or [])}
                for key, title in SECTION_TITLES
            ],
            "pairings": pairings,
        }
        return render_to_string("privacy/person_export.html", context)
