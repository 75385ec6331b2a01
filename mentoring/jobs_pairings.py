"""The pairings' daily job (``mentor_pairings``), run like the circles jobs (``register_job``).

- One month before a pairing's ``ends_on`` (or later, until the end, if a run was missed), each
  party is reminded, with a fresh link to end the pairing (``Reminder.Kind.MENTOR_ENDING``). A
  pairing shorter than two months gets no such reminder (it would come at the start).
- On ``ends_on`` (or the first run after it), the active pairings that are due are marked
  completed in one UPDATE, their end links die, and each party gets a feedback link
  (``Reminder.Kind.MENTOR_FEEDBACK``; the mail key is the same as for an early end, so a party is
  never asked twice).

Exactly once: the reminder keys are the outbox keys (both unique), and the due pairings are locked
while they are completed, so an early end at the same moment waits and finds the pairing completed.
Each decision is a fixed number of queries whatever the number of pairings.

The links are one-time secrets: each decision carries its link in ``secrets`` (sealed in the
outbox) and the unsaved link row in ``target``; the rows are stored, and the due pairings completed,
by the decisions' ``on_send`` when the batch is recorded, so a dry run changes nothing.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Reminder
from circles.services.reminders import Decision, rows
from netvaerk.outbox.recipients import Recipient

from .models import Pairing, PairingLink
from .services.pairings import (
    FEEDBACK_VALID_DAYS,
    PARTIES,
    add_months,
    end_link_expiry,
    mail_context,
    new_link,
    party_person,
)

JOB = "mentor_pairings"
Kind = Reminder.Kind


def _decision(pairing: Pairing, party: str, link: PairingLink, **fields) -> Decision:
    person = party_person(pairing, party)
    return Decision(
        branch=pairing.programme.branch,
        recipient=Recipient.of_person(person),
        context={**mail_context(pairing, party), **fields.pop("context", {})},
        target=(pairing.pk, link),
        **fields,
    )


def _due(queryset):
    return queryset.select_related("programme__branch", "mentor", "mentee").order_by("pk")


def _save_links(decisions: list[Decision]) -> None:
    """The batch's fresh links are stored when its mails are recorded (one INSERT)."""
    PairingLink.objects.bulk_create([decision.target[1] for decision in decisions])


def decide_ending(today: date) -> Iterator[Decision]:
    """The reminder one month before the end, to both parties, with a fresh end link each."""
    candidates = [
        pairing
        for pairing in rows(
            _due(
                Pairing.objects.filter(
                    status=Pairing.Status.ACTIVE, ends_on__gt=today, ends_on__lte=add_months(today, 1)
                )
            )
        )
        if add_months(pairing.ends_on, -1) > pairing.started_on
    ]
    keys = [f"mentor-ending:{pairing.pk}:{party}" for pairing in candidates for party in PARTIES]
    done = set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
    for pairing in candidates:
        for party in PARTIES:
            key = f"mentor-ending:{pairing.pk}:{party}"
            if key in done:
                continue
            link, path = new_link(
                pairing, party, PairingLink.Purpose.END, expires_at=end_link_expiry(pairing)
            )
            yield _decision(
                pairing,
                party,
                link,
                kind=Kind.MENTOR_ENDING,
                key=key,
                template="mentoring/pairing_ending",
                reason=_("Mentorforløbet %(pairing)s slutter %(date)s.")
                % {"pairing": pairing, "date": pairing.ends_on.strftime("%d.%m.%Y")},
                secrets={"end_url": path},
                on_send=_save_links,
            )


def _complete(decisions: list[Decision]) -> None:
    """The batch's pairings become completed (one UPDATE), their end links die (one UPDATE), and the
    feedback links are stored (one INSERT)."""
    ids = sorted({decision.target[0] for decision in decisions})
    Pairing.objects.filter(pk__in=ids, status=Pairing.Status.ACTIVE).update(
        status=Pairing.Status.COMPLETED, ended_on=F("ends_on")
    )
    PairingLink.objects.filter(
        pairing_id__in=ids, purpose=PairingLink.Purpose.END, used_at__isnull=True
    ).update(used_at=timezone.now())
    _save_links(decisions)


def decide_completion(today: date) -> Iterator[Decision]:
    """The pairings whose term is over: completed when the mails are recorded (so a dry run changes
    nothing), and a feedback link to each party. The due pairings stay locked until the run commits,
    so an early end at the same moment waits and then finds the pairing completed."""
    due = _due(Pairing.objects.filter(status=Pairing.Status.ACTIVE, ends_on__lte=today)).select_for_update(
        of=("self",)
    )
    expires_at = timezone.now() + timedelta(days=FEEDBACK_VALID_DAYS)
    for pairing in rows(due):
        for party in PARTIES:
            key = f"mentor-pairing:{pairing.pk}:feedback:{party}"
            link, path = new_link(pairing, party, PairingLink.Purpose.FEEDBACK, expires_at=expires_at)
            yield _decision(
                pairing,
                party,
                link,
                kind=Kind.MENTOR_FEEDBACK,
                key=key,
                template="mentoring/pairing_feedback",
                reason=_("Mentorforløbet %(pairing)s er gennemført: evaluering.") % {"pairing": pairing},
                context={"valid_days": FEEDBACK_VALID_DAYS},
                secrets={"feedback_url": path},
                on_send=_complete,
            )


def decide_pairing_reminders(today: date) -> Iterator[Decision]:
    yield from decide_ending(today)
    yield from decide_completion(today)
