"""The nightly retention job: mail bodies, the access log, former members and sign-ups, per branch."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from circles.models import Mandate, Person, ReleaseClaim, Reminder, SignUp
from netvaerk.outbox.models import OutboundEmail
from netvaerk.privacy import retention
from netvaerk.privacy.models import AccessLogEntry, ErasureNotice, RetentionPolicy
from tests import factories

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 6, 10)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=CPH)


def _mail(branch, key, *, status, sent_on):
    return OutboundEmail.objects.create(
        key=key,
        template="circles/x",
        to="modtager@example.org",
        branch=branch,
        subject="Emne",
        body_text="Hej Mette, her er dit link",
        body_html="<p>Hej Mette</p>",
        status=status,
        sent_at=at(sent_on) if status == OutboundEmail.Status.SENT else None,
    )


def test_delivered_mail_bodies_go_after_the_period_headers_stay(branch):
    old = _mail(branch, "old", status=OutboundEmail.Status.SENT, sent_on=TODAY - timedelta(days=31))
    young = _mail(branch, "young", status=OutboundEmail.Status.SENT, sent_on=TODAY - timedelta(days=29))
    failed = _mail(branch, "failed", status=OutboundEmail.Status.FAILED, sent_on=TODAY - timedelta(days=90))
    with time_machine.travel(at(TODAY)):
        result = retention.run()
    assert result.branches[0].mail_bodies == 1
    old.refresh_from_db(), young.refresh_from_db(), failed.refresh_from_db()
    assert "Mette" not in old.body_text + old.body_html
    assert (old.subject, old.to, old.status) == ("Emne", "modtager@example.org", "sent")
    assert "Mette" in young.body_text
    assert "Mette" in failed.body_text  # the office may still resend a failed mail


def test_the_branch_sets_the_mail_period(branch):
    RetentionPolicy.objects.create(branch=branch, mail_body_days=60)
    mail = _mail(branch, "k", status=OutboundEmail.Status.SENT, sent_on=TODAY - timedelta(days=45))
    with time_machine.travel(at(TODAY)):
        retention.run()
    mail.refresh_from_db()
    assert "Mette" in mail.body_text


def test_the_access_log_goes_after_its_period(branch, office):
    with time_machine.travel(at(TODAY - timedelta(days=5 * 365 + 1))):
        AccessLogEntry.objects.create(user=office, branch=branch, action="read", what="gammel")
    with time_machine.travel(at(TODAY - timedelta(days=10))):
        AccessLogEntry.objects.create(user=office, branch=branch, action="read", what="ny")
    with time_machine.travel(at(TODAY)):
        retention.run()
    assert list(AccessLogEntry.objects.values_list("what", flat=True)) == ["ny"]


def _former_member(branch, name, *, ended_years_ago):
    with time_machine.travel(at(TODAY - timedelta(days=365 * (ended_years_ago + 2)))):
        person = factories.PersonFactory(branch=branch, name=name)
        mandate = factories.MandateFactory(person=person, role=Mandate.Role.TR)
    ended = TODAY - timedelta(days=int(365.25 * ended_years_ago))
    Mandate.objects.filter(pk=mandate.pk).update(elected_on=ended - timedelta(days=400), ended_on=ended)
    return person


def test_former_members_are_noticed_then_anonymised(branch):
    gone = _former_member(branch, "Gunnar Gammel", ended_years_ago=4)
    recent = _former_member(branch, "Rikke Ret-Ny", ended_years_ago=2)
    with time_machine.travel(at(TODAY)):
        first = retention.run()
    assert first.branches[0].noticed == [gone.pk]
    notice = ErasureNotice.objects.get()
    assert notice.person == gone and notice.erase_on == TODAY + timedelta(days=30)
    # the office is told with a count and a link, never the names
    mail = OutboundEmail.objects.get(template="privacy/retention_notice")
    assert "Gunnar" not in mail.subject + mail.body_text + mail.body_html
    assert "/admin/privacy/erasurenotice/" in mail.body_text
    assert Reminder.objects.filter(kind=Reminder.Kind.RETENTION).count() == 1

    with time_machine.travel(at(TODAY + timedelta(days=1))):
        again = retention.run()
    assert again.branches[0].noticed == [] and again.branches[0].anonymised == []
    assert OutboundEmail.objects.filter(template="privacy/retention_notice").count() == 1

    with time_machine.travel(at(notice.erase_on)):
        due = retention.run()
    assert due.branches[0].anonymised == [gone.pk]
    gone.refresh_from_db(), recent.refresh_from_db()
    assert gone.anonymised_at is not None and "Gunnar" not in gone.name
    assert recent.anonymised_at is None and recent.name == "Rikke Ret-Ny"


def test_a_member_kept_by_the_office_is_not_anonymised(branch, office):
    gone = _former_member(branch, "Beate Beholdt", ended_years_ago=4)
    with time_machine.travel(at(TODAY)):
        retention.run()
    ErasureNotice.objects.update(kept_by=office, kept_reason="Sag kører stadig")
    with time_machine.travel(at(TODAY + timedelta(days=60))):
        retention.run()
    gone.refresh_from_db()
    assert gone.anonymised_at is None


def test_a_member_who_comes_back_loses_the_notice(branch):
    gone = _former_member(branch, "Carl Comeback", ended_years_ago=4)
    with time_machine.travel(at(TODAY)):
        retention.run()
    factories.MandateFactory(person=gone, role=Mandate.Role.AMR)
    with time_machine.travel(at(TODAY + timedelta(days=40))):
        result = retention.run()
    assert result.branches[0].reactivated == 1 and not ErasureNotice.objects.exists()
    gone.refresh_from_db()
    assert gone.anonymised_at is None


def test_a_kept_claim_makes_the_anonymisation_wait(branch):
    gone = _former_member(branch, "Kirsten Krav", ended_years_ago=4)
    work_date = TODAY - timedelta(days=365 * 4)
    with time_machine.travel(at(work_date)):
        _claim(branch, gone, work_date)
    with time_machine.travel(at(TODAY)):
        retention.run()
    with time_machine.travel(at(TODAY + timedelta(days=31))):
        result = retention.run()
    assert result.branches[0].anonymised == []
    # kept 5 years after the end of the financial year of the claim
    assert result.branches[0].waiting == [(gone.pk, date(work_date.year + 6, 1, 1))]
    gone.refresh_from_db()
    assert gone.anonymised_at is None
    with time_machine.travel(at(date(work_date.year + 6, 1, 1))):
        result = retention.run()
    assert result.branches[0].anonymised == [gone.pk]


def _claim(branch, gone, work_date):
    ReleaseClaim.objects.create(
        branch=branch,
        kind=ReleaseClaim.Kind.MENTOR_SESSION,
        claimant=gone,
        filed_by=factories.UserFactory(username="indsender"),
        reference="Mentorsession 1",
        work_date=work_date,
        employer=factories.EmployerFactory(branch=branch),
        hours=Decimal("1.5"),
        hours_cap=Decimal("2"),
        leave_noted=True,
        amount=Decimal("0"),
        submitted_at=at(work_date),
    )


def test_old_sign_ups_go(branch, network):
    def signup(status, created_days, decided_days=None):
        with time_machine.travel(at(TODAY - timedelta(days=created_days))):
            return SignUp.objects.create(
                branch=branch,
                network=network,
                name="Ansøger",
                email="a@example.org",
                municipality="Viborg",
                role="amr",
                consent_at=timezone.now(),
                confirm_expires_at=timezone.now() + timedelta(days=3),
                status=status,
                decided_at=at(TODAY - timedelta(days=decided_days)) if decided_days is not None else None,
            )

    stale = signup(SignUp.Status.UNCONFIRMED, 11)  # its 3-day link expired 8 days ago
    fresh = signup(SignUp.Status.UNCONFIRMED, 9)
    declined_old = signup(SignUp.Status.DECLINED, 100, decided_days=91)
    declined_new = signup(SignUp.Status.DECLINED, 100, decided_days=89)
    pending = signup(SignUp.Status.PENDING, 200)
    accepted_old = signup(SignUp.Status.ACCEPTED, 100, decided_days=91)
    with time_machine.travel(at(TODAY)):
        retention.run()
    left = set(SignUp.objects.values_list("pk", flat=True))
    assert left == {fresh.pk, declined_new.pk, pending.pk}
    assert not left & {stale.pk, declined_old.pk, accepted_old.pk}


def test_a_dry_run_changes_nothing_and_says_what_would_go(branch, capsys):
    gone = _former_member(branch, "Dorte Dry", ended_years_ago=4)
    mail = _mail(branch, "old", status=OutboundEmail.Status.SENT, sent_on=TODAY - timedelta(days=40))
    with time_machine.travel(at(TODAY)):
        call_command("retention", "--dry-run")
    out = capsys.readouterr().out
    assert "1 mailtekster ville blive slettet" in out
    assert "1 varslet" in out and "Prøvekørsel" in out
    mail.refresh_from_db()
    assert "Mette" in mail.body_text
    assert not ErasureNotice.objects.exists()
    assert Person.objects.get(pk=gone.pk).anonymised_at is None
    assert not OutboundEmail.objects.filter(template="privacy/retention_notice").exists()


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today"):
        call_command("retention", "--today", "1900-01-01")
    with pytest.raises(CommandError, match="--today"):
        call_command("retention", "--today", "ikke en dato")


def test_the_job_is_a_fixed_number_of_queries_per_branch(branch, django_assert_max_num_queries):
    def data(prefix, n):
        for i in range(n):
            _mail(
                branch, f"{prefix}{i}", status=OutboundEmail.Status.SENT, sent_on=TODAY - timedelta(days=40)
            )
            _former_member(branch, f"Person {prefix}{i}", ended_years_ago=4)

    data("a", 2)
    with time_machine.travel(at(TODAY)), django_assert_max_num_queries(40) as small:
        assert len(retention.run().branches[0].noticed) == 2
    data("b", 30)
    with (
        time_machine.travel(at(TODAY + timedelta(days=1))),
        django_assert_max_num_queries(len(small.captured_queries)),
    ):
        result = retention.run()
    assert len(result.branches[0].noticed) == 30 and result.branches[0].mail_bodies == 30
