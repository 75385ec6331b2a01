"""The nightly retention job: what the union no longer needs is removed, per the branch's periods.

For each branch (its ``RetentionPolicy``, created with the defaults when missing):

1. **Mail bodies.** Mails delivered (or withdrawn) more than ``mail_body_days`` ago keep their
   headers (to, subject, dates, status) for the record; their text, HTML and attachments go.
2. **Access log.** Entries older than ``access_log_days`` are deleted; auditlog's change diffs too,
   after the longest period any branch keeps.
3. **Former members.** A person with no mandate and no network membership for
   ``inactive_person_years`` (counted from the last end date, or from when they were registered)
   gets an ``ErasureNotice``: the office is told (a count and a link, never the names) and has
   ``erasure_notice_days`` to keep them. On the notice's date they are anonymised through
   ``erasure.person_anonymise`` — unless the office kept them, they became active again (the notice
   is dropped), or a claim must still be kept for the bookkeeping (then the notice waits).
4. **Sign-ups.** ``circles.services.signups.signups_to_delete``: accepted and declined AMR sign-ups
   90 days after the decision, unconfirmed ones 7 days after their link expired (the sign-up page
   says so; a pending one waits for the consultant).

A dry run decides the same and changes nothing. Each step is a fixed number of queries per branch
except the anonymisation itself, which is per person (and rare).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Branch, Mandate, Membership, Person, Reminder
from circles.services.reminders import Decision, send
from circles.services.signups import signups_to_delete
from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.recipients import Recipient

from .erasure import erasure_possible_from, person_anonymise, policy_for
from .models import AccessLogEntry, ErasureNotice, RetentionPolicy

PURGED_BODY = "(Indholdet er slettet efter opbevaringsperioden.)"


@dataclass
class BranchResult:
    branch: Branch
    mail_bodies: int = 0
    access_log: int = 0
    noticed: list[int] = field(default_factory=list)
    anonymised: list[int] = field(default_factory=list)
    waiting: list[tuple[int, date | None]] = field(default_factory=list)  # (person, possible from)
    reactivated: int = 0
    signups: int = 0


@dataclass
class Result:
    today: date
    dry_run: bool
    branches: list[BranchResult] = field(default_factory=list)
    change_log: int = 0


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def inactive_people(branch: Branch, *, since: date):
    """People of ``branch`` with no mandate and no membership on or after ``since`` (and registered
    before it), not yet anonymised."""
    recent_mandate = Mandate.objects.filter(person=OuterRef("pk")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=since)
    )
    recent_membership = Membership.objects.filter(person=OuterRef("pk")).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=since)
    )
    return Person.objects.filter(
        branch=branch, anonymised_at__isnull=True, created_at__lt=_start_of(since)
    ).filter(~Exists(recent_mandate), ~Exists(recent_membership))


def _purge_mail_bodies(branch, policy, today, dry_run, *, default_branch: bool) -> int:
    cutoff = _start_of(today - timedelta(days=policy.mail_body_days))
    scope = Q(branch=branch) | Q(branch__isnull=True) if default_branch else Q(branch=branch)
    mails = (
        OutboundEmail.objects.filter(scope)
        .filter(
            Q(status=OutboundEmail.Status.SENT, sent_at__lt=cutoff)
            | Q(status=OutboundEmail.Status.WITHDRAWN, created_at__lt=cutoff)
        )
        .exclude(body_text=PURGED_BODY)
    )
    if dry_run:
        return mails.count()
    return mails.update(body_text=PURGED_BODY, body_html="", attachments=[], sealed_secrets="")


def _purge_access_log(branch, policy, today, dry_run, *, default_branch: bool) -> int:
    cutoff = _start_of(today - timedelta(days=policy.access_log_days))
    scope = Q(branch=branch) | Q(branch__isnull=True) if default_branch else Q(branch=branch)
    entries = AccessLogEntry.objects.filter(scope, at__lt=cutoff)
    if dry_run:
        return entries.count()
    return entries.delete()[0]  # no relations and no signals: one DELETE


def _purge_change_log(today, dry_run) -> int:
    from auditlog.models import LogEntry

    longest = RetentionPolicy.objects.aggregate(days=Max("access_log_days"))["days"]
    days = max(longest or 0, RetentionPolicy._meta.get_field("access_log_days").default)
    entries = LogEntry.objects.filter(timestamp__lt=_start_of(today - timedelta(days=days)))
    if dry_run:
        return entries.count()
    return entries.delete()[0]


def _purge_signups(branch, today, dry_run) -> int:
    signups = signups_to_delete(now=_start_of(today)).filter(branch=branch)
    if dry_run:
        return signups.count()
    return signups.delete()[0]


def _former_members(branch, policy, today, dry_run, result: BranchResult) -> None:
    since = years_before(today, policy.inactive_person_years)
    inactive = inactive_people(branch, since=since)

    # people who came back: their notice goes
    comeback = ErasureNotice.objects.filter(person__branch=branch).exclude(person__in=inactive)
    result.reactivated = comeback.count() if dry_run else comeback.delete()[0]

    # new notices
    new = list(inactive.filter(erasure_notice__isnull=True).values_list("pk", flat=True))
    result.noticed = new
    if new and not dry_run:
        erase_on = today + timedelta(days=policy.erasure_notice_days)
        ErasureNotice.objects.bulk_create(
            [ErasureNotice(person_id=pk, erase_on=erase_on) for pk in new], ignore_conflicts=True
        )
        send(
            [
                Decision(
                    kind=Reminder.Kind.RETENTION,
                    key=f"retention:notice:{branch.pk}:{today.isoformat()}",
                    branch=branch,
                    recipient=Recipient.of_office(branch),
                    reason=_("%(count)d tidligere medlemmer anonymiseres efter opbevaringsperioden")
                    % {"count": len(new)},
                    template="privacy/retention_notice",
                    context={
                        "count": len(new),
                        "erase_on": erase_on,
                        "years": policy.inactive_person_years,
                        "admin_url": reverse("admin:privacy_erasurenotice_changelist"),
                    },
                )
            ]
        )

    # due notices: anonymise, unless kept or a claim must still be kept
    due = (
        ErasureNotice.objects.filter(person__in=inactive, erase_on__lte=today, kept_by__isnull=True)
        .select_related("person")
        .order_by("person_id")
    )
    for notice in due:
        if dry_run:
            result.anonymised.append(notice.person_id)
            continue
        try:
            person_anonymise(notice.person, by=None, reason=_("Opbevaringsperioden er udløbet."))
        except ValidationError:
            result.waiting.append((notice.person_id, erasure_possible_from(notice.person)))
            continue
        result.anonymised.append(notice.person_id)


def run(*, today: date | None = None, dry_run: bool = False) -> Result:
    """Apply (or, with ``dry_run``, only count) every branch's retention periods for ``today``."""
    today = today or timezone.localdate()
    result = Result(today=today, dry_run=dry_run)
    branches = list(Branch.objects.order_by("pk"))
    for index, branch in enumerate(branches):
        policy = policy_for(branch)
        first = index == 0  # rows without a branch follow the first branch's (the default) periods
        branch_result = BranchResult(branch=branch)
        with transaction.atomic():
            branch_result.mail_bodies = _purge_mail_bodies(
                branch, policy, today, dry_run, default_branch=first
            )
            branch_result.access_log = _purge_access_log(branch, policy, today, dry_run, default_branch=first)
            branch_result.signups = _purge_signups(branch, today, dry_run)
            _former_members(branch, policy, today, dry_run, branch_result)
            if dry_run:
                transaction.set_rollback(True)
        result.branches.append(branch_result)
    with transaction.atomic():
        result.change_log = _purge_change_log(today, dry_run)
    return result
