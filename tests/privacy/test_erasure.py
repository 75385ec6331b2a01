"""Erasure (Art. 17): refused while bookkeeping law keeps a claim, with the date; afterwards the
person's name, e-mail and phone are nowhere in the database but in the free text flagged for the
office; the counts stay; the outbox copies and every one-time link of theirs are gone."""

from datetime import date, datetime
from email.charset import Charset
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from circles.models import (
    Attendance,
    Invitation,
    Mandate,
    Membership,
    Person,
    ReleaseClaim,
    SignUp,
    User,
)
from mentoring.models import Feedback, Offer, Pairing, PairingLink, Session
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from netvaerk.privacy import erasure
from netvaerk.privacy.erasure import erasure_blocked_until, erasure_possible_from, person_anonymise
from netvaerk.privacy.models import AccessLogEntry, ErasureReview, RetentionPolicy
from tests import factories

from .builders import EMAIL, MEMBER_NUMBER, NAME, PHONE, USERNAME, build_member

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
DURING = datetime(2029, 6, 1, 10, tzinfo=CPH)  # claims of 2024 are kept until 31.12.2029
AFTER = datetime(2030, 1, 2, 10, tzinfo=CPH)
REASON = "Medlemmets anmodning af 2. januar"


def needles() -> list[str]:
    encoded = Charset("utf-8").header_encode(NAME)  # the name as a mail header carries it
    return [NAME, EMAIL, PHONE, MEMBER_NUMBER, encoded]


def hits_everywhere(values: list[str]) -> set[tuple[str, str, str]]:
    """(model, pk, field) of every text, e-mail or JSON column in the database holding any value."""
    found = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                queryset = model._default_manager.annotate(_as_text=Cast(field.name, models.TextField()))
                lookup = "_as_text"
            elif isinstance(field, models.CharField | models.TextField):
                queryset, lookup = model._default_manager.all(), field.name
            else:
                continue
            condition = Q()
            for value in values:
                condition |= Q(**{f"{lookup}__icontains": value})
            for pk in queryset.filter(condition).values_list("pk", flat=True):
                found.add((model._meta.label, str(pk), field.name))
    return found


def flagged(person_id) -> set[tuple[str, str, str]]:
    return set(
        ErasureReview.objects.filter(person_id=person_id).values_list("object_type", "object_id", "field")
    )


@pytest.fixture
def member(branch, office):
    with time_machine.travel(datetime(2024, 12, 1, 12, tzinfo=CPH), tick=False):
        return build_member(branch, office=office, n=2)


def test_the_search_finds_the_member_before_erasure(member):
    # the search is the test's instrument: it must see the person in the places the erasure cleans
    hits = {(label, field) for label, _pk, field in hits_everywhere(needles())}
    for place in [
        ("circles.Person", "name"),
        ("circles.User", "email"),
        ("outbox.OutboundEmail", "to"),
        ("outbox.OutboundEmail", "body_text"),
        ("circles.Reminder", "recipient"),
        ("circles.SignUp", "name"),
        ("circles.KeyMessageDelivery", "recipient_email"),
        ("auditlog.LogEntry", "changes"),
        ("auditlog.LogEntry", "object_repr"),
        ("admin.LogEntry", "object_repr"),
        ("privacy.AccessLogEntry", "what"),
        ("otp_totp.TOTPDevice", "name"),
        ("axes.AccessAttempt", "username"),
    ]:
        assert place in hits, place


@time_machine.travel(DURING, tick=False)
def test_refused_while_a_claim_must_be_kept_with_the_date(member, office):
    assert erasure_blocked_until(member.person) == date(2029, 12, 31)

    with pytest.raises(ValidationError) as refused:
        person_anonymise(member.person, by=office, reason=REASON)

    assert "1. januar 2030" in refused.value.messages[0]
    assert "bogføringsloven" in refused.value.messages[0]
    assert Person.objects.get(pk=member.person.pk).name == NAME
    assert not ErasureReview.objects.exists()
    assert OutboundEmail.objects.filter(pk=member.mails_to_them[0].pk).exists()


@time_machine.travel(DURING, tick=False)
def test_the_last_bookkeeping_event_decides_the_year(member, office):
    claim = member.claims[0]
    ReleaseClaim.objects.filter(pk=claim.pk).update(refunded_at=datetime(2025, 1, 15, 9, tzinfo=CPH))
    assert erasure_possible_from(member.person) == date(2031, 1, 1)

    # a longer period set by the office counts
    RetentionPolicy.objects.filter(branch=member.person.branch).update(claim_keep_years=7)
    assert erasure_possible_from(member.person) == date(2033, 1, 1)


@time_machine.travel(DURING, tick=False)
def test_withdrawn_and_rejected_claims_do_not_block(member, office):
    ReleaseClaim.objects.filter(pk=member.claims[0].pk).update(
        status=ReleaseClaim.Status.WITHDRAWN, decided_by=None
    )
    ReleaseClaim.objects.filter(pk=member.claims[1].pk).update(
        status=ReleaseClaim.Status.REJECTED, reject_reason="For sent"
    )
    assert erasure_blocked_until(member.person) is None
    person_anonymise(member.person, by=office, reason=REASON)


@time_machine.travel(AFTER, tick=False)
def test_after_erasure_the_name_and_address_are_only_in_the_flagged_free_text(member, office):
    assert erasure_blocked_until(member.person) is None
    result = person_anonymise(member.person, by=office, reason=REASON)

    remaining = hits_everywhere(needles()) - flagged(member.person.pk)
    assert remaining == set()
    assert result.flagged > 0
    # the flagged text itself is unchanged, for the office to read and redact
    minutes = member.meetings[0].minutes
    minutes.refresh_from_db()
    assert NAME in minutes.text
    assert ("circles.Minutes", str(minutes.pk), "text") in flagged(member.person.pk)
    for label in [
        "circles.MinutesVersion",
        "circles.BoardPoint",
        "circles.SupervisionRequest",
        "mentoring.Session",
        "mentoring.Feedback",
        "mentoring.MentorRequest",
        "mentoring.Mentor",
        "circles.ReleaseClaim",
    ]:
        assert ErasureReview.objects.filter(person_id=member.person.pk, object_type=label).exists(), label
    # the mentor's own feedback is not theirs
    mentor_feedback = Feedback.objects.filter(party=Pairing.Party.MENTOR).values_list("pk", flat=True)
    assert not ErasureReview.objects.filter(
        object_type="mentoring.Feedback", object_id__in=[str(pk) for pk in mentor_feedback]
    ).exists()


@time_machine.travel(AFTER, tick=False)
def test_person_and_login_are_replaced(member, office, client):
    person = person_anonymise(member.person, by=office, reason=REASON).person

    assert person.name == f"Anonymiseret medlem #{person.pk}"
    assert person.email == f"anonym-{person.pk}@anonymiseret.invalid"
    assert (person.phone, person.member_number) == ("", f"anonym-{person.pk}")
    assert person.anonymised_at == AFTER
    user = User.objects.get(pk=member.user.pk)
    assert not user.is_active and not user.has_usable_password()
    assert (user.username, user.first_name, user.last_name) == (f"anonymiseret-{user.pk}", "", "")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.exists()
    assert not client.login(username=USERNAME, password="demo-pass-123")
    assert not client.login(username=EMAIL, password="demo-pass-123")
    assert User.objects.filter(username="ole-lund").exists()  # nobody else's login

    entry = AccessLogEntry.objects.get(action="erase")
    assert (entry.user, entry.person_id) == (office, person.pk)
    assert REASON in entry.what


@time_machine.travel(AFTER, tick=False)
def test_counts_stay(member, office):
    person = member.person
    before = {
        "mandates": Mandate.objects.filter(person=person).count(),
        "memberships": Membership.objects.filter(person=person).count(),
        "attendance": Attendance.objects.filter(person=person).count(),
        "claims": ReleaseClaim.objects.filter(claimant=person).count(),
        "pairings": Pairing.objects.filter(mentee=person).count(),
        "sessions": Session.objects.filter(pairing__mentee=person).count(),
        "feedback": Feedback.objects.filter(pairing__mentee=person).count(),
        "past invitations": Invitation.objects.filter(person=person, meeting__starts_at__lt=AFTER).count(),
        "signups": SignUp.objects.filter(person=person).count(),
    }
    assert all(before.values())

    person_anonymise(person, by=office, reason=REASON)

    after = {
        "mandates": Mandate.objects.filter(person=person).count(),
        "memberships": Membership.objects.filter(person=person).count(),
        "attendance": Attendance.objects.filter(person=person).count(),
        "claims": ReleaseClaim.objects.filter(claimant=person).count(),
        "pairings": Pairing.objects.filter(mentee=person).count(),
        "sessions": Session.objects.filter(pairing__mentee=person).count(),
        "feedback": Feedback.objects.filter(pairing__mentee=person).count(),
        "past invitations": Invitation.objects.filter(person=person, meeting__starts_at__lt=AFTER).count(),
        "signups": SignUp.objects.filter(person=person).count(),
    }
    assert after == before
    # the claims keep their amounts and status for the bookkeeping
    kept = ReleaseClaim.objects.filter(claimant=person).order_by("pk").values_list("pk", "amount", "status")
    assert list(kept) == [
        (claim.pk, claim.amount, claim.status) for claim in sorted(member.claims, key=lambda c: c.pk)
    ]
    # what was still running has ended today: nobody will be invited or mailed any more
    assert not Mandate.objects.filter(person=person, ended_on__isnull=True).exists()
    assert not Membership.objects.filter(person=person, left_on__isnull=True).exists()
    assert not Pairing.objects.filter(mentee=person, status=Pairing.Status.ACTIVE).exists()
    assert not Invitation.objects.filter(person=person, meeting__starts_at__gt=AFTER).exists()


@time_machine.travel(AFTER, tick=False)
def test_outbox_copies_and_links_are_gone(member, office):
    person = member.person
    person_anonymise(person, by=office, reason=REASON)

    assert not OutboundEmail.objects.filter(pk__in=[m.pk for m in member.mails_to_them]).exists()
    assert not OutboundEmail.objects.filter(sealed_secrets="sealed-secret-blob").exists()
    others = OutboundEmail.objects.filter(pk__in=[m.pk for m in member.mails_to_others])
    assert others.count() == len(member.mails_to_others)  # the coordinator's mails stay, without the name
    assert all(f"Anonymiseret medlem #{person.pk}" in mail.body_text for mail in others)

    for raw in member.raw_links:
        digest = tokens.digest(raw)
        assert not SignUp.objects.filter(confirm_token_hash=digest).exists()
        assert not Offer.objects.filter(Q(mentee_token_hash=digest) | Q(mentor_token_hash=digest)).exists()
        assert not PairingLink.objects.filter(token_hash=digest).exists()
    assert not Offer.objects.filter(request__mentee=person, mentee_token_hash__isnull=False).exists()
    assert not SignUp.objects.filter(person=person, confirm_token_hash__isnull=False).exists()


def test_invitation_links_stop_working(branch, office):
    with time_machine.travel(AFTER, tick=False):
        member = build_member(branch, n=1)  # no claims approved: nothing to keep... but claims exist
        ReleaseClaim.objects.filter(claimant=member.person).update(status=ReleaseClaim.Status.WITHDRAWN)
        before = set(Invitation.objects.filter(person=member.person).values_list("pk", "token_hash"))
        person_anonymise(member.person, by=office, reason=REASON)
        after = set(Invitation.objects.filter(person=member.person).values_list("pk", "token_hash"))
    assert {pk for pk, _h in after} <= {pk for pk, _h in before}
    assert not {h for _pk, h in after} & {h for _pk, h in before}


@time_machine.travel(AFTER, tick=False)
def test_all_or_nothing(member, office, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "_erase_login", broken)
    with pytest.raises(RuntimeError):
        person_anonymise(member.person, by=office, reason=REASON)

    assert Person.objects.get(pk=member.person.pk).name == NAME
    assert not ErasureReview.objects.exists()
    assert OutboundEmail.objects.filter(pk=member.mails_to_them[0].pk).exists()
    assert not AccessLogEntry.objects.filter(action="erase").exists()


@time_machine.travel(AFTER, tick=False)
@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "med\x00nul"])
def test_bad_reason_changes_nothing(member, office, reason):
    with pytest.raises(ValidationError):
        person_anonymise(member.person, by=office, reason=reason)
    assert Person.objects.get(pk=member.person.pk).name == NAME


@time_machine.travel(AFTER, tick=False)
def test_only_the_branch_office(member, consultant, other_office, office):
    for user in (consultant, other_office):
        with pytest.raises(PermissionDenied):
            person_anonymise(member.person, by=user, reason=REASON)
    assert Person.objects.get(pk=member.person.pk).anonymised_at is None


@time_machine.travel(AFTER, tick=False)
def test_twice_is_refused_and_the_job_may_erase(member):
    person_anonymise(member.person, by=None, reason="Opbevaringsperioden er udløbet.")
    with pytest.raises(ValidationError, match="allerede anonymiseret"):
        person_anonymise(member.person, by=None, reason="Igen")
    assert AccessLogEntry.objects.get(action="erase").user is None


@time_machine.travel(AFTER, tick=False)
def test_admin_history_is_scrubbed(member, office):
    person_anonymise(member.person, by=office, reason=REASON)
    entry = AdminLogEntry.objects.get(object_id=str(member.person.pk))
    assert entry.object_repr == f"Anonymiseret medlem #{member.person.pk}"
    assert EMAIL not in entry.change_message


def test_a_person_without_an_address_leaves_other_mail_alone(branch, office):
    person = Person.objects.create(branch=branch, name="Uden Adresse", email="", member_number="1")
    other = OutboundEmail.objects.create(
        key="other", template="x", to="karen@example.org", subject="Hej", body_text="Hej"
    )
    person_anonymise(person, by=office, reason=REASON)
    assert OutboundEmail.objects.filter(pk=other.pk).exists()


def test_a_short_name_is_not_replaced_in_other_texts(branch, office):
    person = factories.PersonFactory(branch=branch, name="Bo", email="bo@example.org")
    mail = OutboundEmail.objects.create(
        key="other",
        template="x",
        branch=branch,
        to="karen@example.org",
        subject="Hej",
        body_text="Hvor skal vi bo?",
    )
    person_anonymise(person, by=office, reason=REASON)
    mail.refresh_from_db()
    assert mail.body_text == "Hvor skal vi bo?"
    assert Person.objects.get(pk=person.pk).name == f"Anonymiseret medlem #{person.pk}"
