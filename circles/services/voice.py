"""Each network's voice, the office's side: points for the board, supervision, the leave letter.

Seed 000 §2: the TR networks collect their demands to the board; the coordinator writes them as
points in the minutes (``circles.services.minutes``), the office sees them here once the minutes are
sent (submitted or approved), marks each as taken up or answered, and the reply goes back to the
network's coordinator. Seed 000 §3: the coordinator asks the office for supervision. Seed 002 "Kære
leder": the branch's letter asking managers to give AMRs paid leave, with the year's meeting dates.

Decisions:
- The office sees a point once its minutes are submitted or approved; a draft's or a returned
  minutes' points are still the coordinator's working copy.
- Marking a point mails its network's coordinator (the facilitating consultant when there is none)
  once per status and reply: marking the same again changes nothing and sends nothing.
- An answered point may be answered again (a corrected reply, mailed again); it is never set back to
  "taken up".
- Supervision is asked by the network's coordinator or its facilitating consultant; the office of the
  network's branch answers once. The office's mail links to the request; it does not carry the text.
- The leave letter goes to the members of an AMR or mixed network; each member's manager is the one
  of the workplace of their current mandate, an AMR mandate first, then the newest. The dates are
  the network's meetings in the year that are not cancelled (a held meeting stays in the letter, so
  recording attendance never makes a new version); a moved, added or cancelled meeting, or a changed
  letter, is a new version.
"""

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import (
    BoardPoint,
    BoardTopic,
    Branch,
    LeaveLetter,
    Mandate,
    Meeting,
    Membership,
    Minutes,
    Network,
    Person,
    SupervisionRequest,
    User,
    Workplace,
)
from ..models.voice import POINT_TEXT_MAX, REQUEST_TEXT_MAX
from ..permissions import person_for
from ..roles import is_office

SENT = (Minutes.Status.SUBMITTED, Minutes.Status.APPROVED)
PREFERRED_DATES_MAX = SupervisionRequest._meta.get_field("preferred_dates").max_length
LEAVE_LETTER_KINDS = (Network.Kind.AMR, Network.Kind.MIXED)
AMR_ROLES = (Mandate.Role.AMR, Mandate.Role.AMR_DEPUTY)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def clean_text(value, *, label: str, max_length: int, required: bool = True) -> str:
    """Free text as the services accept it: trimmed, bounded, without NUL characters."""
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError(_("%(field)s indeholder et ugyldigt tegn.") % {"field": label.capitalize()})
    if required and not value:
        raise ValidationError(_("Udfyld %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s må højst fylde %(count)s tegn.")
            % {"field": label.capitalize(), "count": _thousands(max_length)}
        )
    return value


def is_branch_office(user: User, branch_id: int) -> bool:
    return user.is_superuser or (is_office(user) and user.branch_id == branch_id)


def _coordinator_recipient(network: Network) -> Recipient | None:
    """Who hears back for a network: its coordinator, else its facilitating consultant."""
    if network.coordinator is not None and network.coordinator.email:
        return Recipient.of_person(network.coordinator)
    if network.consultant is not None and network.consultant.email:
        return Recipient.of_user(network.consultant)
    return None


# Board topics -------------------------------------------------------------------------------------


def ensure_board_topics(branch: Branch) -> None:
    """A branch without topics gets the seed's four (education, meeting activity, working conditions,
    other). A branch that has any topic, also inactive ones, is left as its office keeps it."""
    if BoardTopic.objects.filter(branch=branch).exists():
        return
    with translation.override("da"):
        BoardTopic.objects.bulk_create(
            [
                BoardTopic(branch=branch, name=str(name), position=position)
                for position, name in enumerate(BoardTopic.DEFAULTS)
            ],
            ignore_conflicts=True,
        )


def board_topics(branch: Branch):
    """The topics a coordinator picks from (the defaults made the first time)."""
    ensure_board_topics(branch)
    return BoardTopic.objects.filter(branch=branch, active=True).order_by("position", "name")


# Points for the board -----------------------------------------------------------------------------


def points_for_office(branch: Branch | None):
    """The points the office sees: of submitted or approved minutes, in the branch (all for None)."""
    points = BoardPoint.objects.filter(minutes__status__in=SENT)
    if branch is not None:
        points = points.filter(network__branch=branch)
    return points.select_related("network", "topic", "minutes__meeting", "replied_by")


def points_for_network(network: Network):
    """A network's own points that reached the office, newest first: what its coordinator sees."""
    return (
        BoardPoint.objects.filter(network=network, minutes__status__in=SENT)
        .select_related("topic", "minutes__meeting")
        .order_by("-minutes__meeting__starts_at", "id")
    )


def _reply_key(point: BoardPoint, status: str, reply: str) -> str:
    digest = hashlib.sha256(reply.encode()).hexdigest()[:16]
    return f"board-point:{point.pk}:{status}:{digest}"


@transaction.atomic
def point_mark(*, point: BoardPoint, status: str, reply: str, by: User) -> BoardPoint:
    """Mark a point taken up or answered; the reply goes to the network's coordinator by mail."""
    point = (
        BoardPoint.objects.select_for_update(of=("self",))
        .select_related("network__branch", "network__coordinator", "network__consultant", "minutes__meeting")
        .get(pk=point.pk)
    )
    if not is_branch_office(by, point.network.branch_id):
        raise PermissionDenied
    if point.minutes.status not in SENT:
        raise ValidationError(_("Punktet hører til et referat, der ikke er indsendt."))
    if status not in (BoardPoint.Status.TAKEN_UP, BoardPoint.Status.ANSWERED):
        raise ValidationError(_("Vælg, om punktet er taget op eller besvaret."))
    reply = clean_text(
        reply,
        label=str(gettext_lazy("svaret til netværket")),
        max_length=POINT_TEXT_MAX,
        required=status == BoardPoint.Status.ANSWERED,
    )
    if status == BoardPoint.Status.TAKEN_UP and point.status == BoardPoint.Status.ANSWERED:
        raise ValidationError(_("Punktet er allerede besvaret."))
    if point.status == status and point.reply == reply:
        return point  # nothing new: nothing saved, nobody mailed again
    point.status, point.reply = status, reply
    point.replied_by, point.replied_at = by, timezone.now()
    point.save(update_fields=["status", "reply", "replied_by", "replied_at"])
    recipient = _coordinator_recipient(point.network)
    if recipient is not None:
        meeting = point.minutes.meeting
        enqueue(
            "circles/board_reply",
            to=recipient.email,
            to_name=recipient.name,
            key=_reply_key(point, status, reply),
            context={
                "point": point,
                "network": point.network,
                "meeting": meeting,
                "recipient": recipient,
                "answered": status == BoardPoint.Status.ANSWERED,
                "url": reverse("circles:minutes_detail", args=[meeting.pk]),
            },
            branch=point.network.branch,
        )
    return point


EXPORT_HEADERS = (
    gettext_lazy("Netværk"),
    gettext_lazy("Mødedato"),
    gettext_lazy("Emne"),
    gettext_lazy("Overskrift"),
    gettext_lazy("Tekst"),
    gettext_lazy("Status"),
    gettext_lazy("Svar"),
    gettext_lazy("Besvaret"),
)


def points_export_xlsx(queryset) -> bytes:
    """The points for the board meeting: one row each, by topic, network and meeting date."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    points = queryset.select_related("network", "topic", "minutes__meeting").order_by(
        "topic__position", "topic__name", "network__name", "minutes__meeting__starts_at", "id"
    )
    book = Workbook()
    sheet = book.active
    sheet.title = _("Punkter til bestyrelsen")
    sheet.append([str(header) for header in EXPORT_HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for point in points:
        met = timezone.localtime(point.minutes.meeting.starts_at).date()
        replied = timezone.localtime(point.replied_at).date() if point.replied_at else None
        sheet.append(
            [
                point.network.name,
                met,
                point.topic.name,
                point.title,
                point.text,
                str(point.get_status_display()),
                point.reply,
                replied,
            ]
        )
        row = sheet.max_row
        for column in ("B", "H"):
            sheet[f"{column}{row}"].number_format = "DD-MM-YYYY"
        for column in ("E", "G"):
            sheet[f"{column}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGH", (30, 12, 18, 32, 60, 12, 50, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Supervision --------------------------------------------------------------------------------------


def can_request_supervision(user: User, network: Network) -> bool:
    if network.consultant_id is not None and network.consultant_id == user.pk:
        return True
    person = person_for(user)
    return person is not None and network.coordinator_id == person.pk


@transaction.atomic
def supervision_request(
    *, network: Network, by: User, about: str, preferred_dates: str
) -> SupervisionRequest:
    """The coordinator (or facilitating consultant) asks the office; the office is mailed a link."""
    if not can_request_supervision(by, network):
        raise PermissionDenied
    if not network.active:
        raise ValidationError(_("Netværket er ikke aktivt."))
    about = clean_text(about, label=str(gettext_lazy("hvad det drejer sig om")), max_length=REQUEST_TEXT_MAX)
    preferred_dates = clean_text(
        preferred_dates,
        label=str(gettext_lazy("foretrukne datoer")),
        max_length=PREFERRED_DATES_MAX,
        required=False,
    )
    request = SupervisionRequest.objects.create(
        network=network, requested_by=by, about=about, preferred_dates=preferred_dates
    )
    branch = network.branch
    office = Recipient.of_office(branch)
    enqueue(
        "circles/supervision_requested",
        to=office.email,
        to_name=office.name,
        key=f"supervision-requested:{request.pk}",
        context={
            "request": request,
            "network": network,
            "requester": by.get_full_name() or by.get_username(),
            "url": reverse("admin:circles_supervisionrequest_change", args=[request.pk]),
        },
        branch=branch,
    )
    return request


def _requester_recipient(request: SupervisionRequest) -> Recipient | None:
    user = request.requested_by
    if user is not None:
        person = person_for(user)
        if person is not None and person.email:
            return Recipient.of_person(person)
        if user.email:
            return Recipient.of_user(user)
    return _coordinator_recipient(request.network)


@transaction.atomic
def supervision_answer(*, request: SupervisionRequest, by: User, answer: str) -> SupervisionRequest:
    """The office answers once; the answer is mailed to whoever asked (else the coordinator)."""
    request = (
        SupervisionRequest.objects.select_for_update(of=("self",))
        .select_related("network__branch", "network__coordinator", "network__consultant", "requested_by")
        .get(pk=request.pk)
    )
    if not is_branch_office(by, request.network.branch_id):
        raise PermissionDenied
    if request.status != SupervisionRequest.Status.OPEN:
        raise ValidationError(_("Ønsket er allerede besvaret."))
    answer = clean_text(answer, label=str(gettext_lazy("svaret")), max_length=REQUEST_TEXT_MAX)
    request.status = SupervisionRequest.Status.ANSWERED
    request.answer, request.answered_by, request.answered_at = answer, by, timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    recipient = _requester_recipient(request)
    if recipient is not None:
        enqueue(
            "circles/supervision_answered",
            to=recipient.email,
            to_name=recipient.name,
            key=f"supervision-answered:{request.pk}",
            context={
                "request": request,
                "network": request.network,
                "recipient": recipient,
                "url": reverse("circles:supervision", args=[request.network_id]),
            },
            branch=request.network.branch,
        )
    return request


# The leave letter (seed 002 "Kære leder") ---------------------------------------------------------

DEFAULT_LEAVE_LETTER = gettext_lazy(
    "Kære leder\n\n"
    "I {kreds} har vi et tilbud til arbejdsmiljørepræsentanterne (AMR), som er medlem hos os. "
    "AMR'en har fået tilbud om at indgå i et fagligt netværk med andre AMR'er. I det faglige netværk "
    "kan de blive fagligt opdateret og udviklet samt få styrket deres kompetencer som AMR i både det "
    "daglige og strategiske arbejdsmiljøarbejde på arbejdspladsen.\n\n"
    "Faglighed og godt arbejdsmiljø er hinandens forudsætninger. Jo bedre arbejdsmiljøet er, desto "
    "bedre er mulighederne for, at medarbejderne præsterer optimalt. Et godt arbejdsmiljø er "
    "forudsætningen for, at fagligheden kan udfolde sig til gavn for mennesker med behov for hjælp og "
    "støtte.\n\n"
    "I netværket får AMR mulighed for at erfarings- og idéudveksle, gå i dybden med et specifikt "
    "arbejdsmiljøområde og drøfte de store og små udfordringer, man har som AMR. Netværksmøderne "
    "faciliteres af en faglig konsulent fra {kreds}, som yder konsulentbistand, faglig sparring og "
    "undervisning.\n\n"
    "Vi håber, at arbejdspladsen yder AMR den nødvendige tjenestefrihed med løn til at deltage i "
    "netværksmøderne. En forudsætning for, at AMR'erne kan deltage, er, at du som leder bakker op om "
    "deres deltagelse.\n\n"
    "Har du spørgsmål, er du altid velkommen til at kontakte {kreds} på {kontor_email}.\n\n"
    "Venlig hilsen\n"
    "{kreds}"
)

PLACEHOLDERS = {
    "kreds": gettext_lazy("kredsens navn"),
    "netværk": gettext_lazy("netværkets navn"),
    "kontor_email": gettext_lazy("kredskontorets e-mail"),
    "leder": gettext_lazy("lederens navn (eller 'leder')"),
    "medlem": gettext_lazy("medlemmets navn"),
    "arbejdsplads": gettext_lazy("arbejdspladsens navn"),
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(re.escape(name) for name in PLACEHOLDERS) + r")\}")


def leave_letter_template(branch: Branch) -> str:
    """The branch's letter as its office wrote it, or the default letter."""
    if branch.leave_letter.strip():
        return branch.leave_letter.strip()
    with translation.override("da"):
        return str(DEFAULT_LEAVE_LETTER)


def fill_letter(template: str, values: dict[str, str]) -> str:
    """The letter with its known placeholders filled in; any other braces are left as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


def meeting_dates(network: Network, year: int) -> list[datetime]:
    """The network's meetings in ``year`` that are not cancelled, as local start times."""
    starts = (
        Meeting.objects.filter(network=network, starts_at__year=year)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    return [timezone.localtime(moment) for moment in starts]


def danish_date(moment: datetime) -> str:
    """'torsdag den 12. marts 2026 kl. 15.00'."""
    with translation.override("da"):
        day = formats.date_format(moment, "l \\d\\e\\n j. F Y")
        time = formats.time_format(moment, "H.i")
    return _("%(day)s kl. %(time)s") % {"day": day, "time": time}


def letter_version(template: str, dates: list[datetime]) -> str:
    payload = template + "\n" + "\n".join(moment.isoformat() for moment in dates)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class LetterRecipient:
    person: Person
    workplace: Workplace | None
    already_sent: bool = False

    @property
    def manager_email(self) -> str:
        return self.workplace.manager_email if self.workplace else ""


@dataclass
class LetterPlan:
    """What a send would do: the letter, the dates, and each member's place in it."""

    network: Network
    year: int
    template: str
    dates: list[datetime]
    version: str
    to_send: list[LetterRecipient] = field(default_factory=list)
    already_sent: list[LetterRecipient] = field(default_factory=list)
    no_manager: list[LetterRecipient] = field(default_factory=list)

    @property
    def danish_dates(self) -> list[str]:
        return [danish_date(moment) for moment in self.dates]


def _letter_workplace(mandates: list[Mandate]) -> Workplace | None:
    """The workplace of the member's current mandate: an AMR mandate first, then the newest."""
    if not mandates:
        return None
    chosen = sorted(mandates, key=lambda m: (m.role not in AMR_ROLES, -m.elected_on.toordinal(), m.pk))
    return chosen[0].workplace


def check_letter_year(year) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(_("Vælg et gyldigt år.")) from None
    if not this_year <= year <= this_year + 1:
        raise ValidationError(
            _("Brevet kan sendes for %(this)d eller %(next)d.") % {"this": this_year, "next": this_year + 1}
        )
    return year


def can_send_leave_letter(user: User, network: Network) -> bool:
    if network.consultant_id is not None and network.consultant_id == user.pk:
        return True
    return is_branch_office(user, network.branch_id)


def leave_letter_plan(*, network: Network, year: int) -> LetterPlan:
    """Who gets the letter for ``year``, who already got this version and who has no manager address.

    A constant number of queries, however many members the network has."""
    template = leave_letter_template(network.branch)
    dates = meeting_dates(network, year)
    version = letter_version(template, dates)
    memberships = (
        Membership.objects.active()
        .filter(network=network, person__anonymised_at__isnull=True)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
    people = [membership.person for membership in memberships]
    mandates: dict[int, list[Mandate]] = {}
    for mandate in (
        Mandate.objects.active().filter(person__in=[p.pk for p in people]).select_related("workplace")
    ):
        mandates.setdefault(mandate.person_id, []).append(mandate)
    sent = set(
        LeaveLetter.objects.filter(network=network, year=year, version=version).values_list(
            "person_id", flat=True
        )
    )
    plan = LetterPlan(network=network, year=year, template=template, dates=dates, version=version)
    for person in people:
        entry = LetterRecipient(person=person, workplace=_letter_workplace(mandates.get(person.pk, [])))
        if person.pk in sent:
            entry.already_sent = True
            plan.already_sent.append(entry)
        elif not entry.manager_email:
            plan.no_manager.append(entry)
        else:
            plan.to_send.append(entry)
    return plan


@dataclass
class LetterResult:
    sent: int
    already_sent: int
    no_manager: int


def _letter_values(plan: LetterPlan, entry: LetterRecipient) -> dict[str, str]:
    branch = plan.network.branch
    return {
        "kreds": branch.name,
        "netværk": plan.network.name,
        "kontor_email": branch.office_email,
        "leder": entry.workplace.manager_name or _("leder"),
        "medlem": entry.person.name,
        "arbejdsplads": entry.workplace.name,
    }


@transaction.atomic
def leave_letter_send(*, network: Network, year: int, by: User) -> LetterResult:
    """Mail this year's version of the letter to each member's manager (a copy to the member).

    Nobody gets the same version twice: the network's row is locked while sending, and each send
    records a ``LeaveLetter`` for (network, member, year, version)."""
    network = Network.objects.select_for_update(of=("self",)).select_related("branch").get(pk=network.pk)
    if not can_send_leave_letter(by, network):
        raise PermissionDenied
    if network.kind not in LEAVE_LETTER_KINDS:
        raise ValidationError(_("Brevet om tjenestefrihed sendes kun for AMR-netværk og blandede netværk."))
    year = check_letter_year(year)
    plan = leave_letter_plan(network=network, year=year)
    if not plan.dates:
        raise ValidationError(
            _("Netværket har ingen møder i %(year)d at sende datoerne for.") % {"year": year}
        )
    dates = plan.danish_dates
    branch = network.branch
    for entry in plan.to_send:
        letter = fill_letter(plan.template, _letter_values(plan, entry))
        record = LeaveLetter.objects.create(
            network=network,
            person=entry.person,
            workplace=entry.workplace,
            year=year,
            version=plan.version,
            manager_email=entry.manager_email,
            sent_by=by,
        )
        context = {
            "letter": letter,
            "dates": dates,
            "year": year,
            "network": network,
            "person": entry.person,
            "workplace": entry.workplace,
            "manager_name": entry.workplace.manager_name,
        }
        enqueue(
            "circles/leave_letter",
            to=entry.manager_email,
            to_name=entry.workplace.manager_name,
            key=f"leave-letter:{record.pk}:manager",
            context=context,
            branch=branch,
        )
        if entry.person.email:
            enqueue(
                "circles/leave_letter_copy",
                to=entry.person.email,
                to_name=entry.person.name,
                key=f"leave-letter:{record.pk}:member",
                context=context,
                branch=branch,
            )
    return LetterResult(
        sent=len(plan.to_send), already_sent=len(plan.already_sent), no_manager=len(plan.no_manager)
    )


def supervision_requests_for(network: Network):
    return SupervisionRequest.objects.filter(network=network).select_related("answered_by")
