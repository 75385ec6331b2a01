"""Minutes: write, upload, submit, approve, return. Mails carry a link, never the content."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import Meeting, Minutes, MinutesAttachment, MinutesVersion, Network, Person
from ..uploads import safe_filename, sniff


def minutes_for(meeting: Meeting) -> Minutes:
    """The meeting's minutes, created as an empty draft the first time (confidential by default for AMR)."""
    minutes, _created = Minutes.objects.get_or_create(
        meeting=meeting, defaults={"confidential": meeting.network.kind != Network.Kind.TR}
    )
    return minutes


def _locked(meeting: Meeting) -> Minutes:
    minutes_for(meeting)
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__network__branch")
        .get(meeting=meeting)
    )


@transaction.atomic
def minutes_save(
    *, meeting: Meeting, by, text: str, confidential: bool, upload=None, revision: int
) -> Minutes:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst og får intet referat."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Der kan først skrives referat, når mødet er begyndt."))
    minutes = _locked(meeting)
    if not minutes.is_editable:
        raise ValidationError(
            _("Referatet er indsendt og låst. Det kan kun rettes, hvis kredskontoret sender det retur.")
        )
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
    minutes.text = text.strip()
    minutes.confidential = confidential
    minutes.revision += 1
    minutes.save(update_fields=["text", "confidential", "revision"])
    return minutes


def recipients(minutes: Minutes) -> list[Recipient]:
    """Who gets the minutes: the participants, else the invited, else the active members; and the
    facilitating consultant, who follows an AMR network's minutes."""
    meeting = minutes.meeting
    people = []
    for queryset in (
        Person.objects.filter(attendance__meeting=meeting),
        Person.objects.filter(invitations__meeting=meeting),
        Person.objects.filter(memberships__network=meeting.network, memberships__left_on__isnull=True),
    ):
        people = [Recipient.of_person(person) for person in queryset.distinct().order_by("name")]
        if people:
            break
    consultant = meeting.network.consultant
    if consultant is not None and consultant.email:
        people.append(Recipient.of_user(consultant))
    return people


@transaction.atomic
def minutes_submit(*, meeting: Meeting, by) -> Minutes:
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
    minutes.revision += 1
    minutes.save()
    network = meeting.network
    context = {
        "minutes": minutes,
        "meeting": meeting,
        "network": network,
        "url": reverse("circles:minutes_detail", args=[meeting.pk]),
    }
    for person in recipients(minutes):
        enqueue(
            "circles/minutes_submitted",
            to=person.email,
            to_name=person.name,
            key=f"minutes-submitted:{minutes.pk}:v{number}:{person.key}",
            context={**context, "person": person},
            branch=network.branch,
        )
    enqueue(
        "circles/minutes_submitted",
        to=network.branch.office_email,
        to_name=str(network.branch),
        key=f"minutes-submitted:{minutes.pk}:v{number}:office",
        context={**context, "person": None, "office": True},
        branch=network.branch,
    )
    return minutes


def _decide(minutes_id: int, by, status: str, comment: str = "") -> Minutes:
    minutes = (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__network__branch")
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
    coordinator = minutes.meeting.network.coordinator
    if coordinator is not None:
        enqueue(
            f"circles/minutes_{status}",
            to=coordinator.email,
            to_name=coordinator.name,
            key=f"minutes-{status}:{minutes.pk}:r{minutes.revision}",
            context={
                "minutes": minutes,
                "meeting": minutes.meeting,
                "network": minutes.meeting.network,
                "person": coordinator,
                "url": reverse("circles:minutes_detail", args=[minutes.meeting_id]),
            },
            branch=minutes.meeting.network.branch,
        )
    return minutes


@transaction.atomic
def minutes_approve(*, minutes_id: int, by) -> Minutes:
    return _decide(minutes_id, by, Minutes.Status.APPROVED)


@transaction.atomic
def minutes_return(*, minutes_id: int, by, comment: str) -> Minutes:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Skriv en kommentar, så koordinatoren ved, hvad der skal rettes."))
    return _decide(minutes_id, by, Minutes.Status.RETURNED, comment)
