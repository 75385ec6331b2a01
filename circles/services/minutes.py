"""Minutes: write, upload, submit, approve, return. Mails carry a link, never the content.

Who is told: at every submission the minutes' recipients (``recipients``) get a link they can open,
and the branch office a link to its review page in the admin. At approval those recipients who were
not mailed at any submission (attendance recorded later, a member who joined since) are told too;
nobody is mailed the same minutes twice for one version.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import (
    MINUTES_TEXT_MAX,
    Meeting,
    Membership,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    Network,
    Person,
    User,
)
from ..permissions import reads_working_copy
from ..uploads import safe_filename, sniff

RETURN_COMMENT_MAX = Minutes._meta.get_field("return_comment").max_length


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def check_text(text: str) -> None:
    """The minutes text fits (the form and the service share this)."""
    if len(text) > MINUTES_TEXT_MAX:
        raise ValidationError(
            _("Referatet er for langt (højst %(limit)s tegn). Upload det som fil.")
            % {"limit": _thousands(MINUTES_TEXT_MAX)}
        )


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
    *, meeting: Meeting, by: User, text: str, confidential: bool, upload=None, revision: int
) -> Minutes:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst og får intet referat."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Der kan først skrives referat, når mødet er begyndt."))
    text = text.strip()
    check_text(text)
    minutes = _locked(meeting)
    _check_editable(minutes)
    if revision != minutes.revision:
        raise ValidationError(
            _("Referatet er blevet ændret, siden du åbnede det. Genindlæs siden, og lav dine ændringer igen.")
        )
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
    minutes.revision += 1
    minutes.save(update_fields=["text", "confidential", "revision"])
    return minutes


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


def readable_copy(*, minutes: Minutes, user) -> MinutesCopy | None:
    """The coordinator and consultant read the working copy; every other reader (who may read the
    minutes at all: check ``can_read_minutes`` first) reads the last submitted version."""
    if reads_working_copy(user, minutes):
        return MinutesCopy(text=minutes.text, file=minutes.files.first(), version=None)
    return last_submitted(minutes)


def last_submitted(minutes: Minutes) -> MinutesCopy | None:
    version = minutes.versions.select_related("attachment").first()
    if version is None:
        return None
    return MinutesCopy(text=version.text, file=version.attachment, version=version.number)


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
    return minutes


@transaction.atomic
def minutes_return(*, minutes_id: int, by: User, comment: str) -> Minutes:
    comment = (comment or "").strip()
    check_return_comment(comment)
    return _decide(minutes_id, by, Minutes.Status.RETURNED, comment)
