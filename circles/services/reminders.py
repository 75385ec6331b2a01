"""The periodic reminders: decided set-based from the database, sent exactly once.

Four jobs (``JOBS``), each run by Celery beat once a day (the digest monthly) or by hand with
``manage.py run_job``:

- ``cadence``: at the start of each quarter and, if the branch wants it, mid-quarter (the 15th of
  the quarter's second month), whoever runs an active network (the coordinator; for an AMR network
  the facilitating consultant; without either, the branch office) is told when the network has no
  meeting in the quarter or cannot reach its minimum for the year with what is held and planned.
  A run missed by beat catches up within ``CATCH_UP_DAYS``.
- ``digest``: on the first days of each month, each branch office gets the list of its networks that
  are behind, with the overview's figures.
- ``meeting_reminders``: the branch's ``meeting_reminder_days`` and ``meeting_last_reminder_days``
  before a planned meeting, each invited person (and the consultant) who has not declined gets a
  reminder with the calendar file and a fresh answer link. Only reminders due *today* are decided,
  so a person invited later is never sent a stale one; a moved meeting is reminded on its new date
  (the date is in the key); a cancelled one is not planned and never reminded.
- ``minutes_overdue``: a held meeting without submitted minutes reminds its coordinator after
  ``minutes_reminder_days`` and tells the office after ``minutes_office_days``; minutes sent back by
  the office and not resubmitted after ``returned_minutes_days`` the same (office at
  ``minutes_office_days`` after the return).

Exactly once: each reminder has a key (job, object, period, recipient) that is both the outbox key
and ``Reminder.key`` (both unique), written in the same transaction. A run takes a PostgreSQL
advisory lock for its job, so two beats, a retried task or a hand run wait for each other and the
second finds the keys already recorded. Due dates are read from the database on each run, never
kept as Celery ETAs.

Each decision is a fixed number of queries whatever the number of networks (see tests/perf/jobs.py).
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import Mail, enqueue_many

from ..calendar import ics_attachment
from ..models import Branch, Invitation, Meeting, Minutes, Network, Reminder
from .meetings import meeting_topic
from .progress import with_year_progress

CATCH_UP_DAYS = 7  # a quarter's or month's reminder missed by beat is still sent this many days late
CHUNK = 500  # rows per fetch from the server-side cursor: what a decision holds at once
SEND_BATCH = 500  # reminders recorded per bulk insert
MINUTES_LOOKBACK_DAYS = 180  # older meetings without minutes are the office's business, not a nudge
Kind = Reminder.Kind


@dataclass
class Decision:
    """One reminder a job decided to send: who, about what, why."""

    kind: str
    key: str
    branch: Branch
    recipient: Recipient
    reason: str
    template: str
    context: dict = field(default_factory=dict)
    network: Network | None = None
    meeting: Meeting | None = None
    invitation: Invitation | None = None
    # another app's mail (mentoring): its one-time links, sealed by the outbox, and a hook called with
    # the batch's decisions that name it when their mails are recorded (never in a dry run)
    secrets: dict[str, str] = field(default_factory=dict)
    on_send: Callable[[list["Decision"]], None] | None = None
    target: object = None


@dataclass
class Result:
    job: str
    today: date
    decided: int = 0
    sent: int = 0


def rows(queryset) -> Iterable:
    """A decision's rows, streamed in chunks from a server-side cursor on PostgreSQL (memory stays
    flat however many networks), read at once elsewhere (SQLite cannot write while it streams)."""
    if connection.vendor == "postgresql":
        return queryset.iterator(chunk_size=CHUNK)
    return list(queryset)


def recorded(queryset) -> set[str]:
    """The keys already recorded among the reminders a decision could make (one query)."""
    return set(queryset.values_list("key", flat=True))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def moment(today: date) -> datetime:
    """The run's 'now': the real one today, 06:00 on any other day a run is asked for."""
    if today == timezone.localdate():
        return timezone.now()
    return datetime.combine(today, time(6), tzinfo=timezone.get_current_timezone())


def responsible(network: Network) -> tuple[Recipient, bool]:
    """Who is reminded about a network, and whether that is the office (nobody else to tell)."""
    consultant = network.consultant
    if network.kind == Network.Kind.AMR and consultant is not None and consultant.email:
        return Recipient.of_user(consultant), False
    coordinator = network.coordinator
    if coordinator is not None and coordinator.email:
        return Recipient.of_person(coordinator), False
    return Recipient.of_office(network.branch), True


# Meeting cadence ----------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, date, date]:
    """The quarter's number (1–4), first day, and the first day of the next."""
    number = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * number - 2, 1)
    following = date(day.year + 1, 1, 1) if number == 4 else date(day.year, 3 * number + 1, 1)
    return number, first, following


def cadence_checkpoint(today: date) -> tuple[str, bool] | None:
    """The period label due today (``2026Q1a``: quarter start, ``2026Q1b``: mid-quarter) and whether
    it is the mid-quarter one; None when no cadence reminder is due today."""
    number, first, _following = quarter_of(today)
    middle = date(first.year, first.month + 1, 15)
    label = f"{today.year}Q{number}"
    if middle <= today < middle + timedelta(days=CATCH_UP_DAYS):
        return f"{label}b", True
    if first <= today < first + timedelta(days=CATCH_UP_DAYS):
        return f"{label}a", False
    return None


def networks_behind(queryset, *, today: date):
    """Active networks with the overview's figures for the year and their meetings in the quarter."""
    _number, first, following = quarter_of(today)
    start, end = local_midnight(first), local_midnight(following)
    in_quarter = Q(meetings__starts_at__gte=start, meetings__starts_at__lt=end) & ~Q(
        meetings__status=Meeting.Status.CANCELLED
    )
    return with_year_progress(
        queryset.filter(active=True).order_by(), year=today.year, now=moment(today)
    ).annotate(quarter_count=Count("meetings", filter=in_quarter))


def decide_cadence(today: date) -> Iterator[Decision]:
    checkpoint = cadence_checkpoint(today)
    if checkpoint is None:
        return
    period, mid_quarter = checkpoint
    done = recorded(Reminder.objects.filter(kind=Kind.CADENCE, key__startswith=f"cadence:{period}:"))
    networks = Network.objects.all()
    if mid_quarter:
        networks = networks.filter(branch__cadence_mid_quarter=True)
    behind = (
        networks_behind(networks, today=today)
        .filter(Q(quarter_count=0) | Q(behind=True))
        .select_related("branch", "coordinator", "consultant")
        .order_by("pk")
    )
    for network in rows(behind):
        recipient, to_office = responsible(network)
        key = f"cadence:{period}:{network.pk}:{recipient.key}"
        if key in done:
            continue
        planned = network.planned_count + network.awaiting_count
        causes = []
        if network.quarter_count == 0:
            causes.append(_("netværket har intet møde i dette kvartal"))
        if network.behind:
            causes.append(
                _("netværket når ikke sit mål på %(minimum)s møder i år med de afholdte og planlagte")
                % {"minimum": network.minimum_meetings}
            )
        reason = _("%(network)s: %(causes)s (afholdt %(held)s, planlagt %(planned)s, mål %(minimum)s).") % {
            "network": network.name,
            "causes": _(" og ").join(causes),
            "held": network.held_count,
            "planned": planned,
            "minimum": network.minimum_meetings,
        }
        yield (
            Decision(
                kind=Kind.CADENCE,
                key=key,
                branch=network.branch,
                network=network,
                recipient=recipient,
                reason=reason,
                template="circles/cadence_reminder",
                context={
                    "person": recipient,
                    "network": network,
                    "to_office": to_office,
                    "no_meeting_in_quarter": network.quarter_count == 0,
                    "behind": network.behind,
                    "held": network.held_count,
                    "planned": planned,
                    "minimum": network.minimum_meetings,
                    "missing": network.missing_count,
                    "year": today.year,
                    "plan_url": reverse("circles:meeting_plan", args=[network.pk]),
                    "reason": reason,
                },
            )
        )


def decide_digest(today: date) -> Iterator[Decision]:
    if today.day > CATCH_UP_DAYS:
        return
    period = f"{today:%Y-%m}"
    done = recorded(Reminder.objects.filter(kind=Kind.DIGEST, key__startswith=f"digest:{period}:"))
    behind = (
        with_year_progress(Network.objects.filter(active=True).order_by(), year=today.year, now=moment(today))
        .filter(behind=True)
        .select_related("branch")
        .order_by("branch_id", "name")
    )
    networks: list[Network] = []
    for network in rows(behind):
        if networks and networks[0].branch_id != network.branch_id:
            yield from _digest(networks, period, today, done)
            networks = []
        networks.append(network)
    if networks:
        yield from _digest(networks, period, today, done)


def _digest(networks: list[Network], period: str, today: date, done: set[str]) -> Iterator[Decision]:
    """One branch office's digest (its networks behind arrive together, in name order)."""
    branch = networks[0].branch
    recipient = Recipient.of_office(branch)
    key = f"digest:{period}:{recipient.key}"
    if key in done:
        return
    reason = _("Månedsoversigt: %(count)s netværk i %(branch)s er bagud med årets møder.") % {
        "count": len(networks),
        "branch": branch.name,
    }
    yield Decision(
        kind=Kind.DIGEST,
        key=key,
        branch=branch,
        recipient=recipient,
        reason=reason,
        template="circles/digest_office",
        context={
            "person": recipient,
            "branch": branch,
            "networks": networks,
            "year": today.year,
            "month": today,
            "overview_url": reverse("admin:circles_networkoverview_changelist") + "?bagud=ja",
            "settings_url": reverse("admin:circles_branch_change", args=[branch.pk]),
            "reason": reason,
        },
    )


# Before each meeting ------------------------------------------------------------------------------


def decide_meeting_reminders(today: date) -> Iterator[Decision]:
    lead_days = {
        days
        for pair in Branch.objects.values_list("meeting_reminder_days", "meeting_last_reminder_days")
        for days in pair
        if days
    }
    if not lead_days:
        return
    on_day = Q()
    for days in lead_days:
        day = today + timedelta(days=days)
        on_day |= Q(starts_at__gte=local_midnight(day), starts_at__lt=local_midnight(day + timedelta(days=1)))
    meetings = {}
    for meeting in Meeting.objects.filter(
        on_day, status=Meeting.Status.PLANNED, network__active=True
    ).select_related("network__branch"):
        branch = meeting.network.branch
        days = (timezone.localdate(meeting.starts_at) - today).days
        if days in (branch.meeting_reminder_days, branch.meeting_last_reminder_days):
            meetings[meeting.pk] = (meeting, days)
    if not meetings:
        return
    done = recorded(Reminder.objects.filter(kind=Kind.MEETING, meeting_id__in=list(meetings)))
    invitations = (
        Invitation.objects.filter(meeting_id__in=list(meetings))
        .exclude(response=Invitation.Response.NO)
        .select_related("person", "user")
        .order_by("meeting_id", "pk")
    )
    for invitation in rows(invitations):
        meeting, days = meetings[invitation.meeting_id]
        if invitation.person_id is None and invitation.user_id is None:
            continue
        recipient = invitation.recipient
        if not recipient.email:
            continue
        when = timezone.localdate(meeting.starts_at)
        key = f"meeting-reminder:{meeting.pk}:{when.isoformat()}:{days}:{recipient.key}"
        if key in done:
            continue
        if days == 1:
            reason = _("Du er inviteret til mødet i morgen i %(network)s og har ikke meldt afbud.")
        else:
            reason = _("Du er inviteret til mødet om %(days)s dage i %(network)s og har ikke meldt afbud.")
        reason %= {"days": days, "network": meeting.network.name}
        yield (
            Decision(
                kind=Kind.MEETING,
                key=key,
                branch=meeting.network.branch,
                network=meeting.network,
                meeting=meeting,
                invitation=invitation,
                recipient=recipient,
                reason=reason,
                template="circles/reminder_meeting",
                context={
                    "person": recipient,
                    "meeting": meeting,
                    "network": meeting.network,
                    "days": days,
                    "answered_yes": invitation.response == Invitation.Response.YES,
                    "reason": reason,
                },
            )
        )


# Minutes overdue ----------------------------------------------------------------------------------


MINUTES_KINDS = (Kind.MINUTES, Kind.MINUTES_OFFICE, Kind.RETURNED, Kind.RETURNED_OFFICE)


def decide_minutes_overdue(today: date) -> Iterator[Decision]:
    since_start = local_midnight(today - timedelta(days=MINUTES_LOOKBACK_DAYS))
    done = recorded(Reminder.objects.filter(kind__in=MINUTES_KINDS, meeting__starts_at__gte=since_start))
    meetings = (
        Meeting.objects.filter(
            status=Meeting.Status.HELD,
            starts_at__gte=since_start,
            starts_at__lt=local_midnight(today),
        )
        .filter(
            Q(minutes__isnull=True) | Q(minutes__status__in=[Minutes.Status.DRAFT, Minutes.Status.RETURNED])
        )
        .select_related("network__branch", "network__coordinator", "network__consultant", "minutes")
        .order_by("starts_at", "pk")
    )
    for meeting in rows(meetings):
        network, branch = meeting.network, meeting.network.branch
        minutes = getattr(meeting, "minutes", None)
        returned = minutes is not None and minutes.status == Minutes.Status.RETURNED
        if returned:
            since = timezone.localdate(minutes.decided_at)
            first_days, stage = branch.returned_minutes_days, f"returned:{since:%Y%m%d}"
            kinds = (Kind.RETURNED, Kind.RETURNED_OFFICE)
        else:
            since = timezone.localdate(meeting.starts_at)
            first_days, stage = branch.minutes_reminder_days, "minutes"
            kinds = (Kind.MINUTES, Kind.MINUTES_OFFICE)
        elapsed = (today - since).days
        office_due = branch.minutes_office_days is not None and elapsed >= branch.minutes_office_days
        recipient, to_office = responsible(network)
        facts = {
            "network": network.name,
            "date": f"{timezone.localtime(meeting.starts_at):%d.%m.%Y}",
            "days": elapsed,
        }
        if returned:
            reason = _(
                "Referatet fra mødet %(date)s i %(network)s blev sendt retur for %(days)s dage siden "
                "og er ikke indsendt igen."
            )
        else:
            reason = _(
                "Mødet %(date)s i %(network)s blev holdt for %(days)s dage siden, og referatet er ikke indsendt."
            )
        reason %= facts
        context = {
            "meeting": meeting,
            "network": network,
            "returned": returned,
            "days": elapsed,
            "reason": reason,
            "minutes_url": reverse("circles:minutes_edit", args=[meeting.pk]),
        }
        key = f"minutes-overdue:{meeting.pk}:{stage}:{recipient.key}"
        first_due = first_days is not None and elapsed >= first_days and not (to_office and office_due)
        if first_due and key not in done:
            yield Decision(
                kind=kinds[0],
                key=key,
                branch=branch,
                network=network,
                meeting=meeting,
                recipient=recipient,
                reason=reason,
                template="circles/minutes_overdue",
                context={**context, "person": recipient, "to_office": to_office},
            )
        office = Recipient.of_office(branch)
        key = f"minutes-overdue:{meeting.pk}:{stage}:office:{office.key}"
        if office_due and key not in done:
            yield Decision(
                kind=kinds[1],
                key=key,
                branch=branch,
                network=network,
                meeting=meeting,
                recipient=office,
                reason=reason,
                template="circles/minutes_overdue_office",
                context={
                    **context,
                    "person": office,
                    "coordinator": None if to_office else recipient,
                    "admin_url": reverse("admin:circles_meeting_change", args=[meeting.pk]),
                },
            )


# Running a job ------------------------------------------------------------------------------------

JOBS: dict[str, Callable[[date], Iterator[Decision]]] = {
    "cadence": decide_cadence,
    "digest": decide_digest,
    "meeting_reminders": decide_meeting_reminders,
    "minutes_overdue": decide_minutes_overdue,
}


def register_job(name: str, decide: Callable[[date], Iterator[Decision]]) -> None:
    """Let another app (mentoring) add a daily job that decides mails the same way, exactly once.

    Call it from the app's ``AppConfig.ready``; ``run_job`` and ``circles.tasks.run_job`` find it.
    """
    if JOBS.get(name, decide) is not decide:
        raise ValueError(f"job {name!r} is registered already")
    JOBS[name] = decide


def _lock(job: str) -> None:
    """One run of a job at a time (until its transaction ends), across processes, on PostgreSQL."""
    if connection.vendor != "postgresql":
        return  # SQLite writes one transaction at a time anyway; the unique keys still hold
    number = int.from_bytes(hashlib.sha256(f"netvaerk-job:{job}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def _mail(decision: Decision, rotated: list[Invitation]) -> Mail:
    recipient = decision.recipient
    mail = Mail(
        template=decision.template,
        to=recipient.email,
        to_name=recipient.name,
        key=decision.key,
        context=decision.context,
        branch=decision.branch,
    )
    if decision.secrets:
        mail.secrets = dict(decision.secrets)
    if decision.invitation is not None:
        # a fresh answer link per reminder (the invitation's earlier link stops working), sealed
        token = tokens.issue()
        decision.invitation.token_hash = token.digest
        rotated.append(decision.invitation)
        mail.secrets = {"answer_url": reverse("circles:rsvp", args=[token.raw])}
        mail.attachments = [ics_attachment(decision.meeting, attendee=recipient)]
        mail.topic = meeting_topic(decision.meeting.pk, recipient.key)
    return mail


def send(decisions: list[Decision]) -> int:
    """Record the reminders and their mails in the caller's transaction; returns how many mails."""
    rotated: list[Invitation] = []
    mails = [_mail(decision, rotated) for decision in decisions]
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=decision.kind,
                key=decision.key,
                branch=decision.branch,
                network=decision.network,
                meeting=decision.meeting,
                recipient=f"{decision.recipient.name} <{decision.recipient.email}>"[:160],
                reason=decision.reason[:500],
            )
            for decision in decisions
        ],
        ignore_conflicts=True,
    )
    if rotated:
        Invitation.objects.bulk_update(rotated, ["token_hash"])
    hooks: dict[Callable, list[Decision]] = {}
    for decision in decisions:
        if decision.on_send is not None:
            hooks.setdefault(decision.on_send, []).append(decision)
    for hook, chosen in hooks.items():
        hook(chosen)
    return enqueue_many(mails)


def batches(decisions: Iterable[Decision], size: int | None = None) -> Iterator[list[Decision]]:
    size = size or SEND_BATCH
    batch: list[Decision] = []
    for decision in decisions:
        batch.append(decision)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(
    job: str,
    *,
    today: date | None = None,
    dry_run: bool = False,
    each: Callable[[Decision], None] | None = None,
) -> Result:
    """Decide and (unless ``dry_run``) send one job's reminders due on ``today``, exactly once.

    The decisions stream from the database and are recorded ``SEND_BATCH`` at a time, all in one
    transaction: a crash records nothing, and the next run decides the same again. ``each`` is
    called with every reminder decided (``run_job`` prints them).
    """
    if job not in JOBS:
        raise KeyError(job)
    today = today or timezone.localdate()
    result = Result(job=job, today=today)
    with transaction.atomic():
        if not dry_run:
            _lock(job)
        for batch in batches(JOBS[job](today)):
            result.decided += len(batch)
            for decision in batch if each else ():
                each(decision)
            if not dry_run:
                result.sent += send(batch)
    return result
