"""Erasure (GDPR Art. 17): anonymise a person, keeping what bookkeeping and the statistics need.

Decisions:

- **When it is refused.** A release-time claim is bookkeeping material (bogføringsloven): it is
  kept for ``RetentionPolicy.claim_keep_years`` (default 5) after the end of the financial year
  (the calendar year) it belongs to. A claim belongs to the year of its *last* bookkeeping event:
  the latest of its work date, filing, decision and refund, so a 2024 drive refunded in January
  2025 is kept until the end of 2030. Withdrawn and rejected claims never led to a payment and do
  not block. The person's branch's policy decides (a default one is created if missing).
- **What stays.** Mandates, memberships, attendance, answered invitations, claims (with the
  anonymised claimant), pairings, sessions and feedback stay as rows: the overview's, the
  bookkeeping's and the evaluation's counts do not change. What is still running ends today:
  open mandates and memberships, an active pairing (ended by the office), open offers and mentor
  requests, invitations to meetings that have not started, a network's coordinator seat — so no
  job mails the anonymised address.
- **What goes.** Name, e-mail, phone and member number are replaced; the login is deactivated and
  scrubbed, its 2FA devices and lockout rows deleted; the outbox copies addressed to them are
  deleted (bodies, sealed links); every one-time link of theirs stops working (invitation hashes
  replaced by a hash of nothing anyone holds, offer hashes cleared, pairing links and sign-up
  confirmation hashes deleted). Their name and address are replaced wherever the app wrote them
  into a text of its own: other people's mails and reminders, key-message and sign-up rows, the
  admin's and django-auditlog's history, the access log's texts.
- **What the office reads.** Free text they wrote (minutes and versions they submitted, board
  points in them, files they uploaded, supervision requests, session notes, feedback, decline and
  end reasons, claim notes and routes, mentor notes, the sign-up's decline message) is not changed
  but flagged as ``ErasureReview`` rows for the office to read and redact.
- All updates are ``QuerySet.update``: no save signal, so no audit entry re-records the old name.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.charset import Charset

from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from circles.models import (
    BoardPoint,
    Invitation,
    KeyMessageDelivery,
    LeaveLetter,
    Mandate,
    Membership,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    Network,
    Person,
    ReleaseClaim,
    Reminder,
    SignUp,
    SupervisionRequest,
    User,
)
from circles.roles import is_office
from mentoring.models import Feedback, Mentor, MentorRequest, Offer, Pairing, PairingLink, Session
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail

from .log import record
from .models import AccessLogEntry, ErasureReview, RetentionPolicy

REASON_MAX = 500
NAME_MIN = 5
PHONE_MIN = 6  # a shorter phone number is too likely to be some other number


@dataclass
class ErasureResult:
    person: Person
    anonymised_at: object
    flagged: int = 0
    mails_deleted: int = 0
    mails_scrubbed: int = 0
    links_removed: int = 0
    log_rows_scrubbed: int = 0
    details: dict = field(default_factory=dict)


def anonymous_name(person_id: int) -> str:
    return _("Anonymiseret medlem #%(id)s") % {"id": person_id}


def anonymous_email(person_id: int) -> str:
    # .invalid is reserved (RFC 2606): no mail server will ever deliver to it
    return f"anonym-{person_id}@anonymiseret.invalid"


def policy_for(branch) -> RetentionPolicy:
    policy, _created = RetentionPolicy.objects.get_or_create(branch=branch)
    return policy


def _local_date(value) -> date | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localdate(value)
    return value


def erasure_blocked_until(person: Person) -> date | None:
    """The last day a kept claim blocks the person's erasure (31 December), or None if nothing does."""
    rows = ReleaseClaim.objects.filter(claimant=person).exclude(
        status__in=[ReleaseClaim.Status.WITHDRAWN, ReleaseClaim.Status.REJECTED]
    )
    last_year = None
    for values in rows.values_list("work_date", "submitted_at", "decided_at", "refunded_at"):
        year = max(day.year for day in map(_local_date, values) if day is not None)
        last_year = year if last_year is None or year > last_year else last_year
    if last_year is None:
        return None
    until = date(last_year + policy_for(person.branch).claim_keep_years, 12, 31)
    return until if until >= timezone.localdate() else None


def erasure_possible_from(person: Person) -> date | None:
    """The first day the person may be anonymised, or None if they may be now."""
    until = erasure_blocked_until(person)
    return until + timedelta(days=1) if until else None


def danish_date(day: date) -> str:
    with translation.override("da"):
        return formats.date_format(day, "j. F Y")


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Skriv hvorfor medlemmet anonymiseres (fx 'Medlemmets anmodning')."))
    if "\x00" in reason:
        raise ValidationError(_("Begrundelsen indeholder ugyldige tegn."))
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("Begrundelsen må højst være %(max)s tegn (den er %(length)s).")
            % {"max": REASON_MAX, "length": len(reason)}
        )
    return reason


def may_erase(user, person: Person) -> bool:
    return user.is_superuser or (is_office(user) and user.branch_id == person.branch_id)


# Replacing a name everywhere the app wrote it ------------------------------------------------------


class _Scrubber:
    """Replaces a person's identifying strings (case-insensitively) in texts and JSON values."""

    def __init__(self, pairs: list[tuple[str, str]]):
        # longest first, so "Anna Berg" is replaced before a shorter string inside it
        self.pairs = sorted(((old, new) for old, new in pairs if old), key=lambda p: -len(p[0]))

    def needles(self) -> list[str]:
        return [old for old, _new in self.pairs]

    def text(self, value):
        if not isinstance(value, str) or not value:
            return value
        for old, new in self.pairs:
            for form, replacement in ((old, new), (escape(old), escape(new))):
                pattern = rf"(?<!\w){re.escape(form)}(?!\w)"  # whole words: "Ole" is not in "Oleander"
                value = re.sub(pattern, lambda _match, r=replacement: r, value, flags=re.IGNORECASE)
        return value

    def json(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.json(item) for key, item in value.items()}
        return value

    def matching(self, queryset, fields: list[str]):
        """Rows of ``queryset`` where any of ``fields`` (text or JSON) contains any needle."""
        annotations, condition = {}, Q()
        for name in fields:
            model_field = queryset.model._meta.get_field(name)
            lookup = name
            if isinstance(model_field, models.JSONField):
                lookup = f"_scrub_{name}"
                annotations[lookup] = Cast(name, models.TextField())
            for needle in self.needles():
                condition |= Q(**{f"{lookup}__icontains": needle})
                if isinstance(model_field, models.JSONField):
                    # JSON stores non-ASCII as \\u escapes on some backends
                    encoded = json.dumps(needle)[1:-1]
                    if encoded != needle:
                        condition |= Q(**{f"{lookup}__icontains": encoded})
        return queryset.annotate(**annotations).filter(condition)

    def rewrite(self, queryset, fields: list[str]) -> int:
        """Replace the needles in ``fields`` of every matching row; one UPDATE per changed row."""
        changed = 0
        for row in self.matching(queryset, fields).only("pk", *fields):
            values = {}
            for name in fields:
                old = getattr(row, name)
                new = self.json(old) if not isinstance(old, str) else self.text(old)
                if new != old:
                    values[name] = new
            if values:
                queryset.model._default_manager.filter(pk=row.pk).update(**values)
                changed += 1
        return changed


def _flag(reviews: list, person: Person, queryset, fields: list[str]) -> None:
    """An ``ErasureReview`` row for each non-empty free-text field of each row in ``queryset``."""
    label = queryset.model._meta.label
    for row in queryset.only("pk", *fields):
        for name in fields:
            if getattr(row, name):
                reviews.append(
                    ErasureReview(
                        person_id=person.pk,
                        branch_id=person.branch_id,
                        object_type=label,
                        object_id=str(row.pk),
                        field=name,
                    )
                )


def _addressed_to(addresses: list[str]) -> Q:
    condition = Q()
    for address in addresses:
        condition |= Q(to__iexact=address) | Q(to__iendswith=f"<{address}>")
    return condition


@transaction.atomic
def person_anonymise(person: Person, *, by: User | None, reason: str, request=None) -> ErasureResult:
    """Anonymise ``person`` (see the module's decisions). ``by`` None is the nightly retention job."""
    if by is not None and not may_erase(by, person):
        raise PermissionDenied
    reason = clean_reason(reason)
    person = Person.objects.select_for_update(of=("self",)).select_related("branch", "user").get(pk=person.pk)
    if person.anonymised_at is not None:
        raise ValidationError(_("Medlemmet er allerede anonymiseret."))
    possible_from = erasure_possible_from(person)
    if possible_from is not None:
        years = policy_for(person.branch).claim_keep_years
        raise ValidationError(
            _(
                "%(name)s kan først anonymiseres fra den %(date)s: medlemmets frikøbskrav skal efter "
                "bogføringsloven gemmes i %(years)s år efter regnskabsårets udløb."
            )
            % {"name": person.name, "date": danish_date(possible_from), "years": years}
        )

    now, today = timezone.now(), timezone.localdate()
    user = person.user
    new_name, new_email = anonymous_name(person.pk), anonymous_email(person.pk)
    old_addresses = [a for a in {person.email.lower(), (user.email.lower() if user else "")} if a]
    pairs = []
    if len(person.name.strip()) >= NAME_MIN:  # "Bo" is also a word: a short name is not replaced in texts
        pairs += [(person.name.strip(), new_name), (_header_encoded(person.name.strip()), new_name)]
    pairs += [(address, new_email) for address in old_addresses]
    if len(person.phone.strip()) >= PHONE_MIN:
        pairs.append((person.phone.strip(), ""))
    if user is not None:
        user_name = user.get_full_name().strip()
        if len(user_name.split()) > 1 and user_name.lower() != person.name.lower():
            pairs.append((user_name, new_name))  # a first name alone is too common to replace
    scrub = _Scrubber(pairs)
    result = ErasureResult(person=person, anonymised_at=now)
    reviews: list[ErasureReview] = []

    # free text they wrote: flagged for the office, never changed here --------------------------------
    if user is not None:
        their_minutes = Minutes.objects.filter(submitted_by=user)
        _flag(reviews, person, their_minutes, ["text", "key_messages", "return_comment"])
        _flag(reviews, person, MinutesVersion.objects.filter(submitted_by=user), ["text", "key_messages"])
        _flag(reviews, person, BoardPoint.objects.filter(minutes__in=their_minutes), ["title", "text"])
        _flag(reviews, person, MinutesAttachment.objects.filter(uploaded_by=user), ["original_name"])
        _flag(
            reviews,
            person,
            SupervisionRequest.objects.filter(requested_by=user),
            ["about", "preferred_dates"],
        )
    as_mentor, as_mentee = Q(mentor=person), Q(mentee=person)
    pairings = Pairing.objects.filter(as_mentor | as_mentee)
    _flag(reviews, person, Session.objects.filter(pairing__in=pairings), ["topics"])
    _flag(
        reviews,
        person,
        Feedback.objects.filter(
            Q(pairing__mentor=person, party=Pairing.Party.MENTOR)
            | Q(pairing__mentee=person, party=Pairing.Party.MENTEE)
        ),
        ["useful", "improve"],
    )
    _flag(
        reviews,
        person,
        Pairing.objects.filter(
            Q(mentor=person, ended_by=Pairing.Party.MENTOR) | Q(mentee=person, ended_by=Pairing.Party.MENTEE)
        ),
        ["end_reason"],
    )
    _flag(
        reviews,
        person,
        Offer.objects.filter(
            Q(mentor=person, declined_by="mentor") | Q(request__mentee=person, declined_by="mentee")
        ),
        ["decline_reason"],
    )
    _flag(reviews, person, MentorRequest.objects.filter(mentee=person), ["note"])
    _flag(reviews, person, Mentor.objects.filter(person=person), ["note"])
    _flag(
        reviews,
        person,
        ReleaseClaim.objects.filter(claimant=person),
        ["note", "route_from", "route_to", "reject_reason", "needs_attention"],
    )
    same_address = Q()
    for address in old_addresses:
        same_address |= Q(branch=person.branch_id, email__iexact=address)
    signups = SignUp.objects.filter(Q(person=person) | same_address)
    signup_ids = [str(pk) for pk in signups.values_list("pk", flat=True)]
    _flag(reviews, person, signups, ["decline_message", "workplace_text"])
    ErasureReview.objects.bulk_create(reviews)
    result.flagged = len(reviews)

    # what is still running ends today -------------------------------------------------------------------
    Mandate.objects.filter(person=person, ended_on__isnull=True, elected_on__lte=today).update(ended_on=today)
    Mandate.objects.filter(person=person, ended_on__isnull=True).update(ended_on=models.F("elected_on"))
    Membership.objects.filter(person=person, left_on__isnull=True, joined_on__lte=today).update(left_on=today)
    Membership.objects.filter(person=person, left_on__isnull=True).update(left_on=models.F("joined_on"))
    Network.objects.filter(coordinator=person).update(coordinator=None, coordinator_elected=False)
    Invitation.objects.filter(person=person, meeting__starts_at__gt=now).delete()
    Pairing.objects.filter(as_mentor | as_mentee, status=Pairing.Status.ACTIVE).update(
        status=Pairing.Status.ENDED_EARLY, ended_on=today, ended_by=Pairing.Party.OFFICE
    )
    open_offers = Offer.objects.filter(
        Q(mentor=person) | Q(request__mentee=person), status__in=Offer.OPEN_STATUSES
    )
    reopened = list(
        open_offers.filter(mentor=person).exclude(request__mentee=person).values_list("request_id", flat=True)
    )
    open_offers.update(status=Offer.Status.WITHDRAWN)
    MentorRequest.objects.filter(pk__in=reopened, status=MentorRequest.Status.OFFERED).update(
        status=MentorRequest.Status.OPEN
    )
    MentorRequest.objects.filter(mentee=person, status__in=MentorRequest.OPEN_STATUSES).update(
        status=MentorRequest.Status.WITHDRAWN, closed_at=now
    )
    Mentor.objects.filter(person=person).update(willing=False)

    # one-time links ----------------------------------------------------------------------------------
    links = 0
    for invitation_id in Invitation.objects.filter(person=person).values_list("pk", flat=True):
        links += Invitation.objects.filter(pk=invitation_id).update(token_hash=tokens.issue().digest)
    links += Offer.objects.filter(mentor=person, mentor_token_hash__isnull=False).update(
        mentor_token_hash=None
    )
    links += Offer.objects.filter(request__mentee=person, mentee_token_hash__isnull=False).update(
        mentee_token_hash=None
    )
    links += PairingLink.objects.filter(
        Q(pairing__mentor=person, party=Pairing.Party.MENTOR)
        | Q(pairing__mentee=person, party=Pairing.Party.MENTEE)
    ).delete()[0]
    links += signups.filter(confirm_token_hash__isnull=False).update(
        confirm_token_hash=None, confirm_expires_at=None
    )
    result.links_removed = links

    # the outbox: their copies go, others' mails lose their name -------------------------------------------
    if old_addresses:  # an empty condition would match every mail
        result.mails_deleted = OutboundEmail.objects.filter(_addressed_to(old_addresses)).delete()[0]
    result.mails_scrubbed = scrub.rewrite(
        OutboundEmail.objects.filter(Q(branch=person.branch_id) | Q(branch__isnull=True)),
        ["to", "subject", "body_text", "body_html", "attachments"],
    )

    # rows that name them as recipient -------------------------------------------------------------------
    signups.update(
        name=new_name,
        email=new_email,
        phone="",
        member_number="",
        confirm_expires_at=None,
    )
    KeyMessageDelivery.objects.filter(Q(person=person) | Q(recipient_email__in=old_addresses)).update(
        recipient_name=new_name, recipient_email=new_email
    )
    LeaveLetter.objects.filter(person=person).update(manager_email="")
    scrub.rewrite(Reminder.objects.filter(branch=person.branch_id), ["recipient", "reason"])

    # the login -----------------------------------------------------------------------------------------
    if user is not None:
        _erase_login(user, old_addresses, new_email)

    # the person ----------------------------------------------------------------------------------------
    Person.objects.filter(pk=person.pk).update(
        name=new_name,
        email=new_email,
        phone="",
        member_number=f"anonym-{person.pk}",
        anonymised_at=now,
    )

    # logs: the admin's history, django-auditlog and the access log -----------------------------------------
    scrubbed = scrub.rewrite(AdminLogEntry.objects.all(), ["object_repr", "change_message"])
    scrubbed += _scrub_auditlog(scrub, _own_history(person, user, signup_ids, pairs))
    about_them = Q(person_id=person.pk) | Q(branch=person.branch_id) | Q(branch__isnull=True)
    if user is not None:
        about_them |= Q(user=user)
    scrubbed += scrub.rewrite(AccessLogEntry.objects.filter(about_them), ["what", "user_label", "path"])
    if user is not None:
        scrubbed += AccessLogEntry.objects.filter(user=user).update(user_label=new_name)
    result.log_rows_scrubbed = scrubbed

    record(
        request or by,
        AccessLogEntry.Action.ERASE,
        scrub.text(_("Anonymiseret %(name)s: %(reason)s") % {"name": new_name, "reason": reason}),
        obj=person,
        person_id=person.pk,
        branch=person.branch,
    )
    person.refresh_from_db()
    result.person = person
    return result


def _erase_login(user: User, old_addresses: list[str], new_email: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    names = {user.username.lower(), *old_addresses}
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        condition = Q()
        for name in names:
            condition |= Q(username__iexact=name)
        model.objects.filter(condition).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(
        username=f"anonymiseret-{user.pk}",
        email=new_email,
        first_name="",
        last_name="",
        is_active=False,
        is_staff=False,
        is_superuser=False,
        password=make_password(None),
    )
    user.groups.clear()
    user.user_permissions.clear()


def _own_history(person: Person, user: User | None, signup_ids: list[str], pairs) -> tuple[Q, _Scrubber]:
    """The change-log entries of their own rows (person, login, sign-ups) and what to replace there:
    also the member number, the login's name parts and username, too short or common to replace in
    other rows' history."""
    own = [(person.member_number, f"anonym-{person.pk}")]
    if user is not None:
        own += [(user.username, f"anonymiseret-{user.pk}"), (user.first_name, ""), (user.last_name, "")]
    rows = Q(content_type__app_label="circles", content_type__model="person", object_pk=str(person.pk))
    rows |= Q(content_type__app_label="circles", content_type__model="signup", object_pk__in=signup_ids)
    if user is not None:
        rows |= Q(content_type__app_label="circles", content_type__model="user", object_pk=str(user.pk))
    return rows, _Scrubber(pairs + [(old, new) for old, new in own if old and old.strip()])


def _scrub_auditlog(scrub: _Scrubber, own: tuple[Q, _Scrubber]) -> int:
    from auditlog.models import LogEntry

    fields = ["object_repr", "changes_text", "changes", "serialized_data", "additional_data", "actor_email"]
    rows, own_scrub = own
    changed = own_scrub.rewrite(LogEntry.objects.filter(rows), fields)
    return changed + scrub.rewrite(LogEntry.objects.all(), fields)


def _header_encoded(name: str) -> str:
    """The name as a mail header carries it (``=?utf-8?q?...?=``) when it is not plain ASCII."""
    return "" if name.isascii() else Charset("utf-8").header_encode(name)
