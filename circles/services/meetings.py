"""Planning, invitations, answers and attendance. Every mail goes through the outbox."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from netvaerk import tokens
from netvaerk.outbox.services import enqueue

from ..calendar import CANCEL, REQUEST, ics_attachment
from ..models import (
    MEETING_YEARS,
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    Membership,
    Network,
    Person,
    User,
)
from .claims import claims_meeting_cancelled

# Changing one of these moves the meeting in people's calendars: raise SEQUENCE and tell the invited.
CALENDAR_FIELDS = ("starts_at", "duration_minutes", "place", "online_url")

# An agenda is a list of points, not a document: the admin page of a 1 MB agenda weighed 9.4 MB.
AGENDA_MAX_ITEMS = 30
AGENDA_MAX_CHARS = 4000
AGENDA_TITLE_MAX = 200  # AgendaItem.title

hash_token = tokens.digest  # the old name, still imported by tests/circles/test_network_meetings.py


@dataclass
class MeetingDraft:
    starts_at: datetime
    duration_minutes: int = 120
    place: str = ""
    online_url: str = ""
    theme: str = ""
    follows_group_meeting: str = ""
    # None: leave the agenda as it is (the admin edits it as rows of its own)
    agenda: list[tuple[str, int | None]] | None = field(default_factory=list)
    record_held: bool = False

    FIELDS = ("starts_at", "duration_minutes", "place", "online_url", "theme", "follows_group_meeting")

    @classmethod
    def from_form(cls, data: dict, *, agenda, record_held: bool = False) -> "MeetingDraft":
        """A draft from a form's cleaned data (the coordinator's form or the admin's)."""
        return cls(**{name: data[name] for name in cls.FIELDS}, agenda=agenda, record_held=record_held)


def in_meeting_years(starts_at: datetime) -> bool:
    """Within 2000–2099 both on the wall clock and in UTC, as the database's check constraint wants."""
    first, last = MEETING_YEARS
    # the year first: year 1 or 9999 cannot always be converted to UTC at all
    return first <= starts_at.year <= last and first <= starts_at.astimezone(UTC).year <= last


def meeting_years_message() -> str:
    first, last = MEETING_YEARS
    return _("Et møde skal ligge mellem år %(first)d og %(last)d.") % {"first": first, "last": last}


def agenda_too_many_message() -> str:
    return _("Dagsordenen må højst have %(count)d punkter.") % {"count": AGENDA_MAX_ITEMS}


def agenda_too_long_message() -> str:
    return _("Dagsordenen må højst fylde %(count)s tegn.") % {
        "count": f"{AGENDA_MAX_CHARS:,}".replace(",", ".")
    }


def check_agenda(agenda: list[tuple[str, int | None]]) -> None:
    if len(agenda) > AGENDA_MAX_ITEMS:
        raise ValidationError(agenda_too_many_message())
    if sum(len(title) for title, _minutes in agenda) > AGENDA_MAX_CHARS:
        raise ValidationError(agenda_too_long_message())
    for title, minutes in agenda:
        if not title or len(title) > AGENDA_TITLE_MAX:
            raise ValidationError(
                _("Et dagsordenspunkt skal have en titel på højst %(count)d tegn.")
                % {"count": AGENDA_TITLE_MAX}
            )
        if minutes is not None and not 1 <= minutes <= 480:
            raise ValidationError(_("Minutter til et punkt skal være mellem 1 og 480."))


def check_draft(draft: MeetingDraft, *, now: datetime | None = None) -> None:
    """The rules for a meeting's time, place and agenda; forms may ask before they call a service."""
    now = now or timezone.now()
    if not in_meeting_years(draft.starts_at):
        raise ValidationError(meeting_years_message())
    if draft.agenda is not None:
        check_agenda(draft.agenda)
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
    if agenda is None:
        return
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=position, title=title, minutes_allotted=minutes)
            for position, (title, minutes) in enumerate(agenda, start=1)
        ]
    )


@transaction.atomic
def meeting_plan(*, network: Network, by: User, drafts: list[MeetingDraft]) -> list[Meeting]:
    """Create one or several meetings at once; all or none."""
    if not drafts:
        raise ValidationError(_("Tilføj mindst ét møde."))
    now = timezone.now()
    meetings = []
    for draft in drafts:
        check_draft(draft, now=now)
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
            updated_by=by,
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


@dataclass(frozen=True)
class MeetingChange:
    """What ``meeting_update`` did, so the coordinator's page and the admin can say it."""

    meeting: Meeting
    moved: bool  # time, length, place or link changed: a new calendar version
    answers_reset: bool  # a new start time: earlier answers no longer hold
    notified: int  # update mails sent

    def message(self) -> str:
        if not self.moved:
            return _("Mødet er gemt.")
        if not self.notified:
            return _("Mødet er gemt. Der er ikke sendt invitationer endnu, så ingen har fået besked.")
        if self.answers_reset:
            return ngettext(
                "Mødet er flyttet. %(count)d inviteret har fået den nye tid og er bedt om at svare igen: "
                "svarene til den gamle tid er nulstillet.",
                "Mødet er flyttet. De %(count)d inviterede har fået den nye tid og er bedt om at svare igen: "
                "svarene til den gamle tid er nulstillet.",
                self.notified,
            ) % {"count": self.notified}
        return ngettext(
            "Mødet er ændret. %(count)d inviteret har fået besked; svarene gælder stadig, da tiden er den samme.",
            "Mødet er ændret. De %(count)d inviterede har fået besked; svarene gælder stadig, da tiden er den samme.",
            self.notified,
        ) % {"count": self.notified}


@transaction.atomic
def meeting_update(*, meeting: Meeting, by: User, draft: MeetingDraft) -> MeetingChange:
    """Change a planned meeting. A new time or place is sent to everyone already invited.

    A new start time resets the answers ("kommer / kommer ikke" was said to the old time) and the
    update mail asks everyone to answer again; a new place, length or link keeps them.
    """
    meeting = _lock(meeting)
    _require_planned(meeting)
    check_draft(draft)
    moved = any(getattr(meeting, name) != getattr(draft, name) for name in CALENDAR_FIELDS)
    new_time = meeting.starts_at != draft.starts_at
    for name in (*CALENDAR_FIELDS, "theme", "follows_group_meeting"):
        setattr(meeting, name, getattr(draft, name))
    if moved:
        meeting.sequence += 1
    meeting.updated_by = by
    meeting.save()
    _replace_agenda(meeting, draft.agenda)
    if new_time:
        meeting.invitations.exclude(response=Invitation.Response.NONE).update(
            response=Invitation.Response.NONE, responded_at=None
        )
    notified = 0
    if moved and meeting.invited_at:
        notified = _send_round(
            meeting,
            meeting.invitations.select_related("person", "user"),
            method=REQUEST,
            update=True,
            answer_again=new_time,
        )
    return MeetingChange(meeting=meeting, moved=moved, answers_reset=new_time, notified=notified)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User) -> Meeting:
    meeting = _lock(meeting)
    _require_planned(meeting)
    meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    meeting.updated_by = by
    meeting.save(update_fields=["status", "sequence", "updated_by", "updated_at"])
    _send_round(meeting, meeting.invitations.select_related("person", "user"), method=CANCEL)
    claims_meeting_cancelled(meeting=meeting, by=by)  # claims already filed: for the office's attention
    return meeting


def _network_people(network: Network) -> Q:
    """The network's active members and its coordinator, as a filter on Person (no joins, no duplicates)."""
    members = Membership.objects.active().filter(network=network).values("person")
    return Q(pk__in=members) | Q(pk=network.coordinator_id)


def invitees(meeting: Meeting):
    return Person.objects.filter(_network_people(meeting.network))


@transaction.atomic
def meeting_invite(*, meeting: Meeting, by: User) -> int:
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
        invitation.token_hash = tokens.issue().digest  # a placeholder: the mailed link is issued below
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


def meeting_topic(meeting_id: int, recipient_key: str) -> str:
    """The outbox topic of every mail about one meeting to one person (invitation, update,
    cancellation, reminder): the newest recorded withdraws the unsent
    older ones, so a reminder still queued when the meeting is moved or cancelled is not sent."""
    return f"meeting:{meeting_id}:{recipient_key}"


def _send_round(
    meeting: Meeting, invitations, *, method: str, update: bool = False, answer_again: bool = False
) -> int:
    """One mail per invitation, each with its own .ics and a fresh answer link.

    The answer link is a one-time secret: it goes to the outbox sealed (``secrets``), the database
    keeps only its digest, and a new round replaces it.
    """
    count = 0
    for invitation in invitations:
        recipient = invitation.recipient
        context = {
            "meeting": meeting,
            "network": meeting.network,
            "person": recipient,
            "update": update,
            "answer_again": answer_again,
        }
        secrets = {}
        if method == CANCEL:
            template = "circles/meeting_cancelled"
        else:
            token = tokens.issue()
            invitation.token_hash = token.digest
            invitation.sent_sequence = meeting.sequence
            invitation.save(update_fields=["token_hash", "sent_sequence"])
            secrets["answer_url"] = reverse("circles:rsvp", args=[token.raw])
            template = "circles/meeting_invitation"
        enqueue(
            template,
            to=recipient.email,
            to_name=recipient.name,
            key=f"meeting-{method.lower()}:{meeting.pk}:{recipient.key}:{meeting.sequence}",
            context=context,
            secrets=secrets,
            branch=meeting.network.branch,
            attachments=[ics_attachment(meeting, attendee=recipient, method=method)],
            topic=meeting_topic(meeting.pk, recipient.key),
        )
        count += 1
    return count


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind a mailed answer link (only the newest link of each invitation works)."""
    return (
        Invitation.objects.select_related("meeting__network", "person", "user")
        .filter(token_hash=tokens.digest(token))
        .first()
    )


def invitation_for_user(meeting: Meeting, user: User) -> Invitation | None:
    """The logged-in user's own invitation to the meeting: as a member, or as its consultant."""
    if not user.is_authenticated:
        return None
    mine = Q(user=user)
    person = getattr(user, "person", None)  # staff have no member record
    if person is not None:
        mine |= Q(person=person)
    return meeting.invitations.filter(mine).select_related("person", "user").first()


@transaction.atomic
def invitation_answer(*, invitation: Invitation, coming: bool, by: User | None = None) -> Invitation:
    """Record "kommer / kommer ikke", from the mailed link (``by`` is None) or on the meeting page.

    Either way only the invited person answers: a logged-in ``by`` must be the one invited.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("meeting", "person")
        .get(pk=invitation.pk)
    )
    if by is not None and not _is_invitee(invitation, by):
        raise ValidationError(_("Du kan kun svare på din egen invitation."))
    meeting = invitation.meeting
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Mødet er aflyst eller afholdt; dit svar kan ikke længere registreres."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("Mødet er begyndt; dit svar kan ikke længere registreres."))
    invitation.response = Invitation.Response.YES if coming else Invitation.Response.NO
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "responded_at"])
    return invitation


def _is_invitee(invitation: Invitation, user: User) -> bool:
    if invitation.user_id is not None:
        return invitation.user_id == user.pk
    return invitation.person.user_id == user.pk


def attendance_candidates(meeting: Meeting):
    """Who can be ticked off: the invited, the network's members and its coordinator."""
    invited = Invitation.objects.filter(meeting=meeting, person__isnull=False).values("person")
    return Person.objects.filter(_network_people(meeting.network) | Q(pk__in=invited)).order_by("name")


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, by: User, person_ids: list[int], mark_held: bool = False
) -> Meeting:
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
    meeting.updated_by = by
    if mark_held:
        meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["status", "updated_by", "updated_at"])
    return meeting


@transaction.atomic
def network_rules_update(*, network: Network, by: User, ground_rules: str) -> Network:
    network.ground_rules = ground_rules.strip()
    network.save(update_fields=["ground_rules"])
    return network
