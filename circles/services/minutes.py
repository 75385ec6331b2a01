"""Minutes: write, upload, submit, approve, return. Mails carry a link, never the content.

Who is told: at every submission the minutes' recipients (``recipients``) get a link they can open,
and the branch office a link to its review page in the admin. At approval those recipients who were
not mailed at any submission (attendance recorded later, a member who joined since) are told too;
nobody is mailed the same minutes twice for one version.

Each network's voice lives in its minutes (seeds 000 §2, 001/002 "Forankring og formulering"):

- Key messages (``Minutes.key_messages``, AMR and mixed networks only): a separate, NON-confidential
  text written by whoever may edit the minutes, snapshotted in each ``MinutesVersion``. When the
  office approves the minutes, the approved version's key messages travel as the mail's text itself
  (never the minutes text, never a link to the minutes) to ``key_message_recipients``: the TRs and
  FTRs with an active mandate at a workplace of the network's employer (a network built on an
  employer) or of a municipality its kommunegruppe names (``group_names_municipality``); and the
  managers (``Workplace.manager_email``) of the participants' workplaces. Participants are the
  meeting's recorded attendance; when no attendance was recorded, the invited members (the people
  the coordinator expected; an empty attendance list means "not recorded", not "nobody came").
  Each address once (case-insensitive; a TR who is also a manager is mailed as TR), one
  ``KeyMessageDelivery`` per address, keyed per minutes and address: approval is final and the key
  makes a repeat a no-op, so nobody is mailed the same key messages twice.
- Points for the board (``BoardPoint``, TR and mixed networks only): saved with the draft, at most
  ``BOARD_POINTS_MAX`` per minutes. While the minutes are a draft (or returned) their NEW points are
  the coordinator's working copy and may be changed or deleted; the office sees a minutes' points once
  the minutes are submitted or approved (the office's list filters on that status). A point the office
  has taken up or answered is never changed or deleted from the minutes form. Points are not
  confidential, also in confidential minutes: they are written for the branch board.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import Mail, enqueue, enqueue_many

from ..models import (
    MINUTES_TEXT_MAX,
    BoardPoint,
    BoardTopic,
    KeyMessageDelivery,
    Mandate,
    Meeting,
    Membership,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    Network,
    Person,
    User,
    Workplace,
)
from ..models.minutes import KEY_MESSAGES_MAX
from ..models.voice import POINT_TEXT_MAX
from ..permissions import reads_working_copy
from ..uploads import safe_filename, sniff
from .mandates import group_names_municipality

RETURN_COMMENT_MAX = Minutes._meta.get_field("return_comment").max_length
POINT_TITLE_MAX = BoardPoint._meta.get_field("title").max_length
BOARD_POINTS_MAX = 10


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def check_text(text: str) -> None:
    """The minutes text fits (the form and the service share this)."""
    if len(text) > MINUTES_TEXT_MAX:
        raise ValidationError(
            _("Referatet er for langt (højst %(limit)s tegn). Upload det som fil.")
            % {"limit": _thousands(MINUTES_TEXT_MAX)}
        )


def _no_nul(text: str, what: str) -> None:
    if "\x00" in text:
        raise ValidationError(_("%(what)s indeholder ugyldige tegn (NUL).") % {"what": what})


def has_key_messages(network: Network) -> bool:
    """AMR and mixed networks pass key messages on; a TR network's minutes have none."""
    return network.kind != Network.Kind.TR


def has_board_points(network: Network) -> bool:
    """TR and mixed networks write points for the board."""
    return network.is_tr_network


def check_key_messages(text: str) -> None:
    _no_nul(text, _("De centrale budskaber"))
    if len(text) > KEY_MESSAGES_MAX:
        raise ValidationError(
            _("De centrale budskaber er for lange (højst %(limit)s tegn).")
            % {"limit": _thousands(KEY_MESSAGES_MAX)}
        )


@dataclass(frozen=True)
class PointInput:
    """One point for the board as the minutes form sends it; ``id`` names an existing NEW point."""

    topic_id: int
    title: str
    text: str
    id: int | None = None


def check_point(title: str, text: str) -> None:
    """One point's title and text fit (the form and the service share this)."""
    _no_nul(title, _("Overskriften"))
    _no_nul(text, _("Teksten"))
    if not title.strip():
        raise ValidationError(_("Giv punktet til kredsbestyrelsen en overskrift."))
    if not text.strip():
        raise ValidationError(_("Skriv, hvad punktet til kredsbestyrelsen handler om."))
    if len(title.strip()) > POINT_TITLE_MAX:
        raise ValidationError(
            _("Overskriften er for lang (højst %(limit)s tegn).") % {"limit": POINT_TITLE_MAX}
        )
    if len(text.strip()) > POINT_TEXT_MAX:
        raise ValidationError(
            _("Punktets tekst er for lang (højst %(limit)s tegn).") % {"limit": _thousands(POINT_TEXT_MAX)}
        )


def board_topics(network: Network, minutes: Minutes | None = None):
    """The topics a point may have: the branch's active ones, and any a point of ``minutes`` has."""
    rule = Q(branch_id=network.branch_id, active=True)
    if minutes is not None and minutes.pk is not None:
        rule |= Q(pk__in=minutes.board_points.values("topic_id"))
    return BoardTopic.objects.filter(rule).order_by("position", "name")


def check_return_comment(comment: str) -> None:
    if not comment:
        raise ValidationError(_("Skriv en kommentar, så koordinatoren ved, hvad der skal rettes."))
    if len(comment) > RETURN_COMMENT_MAX:
        raise ValidationError(
            _("Kommentaren er for lang (højst %(limit)s tegn).") % {"limit": _thousands(RETURN_COMMENT_MAX)}
        )


def _new_minutes(meeting: Meeting) -> dict:
    return {"confidential": meeting.network.kind != Network.Kind.TR}  # AMR minutes start confidential


def minutes_or_new(meeting: Meeting) -> Minutes:
    """The meeting's minutes, or an unsaved empty draft: what a GET shows. Writes nothing."""
    try:
        return Minutes.objects.get(meeting=meeting)
    except Minutes.DoesNotExist:
        return Minutes(meeting=meeting, **_new_minutes(meeting))


def minutes_for(meeting: Meeting) -> Minutes:
    """The meeting's minutes, created as an empty draft the first time. Only on a POST (a save)."""
    minutes, _created = Minutes.objects.get_or_create(meeting=meeting, defaults=_new_minutes(meeting))
    return minutes


def _locked(meeting: Meeting) -> Minutes:
    minutes_for(meeting)
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__network__branch")
        .get(meeting=meeting)
    )


def _check_editable(minutes: Minutes) -> None:
    if not minutes.is_editable:
        raise ValidationError(
            _("Referatet er indsendt og låst. Det kan kun rettes, hvis kredskontoret sender det retur.")
        )


@transaction.atomic
def minutes_save(
    *,
    meeting: Meeting,
    by: User,
    text: str,
    confidential: bool,
    upload=None,
    revision: int,
    key_messages: str | None = None,
    points: list[PointInput] | None = None,
) -> Minutes:
    """Save the working copy. ``key_messages`` and ``points`` left as None are kept as they are;
    ``points`` given replaces the minutes' NEW points (see the module). All or nothing."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst og får intet referat."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Der kan først skrives referat, når mødet er begyndt."))
    text = text.strip()
    check_text(text)
    network = meeting.network
    if key_messages is not None:
        key_messages = key_messages.strip()
        if key_messages and not has_key_messages(network):
            raise ValidationError(_("Et TR-netværks referat har ingen centrale budskaber."))
        check_key_messages(key_messages)
    if points and not has_board_points(network):
        raise ValidationError(_("Kun TR-netværk og blandede netværk skriver punkter til kredsbestyrelsen."))
    minutes = _locked(meeting)
    _check_editable(minutes)
    if revision != minutes.revision:
        raise ValidationError(
            _("Referatet er blevet ændret, siden du åbnede det. Genindlæs siden, og lav dine ændringer igen.")
        )
    if points is not None:
        _save_points(minutes, network, points)
    if upload is not None:
        kind = sniff(upload)
        MinutesAttachment.objects.create(
            minutes=minutes,
            file=upload,
            kind=kind,
            original_name=safe_filename(upload.name),
            size=upload.size,
            uploaded_by=by,
        )
    minutes.text = text
    minutes.confidential = confidential
    if key_messages is not None:
        minutes.key_messages = key_messages
    minutes.revision += 1
    minutes.save(update_fields=["text", "key_messages", "confidential", "revision"])
    return minutes


def _save_points(minutes: Minutes, network: Network, points: list[PointInput]) -> None:
    """Replace the minutes' NEW points with ``points`` (checked first: a refusal changes nothing)."""
    existing = {point.pk: point for point in minutes.board_points.select_for_update()}
    handled = [point for point in existing.values() if point.status != BoardPoint.Status.NEW]
    if len(handled) + len(points) > BOARD_POINTS_MAX:
        raise ValidationError(
            _("Højst %(limit)s punkter til kredsbestyrelsen pr. referat.") % {"limit": BOARD_POINTS_MAX}
        )
    topics = set(board_topics(network, minutes).values_list("pk", flat=True))
    kept = set()
    for point in points:
        check_point(point.title, point.text)
        if point.topic_id not in topics:
            raise ValidationError(_("Vælg et af kredsens emner til punktet."))
        if point.id is not None:
            current = existing.get(point.id)
            if current is None or point.id in kept:
                raise ValidationError(_("Punktet findes ikke i dette referat. Genindlæs siden."))
            if current.status != BoardPoint.Status.NEW:
                raise ValidationError(
                    _("Kredskontoret har behandlet punktet “%(title)s”; det kan ikke længere rettes.")
                    % {"title": current.title}
                )
            kept.add(point.id)
    minutes.board_points.filter(status=BoardPoint.Status.NEW).exclude(pk__in=kept).delete()
    for point in points:
        fields = {"topic_id": point.topic_id, "title": point.title.strip(), "text": point.text.strip()}
        if point.id is None:
            BoardPoint.objects.create(minutes=minutes, network=network, **fields)
            continue
        current = existing[point.id]
        if any(getattr(current, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(current, name, value)
            current.save(update_fields=list(fields))


@transaction.atomic
def minutes_file_remove(*, file_id: int, by: User) -> Minutes:
    """Remove a wrongly uploaded file while the minutes can be edited. A file that was part of a
    submitted version stays: nothing that was sent is ever lost."""
    attachment = MinutesAttachment.objects.select_related("minutes__meeting").get(pk=file_id)
    minutes = _locked(attachment.minutes.meeting)
    _check_editable(minutes)
    if attachment.versions.exists():
        raise ValidationError(_("Filen er sendt med en indsendt version og bliver i historikken."))
    stored = attachment.file
    attachment.delete()
    minutes.revision += 1
    minutes.save(update_fields=["revision"])
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
    return minutes


@dataclass(frozen=True)
class MinutesCopy:
    """What one reader is shown: the working copy (``version`` None) or a submitted version."""

    text: str
    file: MinutesAttachment | None
    version: int | None
    key_messages: str = ""


def readable_copy(*, minutes: Minutes, user) -> MinutesCopy | None:
    """The coordinator and consultant read the working copy; every other reader (who may read the
    minutes at all: check ``can_read_minutes`` first) reads the last submitted version."""
    if reads_working_copy(user, minutes):
        return MinutesCopy(
            text=minutes.text, file=minutes.files.first(), version=None, key_messages=minutes.key_messages
        )
    return last_submitted(minutes)


def last_submitted(minutes: Minutes) -> MinutesCopy | None:
    version = minutes.versions.select_related("attachment").first()
    if version is None:
        return None
    return MinutesCopy(
        text=version.text, file=version.attachment, version=version.number, key_messages=version.key_messages
    )


def recipients(minutes: Minutes) -> list[Recipient]:
    """Who gets the minutes: the participants, else the invited, else the active members; and the
    facilitating consultant, who follows an AMR network's minutes. Confidential minutes go only to
    the network's circle (its active members and coordinator), so every mailed link opens."""
    meeting = minutes.meeting
    network = meeting.network
    circle = Q(pk__in=Membership.objects.active().filter(network=network).values("person_id"))
    if network.coordinator_id is not None:
        circle |= Q(pk=network.coordinator_id)
    people = []
    for queryset in (
        Person.objects.filter(pk__in=meeting.attendance.values("person_id")),
        Person.objects.filter(pk__in=meeting.invitations.filter(person__isnull=False).values("person_id")),
        Person.objects.filter(memberships__network=network, memberships__left_on__isnull=True),
    ):
        if minutes.confidential:
            queryset = queryset.filter(circle)
        people = [Recipient.of_person(person) for person in queryset.distinct().order_by("name")]
        if people:
            break
    consultant = network.consultant
    if consultant is not None and consultant.email:
        people.append(Recipient.of_user(consultant))
    return people


def _submitted_key(minutes: Minutes, number: int, recipient: Recipient) -> str:
    return f"minutes-submitted:{minutes.pk}:v{number}:{recipient.key}"


def _told(minutes: Minutes) -> set[str]:
    """The recipient keys that were mailed a link at any submission of these minutes."""
    keys = OutboundEmail.objects.filter(key__startswith=f"minutes-submitted:{minutes.pk}:v").values_list(
        "key", flat=True
    )
    return {key.rsplit(":", 1)[-1] for key in keys}


def _context(minutes: Minutes, **extra) -> dict:
    meeting = minutes.meeting
    return {
        "minutes": minutes,
        "meeting": meeting,
        "network": meeting.network,
        "url": reverse("circles:minutes_detail", args=[meeting.pk]),
        **extra,
    }


@transaction.atomic
def minutes_submit(*, meeting: Meeting, by: User) -> Minutes:
    minutes = _locked(meeting)
    if not minutes.is_editable:
        raise ValidationError(_("Referatet er allerede indsendt."))
    current_file = minutes.files.first()
    if not minutes.text and current_file is None:
        raise ValidationError(_("Referatet er tomt. Skriv referatet eller upload en fil, før du indsender."))
    now = timezone.now()
    number = (minutes.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    MinutesVersion.objects.create(
        minutes=minutes,
        number=number,
        text=minutes.text,
        key_messages=minutes.key_messages,
        attachment=current_file,
        submitted_at=now,
        submitted_by=by,
    )
    minutes.status = Minutes.Status.SUBMITTED
    minutes.submitted_at, minutes.submitted_by = now, by
    minutes.decided_at, minutes.decided_by = None, None
    minutes.return_comment = ""  # the versions keep the office's earlier comments
    minutes.revision += 1
    minutes.save()
    branch = meeting.network.branch
    for person in recipients(minutes):
        enqueue(
            "circles/minutes_submitted",
            to=person.email,
            to_name=person.name,
            key=_submitted_key(minutes, number, person),
            context=_context(minutes, person=person),
            branch=branch,
        )
    office = Recipient.of_office(branch)
    enqueue(
        "circles/minutes_submitted",
        to=office.email,
        to_name=office.name,
        key=_submitted_key(minutes, number, office),
        context=_context(
            minutes,
            person=None,
            office=True,
            url=reverse("admin:circles_minutes_change", args=[minutes.pk]),
        ),
        branch=branch,
    )
    return minutes


def _decide(minutes_id: int, by: User, status: str, comment: str = "") -> Minutes:
    minutes = (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__network__branch", "meeting__network__coordinator")
        .get(pk=minutes_id)
    )
    if minutes.status != Minutes.Status.SUBMITTED:
        raise ValidationError(_("Kun indsendte referater kan godkendes eller sendes retur."))
    minutes.status = status
    minutes.decided_at, minutes.decided_by = timezone.now(), by
    minutes.return_comment = comment
    minutes.revision += 1
    minutes.save()
    minutes.versions.filter(number=minutes.versions.aggregate(last=Max("number"))["last"]).update(
        decision=status, return_comment=comment
    )
    branch = minutes.meeting.network.branch
    coordinator = minutes.meeting.network.coordinator
    if coordinator is not None:
        enqueue(
            f"circles/minutes_{status}",
            to=coordinator.email,
            to_name=coordinator.name,
            key=f"minutes-{status}:{minutes.pk}:r{minutes.revision}",
            context=_context(minutes, person=coordinator),
            branch=branch,
        )
    return minutes


def _tell_the_untold(minutes: Minutes) -> None:
    """On approval: each recipient who was never mailed a link to these minutes gets one now."""
    told = _told(minutes)
    coordinator_id = minutes.meeting.network.coordinator_id
    for person in recipients(minutes):
        if person.key in told or person.key == str(coordinator_id):  # the coordinator has just been told
            continue
        enqueue(
            "circles/minutes_published",
            to=person.email,
            to_name=person.name,
            key=f"minutes-published:{minutes.pk}:{person.key}",
            context=_context(minutes, person=person),
            branch=minutes.meeting.network.branch,
        )


@transaction.atomic
def minutes_approve(*, minutes_id: int, by: User) -> Minutes:
    minutes = _decide(minutes_id, by, Minutes.Status.APPROVED)
    _tell_the_untold(minutes)
    key_messages_pass_on(minutes=minutes)
    return minutes


# Key messages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyMessageRecipient:
    audience: str
    name: str
    email: str
    person: Person | None = None
    workplace: Workplace | None = None


def _participants(meeting: Meeting):
    """The meeting's recorded attendance; the invited members when attendance was not recorded."""
    present = meeting.attendance.values("person_id")
    if present.exists():
        return present
    return meeting.invitations.filter(person__isnull=False).values("person_id")


def _trs(network: Network):
    """Active TR and FTR mandates of the network's employer, or of its kommunegruppe."""
    mandates = (
        Mandate.objects.active()
        .filter(
            role__in=Mandate.TR_ROLES,
            person__branch_id=network.branch_id,
            person__anonymised_at__isnull=True,
            workplace__employer__branch_id=network.branch_id,
        )
        .exclude(person__email="")
    )
    if network.employer_id is not None:
        mandates = mandates.filter(workplace__employer_id=network.employer_id)
    else:
        municipalities = (
            Workplace.objects.filter(employer__branch_id=network.branch_id)
            .order_by()
            .values_list("municipality", flat=True)
            .distinct()
        )
        named = [
            name for name in municipalities if group_names_municipality(network.municipality_group, name)
        ]
        mandates = mandates.filter(workplace__municipality__in=named)
    return mandates.select_related("person", "workplace").order_by("person__name", "pk")


def _managers(meeting: Meeting):
    """The workplaces (with a manager's address) where the participants hold an active mandate."""
    network = meeting.network
    held = Mandate.objects.active().filter(person_id__in=_participants(meeting)).values("workplace_id")
    return (
        Workplace.objects.filter(pk__in=held, employer__branch_id=network.branch_id)
        .exclude(manager_email="")
        .order_by("name", "pk")
    )


def key_message_recipients(minutes: Minutes) -> list[KeyMessageRecipient]:
    """Who an approved minutes' key messages go to (see the module): each address once."""
    meeting = minutes.meeting
    found: dict[str, KeyMessageRecipient] = {}
    for mandate in _trs(meeting.network):
        person = mandate.person
        found.setdefault(
            person.email.strip().casefold(),
            KeyMessageRecipient(
                audience=KeyMessageDelivery.Audience.TR,
                name=person.name,
                email=person.email.strip(),
                person=person,
                workplace=mandate.workplace,
            ),
        )
    for workplace in _managers(meeting):
        found.setdefault(
            workplace.manager_email.strip().casefold(),
            KeyMessageRecipient(
                audience=KeyMessageDelivery.Audience.MANAGER,
                name=workplace.manager_name or str(_("Leder af %(workplace)s") % {"workplace": workplace}),
                email=workplace.manager_email.strip(),
                workplace=workplace,
            ),
        )
    return list(found.values())


def _key_messages_key(minutes: Minutes, email: str) -> str:
    digest = hashlib.sha256(email.casefold().encode()).hexdigest()[:32]
    return f"minutes-key-messages:{minutes.pk}:{digest}"


def key_messages_pass_on(*, minutes: Minutes) -> int:
    """Mail the approved version's key messages, one mail per recipient, and record who got them.
    Runs in the approval's transaction; a second run adds nothing. Returns how many were added."""
    if minutes.status != Minutes.Status.APPROVED:
        raise ValidationError(_("Centrale budskaber sendes først, når referatet er godkendt."))
    network = minutes.meeting.network
    version = minutes.versions.first()
    text = version.key_messages.strip() if version is not None else ""
    if not text or not has_key_messages(network):
        return 0
    mails, deliveries = [], []
    for recipient in key_message_recipients(minutes):
        key = _key_messages_key(minutes, recipient.email)
        # the context holds no minutes object: the template cannot reach the (confidential) text
        context = {
            "network": network,
            "meeting": minutes.meeting,
            "key_messages": text,
            "recipient": recipient,
            "is_manager": recipient.audience == KeyMessageDelivery.Audience.MANAGER,
        }
        mails.append(
            Mail(
                template="circles/minutes_key_messages",
                to=recipient.email,
                to_name=recipient.name,
                key=key,
                context=context,
                branch=network.branch,
            )
        )
        deliveries.append(
            KeyMessageDelivery(
                minutes=minutes,
                audience=recipient.audience,
                recipient_name=recipient.name[:160],
                recipient_email=recipient.email,
                person=recipient.person,
                workplace=recipient.workplace,
                outbox_key=key,
            )
        )
    KeyMessageDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return enqueue_many(mails)


@transaction.atomic
def minutes_return(*, minutes_id: int, by: User, comment: str) -> Minutes:
    comment = (comment or "").strip()
    check_return_comment(comment)
    return _decide(minutes_id, by, Minutes.Status.RETURNED, comment)
