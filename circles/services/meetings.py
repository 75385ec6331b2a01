"""Planning, invitations, answers and attendance. Every mail goes through the outbox."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk.outbox.services import enqueue

from ..calendar import CANCEL, REQUEST, ics_attachment
from ..models import MEETING_YEARS, AgendaItem, Attendance, Invitation, Meeting, Membership, Network, Person

# Changing one of these moves the meeting in people's calendars: raise SEQUENCE and tell the invited.
CALENDAR_FIELDS = ("starts_at", "duration_minutes", "place", "online_url")


@dataclass
class MeetingDraft:
    starts_at: datetime
    duration_minutes: int = 120
    place: str = ""
    online_url: str = ""
    theme: str = ""
    follows_group_meeting: str = ""
    agenda: list[tuple[str, int | None]] = field(default_factory=list)
    record_held: bool = False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def in_meeting_years(starts_at: datetime) -> bool:
    """Within 2000–2099 both on the wall clock and in UTC, as the database's check constraint wants."""
    first, last = MEETING_YEARS
    # the year first: year 1 or 9999 cannot always be converted to UTC at all
    return first <= starts_at.year <= last and first <= starts_at.astimezone(UTC).year <= last


def meeting_years_message() -> str:
    first, last = MEETING_YEARS
    return _("Et møde skal ligge mellem år %(first)d og %(last)d.") % {"first": first, "last": last}


def _check_draft(draft: MeetingDraft, *, now: datetime) -> None:
    if not in_meeting_years(draft.starts_at):
        raise ValidationError(meeting_years_message())
    if not 15 <= draft.duration_minutes <= 480:
        raise ValidationError(_("Et møde varer mellem 15 minutter og 8 timer."))
    if not draft.place and not draft.online_url:
        raise ValidationError(_("Angiv et mødested eller et link til onlinemødet."))
    if draft.record_held and draft.starts_at > now:
        raise ValidationError(_("Et afholdt møde kan ikke ligge i fremtiden."))
    if not draft.record_held and draft.starts_at < now:
        raise ValidationError(
            _(
                "Mødet den %(date)s ligger i fortiden. Sæt kryds i “registrér et afholdt møde”, hvis det har fundet sted."
            )
            % {"date": timezone.localtime(draft.starts_at).strftime("%d.%m.%Y %H:%M")}
        )


def _replace_agenda(meeting: Meeting, agenda) -> None:
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=position, title=title, minutes_allotted=minutes)
            for position, (title, minutes) in enumerate(agenda, start=1)
        ]
    )


@transaction.atomic
def meeting_plan(*, network: Network, by, drafts: list[MeetingDraft]) -> list[Meeting]:
    """Create one or several meetings at once; all or none."""
    if not drafts:
        raise ValidationError(_("Tilføj mindst ét møde."))
    now = timezone.now()
    meetings = []
    for draft in drafts:
        _check_draft(draft, now=now)
        meeting = Meeting.objects.create(
            network=network,
            starts_at=draft.starts_at,
            duration_minutes=draft.duration_minutes,
            place=draft.place,
            online_url=draft.online_url,
            theme=draft.theme,
            follows_group_meeting=draft.follows_group_meeting,
            status=Meeting.Status.HELD if draft.record_held else Meeting.Status.PLANNED,
            created_by=by,
        )
        _replace_agenda(meeting, draft.agenda)
        meetings.append(meeting)
    return meetings


def _lock(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("network__branch").get(pk=meeting.pk)
    )


def _require_planned(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst."))
    if meeting.status == Meeting.Status.HELD:
        raise ValidationError(_("Mødet er allerede afholdt."))


@transaction.atomic
def meeting_update(*, meeting: Meeting, by, draft: MeetingDraft) -> Meeting:
    """Change a planned meeting. A new time or place is sent to everyone already invited."""
    meeting = _lock(meeting)
    _require_planned(meeting)
    _check_draft(draft, now=timezone.now())
    moved = any(getattr(meeting, name) != getattr(draft, name) for name in CALENDAR_FIELDS)
    for name in (*CALENDAR_FIELDS, "theme", "follows_group_meeting"):
        setattr(meeting, name, getattr(draft, name))
    if moved:
        meeting.sequence += 1
    meeting.save()
    _replace_agenda(meeting, draft.agenda)
    if moved and meeting.invited_at:
        _send_round(
            meeting, meeting.invitations.select_related("person", "user"), method=REQUEST, update=True
        )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by) -> Meeting:
    meeting = _lock(meeting)
    _require_planned(meeting)
    meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    _send_round(meeting, meeting.invitations.select_related("person", "user"), method=CANCEL)
    return meeting


def _network_people(network: Network) -> Q:
    """The network's active members and its coordinator, as a filter on Person (no joins, no duplicates)."""
    members = Membership.objects.active().filter(network=network).values("person")
    return Q(pk__in=members) | Q(pk=network.coordinator_id)


def invitees(meeting: Meeting):
    return Person.objects.filter(_network_people(meeting.network))


@transaction.atomic
def meeting_invite(*, meeting: Meeting, by) -> int:
    """Invite everyone not yet invited to this version of the meeting. Returns how many were invited."""
    meeting = _lock(meeting)
    _require_planned(meeting)
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("Mødet er begyndt: der kan ikke længere sendes invitationer."))
    invited = set(meeting.invitations.exclude(person=None).values_list("person_id", flat=True))
    new = [Invitation(meeting=meeting, person=person) for person in invitees(meeting).exclude(pk__in=invited)]
    consultant = meeting.network.consultant
    # the facilitating consultant needs the meeting in their calendar too
    if consultant and consultant.email and not meeting.invitations.filter(user=consultant).exists():
        new.append(Invitation(meeting=meeting, user=consultant))
    for invitation in new:
        invitation.token_hash = hash_token(secrets.token_urlsafe(32))
    Invitation.objects.bulk_create(new)
    pending = meeting.invitations.filter(
        Q(sent_sequence__isnull=True) | Q(sent_sequence__lt=meeting.sequence)
    )
    count = _send_round(meeting, pending.select_related("person", "user"), method=REQUEST)
    if count == 0:
        raise ValidationError(_("Alle medlemmer er allerede inviteret."))
    meeting.invited_at = meeting.invited_at or timezone.now()
    meeting.save(update_fields=["invited_at", "updated_at"])
    return count


def _send_round(meeting: Meeting, invitations, *, method: str, update: bool = False) -> int:
    """One mail per invitation, each with its own .ics and a fresh answer link."""
    count = 0
    for invitation in invitations:
        recipient = invitation.recipient
        context = {"meeting": meeting, "network": meeting.network, "person": recipient, "update": update}
        if method == CANCEL:
            template = "circles/meeting_cancelled"
        else:
            token = secrets.token_urlsafe(32)
            invitation.token_hash = hash_token(token)
            invitation.sent_sequence = meeting.sequence
            invitation.save(update_fields=["token_hash", "sent_sequence"])
            context["answer_url"] = reverse("circles:rsvp", args=[token])
            template = "circles/meeting_invitation"
        enqueue(
            template,
            to=recipient.email,
            to_name=recipient.name,
            key=f"meeting-{method.lower()}:{meeting.pk}:{recipient.key}:{meeting.sequence}",
            context=context,
            branch=meeting.network.branch,
            attachments=[ics_attachment(meeting, attendee=recipient, method=method)],
        )
        count += 1
    return count


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("meeting__network", "person", "user")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_answer(*, token: str, coming: bool) -> Invitation:
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("Linket er ugyldigt eller erstattet af et nyere."))
    invitation = Invitation.objects.select_for_update().select_related("meeting").get(pk=invitation.pk)
    meeting = invitation.meeting
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Mødet er aflyst eller afholdt; dit svar kan ikke længere registreres."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("Mødet er begyndt; dit svar kan ikke længere registreres."))
    invitation.response = Invitation.Response.YES if coming else Invitation.Response.NO
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "responded_at"])
    return invitation


def attendance_candidates(meeting: Meeting):
    """Who can be ticked off: the invited, the network's members and its coordinator."""
    invited = Invitation.objects.filter(meeting=meeting, person__isnull=False).values("person")
    return Person.objects.filter(_network_people(meeting.network) | Q(pk__in=invited)).order_by("name")


@transaction.atomic
def attendance_record(*, meeting: Meeting, by, person_ids: list[int], mark_held: bool = False) -> Meeting:
    meeting = _lock(meeting)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Mødet er aflyst."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Fremmøde kan først registreres, når mødet er begyndt."))
    allowed = set(attendance_candidates(meeting).filter(pk__in=person_ids).values_list("pk", flat=True))
    if allowed != set(person_ids):
        raise ValidationError(_("Kun netværkets medlemmer og de inviterede kan registreres som mødt."))
    if mark_held and not allowed:
        raise ValidationError(_("Et møde uden registreret fremmøde kan ikke markeres som afholdt."))
    meeting.attendance.exclude(person_id__in=allowed).delete()
    present = set(meeting.attendance.values_list("person_id", flat=True))
    Attendance.objects.bulk_create([Attendance(meeting=meeting, person_id=pk) for pk in allowed - present])
    if mark_held:
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status", "updated_at"])
    return meeting


@transaction.atomic
def network_rules_update(*, network: Network, by, ground_rules: str) -> Network:
    network.ground_rules = ground_rules.strip()
    network.save(update_fields=["ground_rules"])
    return network


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of the year and of the next, in Danish time."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), datetime.min.time(), tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), datetime.min.time(), tzinfo=zone),
    )


def year_plan(network: Network, *, year: int | None = None) -> dict:
    """Held / planned meetings this year against the network's minimum, in one query."""
    now = timezone.now()
    year = year or timezone.localdate().year
    start, end = year_bounds(year)
    counts = network.meetings.filter(starts_at__gte=start, starts_at__lt=end).aggregate(
        held=Count("pk", filter=Q(status=Meeting.Status.HELD)),
        planned=Count("pk", filter=Q(status=Meeting.Status.PLANNED, starts_at__gte=now)),
        awaiting=Count("pk", filter=Q(status=Meeting.Status.PLANNED, starts_at__lt=now)),
    )
    minimum = network.minimum_meetings  # at least 1: a database constraint
    missing = max(minimum - counts["held"] - counts["planned"] - counts["awaiting"], 0)
    held_percent = min(100, round(100 * counts["held"] / minimum))
    return {
        "year": year,
        "minimum": minimum,
        **counts,
        "missing": missing,
        "behind": missing > 0,
        "held_percent": held_percent,
        "planned_percent": min(
            100 - held_percent, round(100 * (counts["planned"] + counts["awaiting"]) / minimum)
        ),
    }
