"""The mentor offers' daily job (``mentor_offers``), run by ``circles.services.reminders``.

- Three days (``REMIND_DAYS``) before an open offer expires, the party whose answer is awaited gets
  a reminder with a fresh link: the link's hash on the offer is replaced when the reminder is
  recorded, so only the newest link works (like the meeting reminders' answer links). A run missed
  by beat still reminds on a later day before the expiry; the key (offer, party, expiry day) makes
  it once per offer and party.
- On or after the expiry, the open offers are set expired in one UPDATE, their requests are open
  again, and whoever sent each offer is told (one decision each).

Each decision is a fixed number of queries whatever the number of offers. The job registers itself
from ``MentoringConfig.ready``.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from circles.models import Reminder
from circles.services.reminders import Decision, local_midnight, moment, recorded, register_job, rows
from netvaerk import tokens
from netvaerk.outbox.recipients import Recipient

from .models import MentorRequest, Offer
from .services import offers as offer_services

REMIND_DAYS = 3
EXPIRED_LOOKBACK_DAYS = 30  # an expired offer not yet told (a run that failed) is told within this
Kind = Reminder.Kind
RELATED = ("request__programme__branch", "request__mentee", "request__created_by", "mentor", "sent_by")


def _reminder(offer: Offer, party: str, today: date, done: set[str]) -> Decision | None:
    person = offer.mentor if party == offer_services.MENTOR else offer.request.mentee
    recipient = Recipient.of_person(person)
    expires_on = timezone.localdate(offer.expires_at)
    key = f"mentor-offer-reminder:{offer.pk}:{expires_on.isoformat()}:{party}"
    if key in done or not recipient.email:
        return None
    reason = _("Du har endnu ikke svaret på mentortilbuddet i %(programme)s, og det udløber %(date)s.") % {
        "programme": offer.request.programme.name,
        "date": formats.date_format(timezone.localtime(offer.expires_at), "j. F Y"),
    }
    token = tokens.issue()  # raw only in this run's memory; its digest is stored when the mail is
    decision = Decision(
        kind=Kind.MENTOR_OFFER,
        key=key,
        branch=offer.request.programme.branch,
        recipient=recipient,
        reason=reason,
        template="mentoring/offer_reminder",
        context={**offer_services._context(offer, recipient, party=party), "reason": reason},
    )
    decision.secrets = {"offer_url": offer_services.link_path(token.raw)}  # sealed in the outbox
    decision.on_send = _rotate  # called with the batch when the mails are recorded (not in a dry run)
    decision.target = (offer, party, token.digest)
    return decision


def _rotate(decisions: list[Decision]) -> None:
    """The reminders' fresh links replace the old ones: one UPDATE per field for the batch."""
    changed = {offer_services.MENTOR: [], offer_services.MENTEE: []}
    for decision in decisions:
        offer, party, digest = decision.target
        setattr(offer, f"{party}_token_hash", digest)
        changed[party].append(offer)
    for party, offers in changed.items():
        if offers:
            Offer.objects.bulk_update(offers, [f"{party}_token_hash"])


# the job runner seals a decision's ``secrets`` and calls its ``on_send`` (circles.services.reminders);
# without that, a reminder would go out without its link, so none is sent
LINKS_SUPPORTED = {"secrets", "on_send"} <= set(getattr(Decision, "__dataclass_fields__", {}))


def decide_reminders(today: date) -> Iterator[Decision]:
    if not LINKS_SUPPORTED:
        return
    now = moment(today)
    due = (
        Offer.objects.filter(
            status__in=Offer.OPEN_STATUSES,
            expires_at__gt=now,
            expires_at__lt=local_midnight(today + timedelta(days=REMIND_DAYS + 1)),
        )
        .select_related(*RELATED)
        .order_by("pk")
    )
    done = recorded(Reminder.objects.filter(kind=Kind.MENTOR_OFFER, key__startswith="mentor-offer-reminder:"))
    for offer in rows(due):
        decision = _reminder(offer, offer_services.awaited_party(offer), today, done)
        if decision is not None:
            yield decision


def decide_expiries(today: date) -> Iterator[Decision]:
    """Open offers past their expiry are set expired (one UPDATE, also in a dry run: their links
    refuse answers from the expiry anyway) and their requests opened again (one UPDATE); each
    sender is told. An expired offer whose sender was not told yet (within ``EXPIRED_LOOKBACK_DAYS``)
    is told on the next run."""
    now = moment(today)
    lapsed_ids = Offer.objects.filter(status__in=Offer.OPEN_STATUSES, expires_at__lte=now).values("pk")
    MentorRequest.objects.filter(status=MentorRequest.Status.OFFERED, offers__pk__in=lapsed_ids).update(
        status=MentorRequest.Status.OPEN
    )
    Offer.objects.filter(status__in=Offer.OPEN_STATUSES, expires_at__lte=now).update(
        status=Offer.Status.EXPIRED
    )
    lapsed = (
        Offer.objects.filter(
            status=Offer.Status.EXPIRED, expires_at__gte=now - timedelta(days=EXPIRED_LOOKBACK_DAYS)
        )
        .select_related(*RELATED)
        .order_by("pk")
    )
    done = recorded(
        Reminder.objects.filter(
            kind=Kind.MENTOR_OFFER_EXPIRED,
            created_at__gte=now - timedelta(days=EXPIRED_LOOKBACK_DAYS + 1),
        )
    )
    for offer in rows(lapsed):
        waited_for = _("mentoren") if offer.mentee_token_hash is None else _("den nye TR")
        reason = _(
            "Mentortilbuddet til %(mentee)s med %(mentor)s som mentor udløb %(date)s uden svar fra %(who)s."
        ) % {
            "mentee": offer.request.mentee.name,
            "mentor": offer.mentor.name,
            "date": formats.date_format(timezone.localtime(offer.expires_at), "j. F Y"),
            "who": waited_for,
        }
        for recipient in offer_services.sender_recipients(offer):
            key = f"mentor-offer-expired:{offer.pk}:{recipient.key}"
            if key in done:
                continue
            yield Decision(
                kind=Kind.MENTOR_OFFER_EXPIRED,
                key=key,
                branch=offer.request.programme.branch,
                recipient=recipient,
                reason=reason,
                template="mentoring/offer_expired",
                context={
                    **offer_services._context(offer, recipient),
                    "reason": reason,
                    "admin_url": offer_services.offer_admin_path(offer),
                },
            )


def decide_mentor_offers(today: date) -> Iterator[Decision]:
    yield from decide_expiries(today)
    yield from decide_reminders(today)


def register() -> None:
    register_job("mentor_offers", decide_mentor_offers)
