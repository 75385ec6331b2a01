"""Filing release time (frikøb) and mileage: the rules, the amounts, the office's mail, the cancel hook."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from circles.models import Attendance, Meeting, MileageRate, ReleaseClaim
from circles.services.claims import (
    claim_file_mentor_session,
    claim_file_mileage,
    claim_file_preparation,
    claim_withdraw,
    mileage_amount,
)
from circles.services.meetings import meeting_cancel
from netvaerk.outbox.models import OutboundEmail
from tests import factories

NOW = timezone.make_aware(timezone.datetime(2026, 6, 15, 12, 0))


@pytest.fixture(autouse=True)
def _june(db):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(network, coordinator):
    return factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=3))


@pytest.fixture
def rate(branch):
    return MileageRate.objects.create(
        branch=branch, year=2026, rate=Decimal("3.79"), threshold_km=840, rate_above=Decimal("2.23")
    )


def prep(meeting, user, **overrides):
    values = {"hours": Decimal("2"), "employer": None, "payroll_office": "", "leave_noted": True}
    values.update(overrides)
    return claim_file_preparation(meeting=meeting, claimant=user.person, by=user, **values)


def drive(meeting, user, km, **overrides):
    values = {
        "work_date": date(2026, 6, 12),
        "route_from": "Skive",
        "route_to": "Viborg",
        "km": km,
        "workplace_declined": True,
    }
    values.update(overrides)
    return claim_file_mileage(claimant=user.person, by=user, meeting=meeting, **values)


# Preparation ---------------------------------------------------------------------------------------


def test_coordinator_files_preparation_with_amount_cap_and_employer_from_mandate(
    meeting, coordinator, branch
):
    branch.release_hourly_rate = Decimal("333.33")
    branch.save()
    claim = prep(meeting, coordinator, hours=Decimal("1.5"))
    mandate_employer = coordinator.person.mandates.get().workplace.employer
    assert claim.status == ReleaseClaim.Status.SUBMITTED
    assert claim.kind == ReleaseClaim.Kind.PREPARATION
    assert claim.employer == mandate_employer and claim.network == meeting.network
    assert claim.hours_cap == Decimal("2.00")
    assert claim.work_date == date(2026, 6, 12)
    assert claim.amount == Decimal("500.00")  # 499.995 rounded half up to øre


def test_amount_rounds_half_up_to_ore(meeting, coordinator, branch):
    branch.release_hourly_rate = Decimal("100.01")
    branch.save()
    assert prep(meeting, coordinator, hours=Decimal("0.25")).amount == Decimal("25.00")  # 25.0025
    claim_withdraw(claim_id=ReleaseClaim.objects.get().pk, by=coordinator)
    branch.release_hourly_rate = Decimal("100.02")
    branch.save()
    assert prep(meeting, coordinator, hours=Decimal("0.25")).amount == Decimal("25.01")  # 25.005 → up


def test_filing_mails_the_office_with_a_link_to_the_admin(
    meeting, coordinator, branch, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = prep(meeting, coordinator)
    row = OutboundEmail.objects.get()
    assert row.key == f"claim-filed:{claim.pk}"
    assert branch.office_email in row.to and row.branch == branch
    assert f"/admin/circles/releaseclaim/{claim.pk}/change/" in row.body_text
    assert len(mailoutbox) == 1 and branch.office_email in mailoutbox[0].to[0]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (Decimal("0"), "over 0"),
        (Decimal("-1"), "over 0"),
        (Decimal("2.01"), "højst 2 timers"),
        (Decimal("8"), "højst 2 timers"),
        (Decimal("1.255"), "to decimaler"),
        ("to", "som et tal"),
        ("NaN", "som et tal"),
        ("Infinity", "som et tal"),
    ],
)
def test_bad_hours_are_refused_and_nothing_is_written(meeting, coordinator, hours, message):
    with pytest.raises(ValidationError, match=message):
        prep(meeting, coordinator, hours=hours)
    assert not ReleaseClaim.objects.exists() and not OutboundEmail.objects.exists()


def test_the_cap_is_the_branchs_and_is_stored_with_the_claim(meeting, coordinator, branch):
    branch.release_hours_cap = Decimal("3.50")
    branch.save()
    claim = prep(meeting, coordinator, hours=Decimal("3.5"))
    assert claim.hours_cap == Decimal("3.50")
    branch.release_hours_cap = Decimal("1.00")
    branch.save()
    claim.refresh_from_db()
    assert claim.hours_cap == Decimal("3.50")  # a later change of the cap does not touch filed claims


def test_leave_must_be_noted(meeting, coordinator):
    with pytest.raises(ValidationError, match="arbejdsplan"):
        prep(meeting, coordinator, leave_noted=False)
    assert not ReleaseClaim.objects.exists()


def test_only_the_networks_coordinator_files_for_themselves(meeting, coordinator, member):
    with pytest.raises(ValidationError, match="koordinator"):
        prep(meeting, member)
    with pytest.raises(ValidationError, match="for dig selv"):
        claim_file_preparation(
            meeting=meeting, claimant=coordinator.person, by=member, hours=1, leave_noted=True
        )
    assert not ReleaseClaim.objects.exists()


def test_a_claim_on_another_coordinators_network_is_refused(coordinator, branch):
    other = factories.NetworkFactory(branch=branch)
    other.coordinator = factories.PersonFactory(branch=branch)
    other.save()
    foreign = factories.MeetingFactory(network=other, starts_at=NOW - timedelta(days=1))
    with pytest.raises(ValidationError, match="koordinator"):
        prep(foreign, coordinator)


def test_one_open_preparation_claim_per_meeting_and_claimant(meeting, coordinator):
    first = prep(meeting, coordinator)
    with pytest.raises(ValidationError, match="allerede søgt frikøb"):
        prep(meeting, coordinator, hours=1)
    assert ReleaseClaim.objects.count() == 1 and OutboundEmail.objects.count() == 1
    claim_withdraw(claim_id=first.pk, by=coordinator)
    assert prep(meeting, coordinator, hours=1).hours == 1  # a withdrawn claim may be filed anew


def test_the_database_constraint_turns_into_the_danish_message(meeting, coordinator, monkeypatch):
    prep(meeting, coordinator)
    # the look-up before the insert says nothing: the unique constraint catches it
    monkeypatch.setattr(
        "circles.services.claims.ReleaseClaim.objects.filter",
        lambda *a, **k: ReleaseClaim.objects.none(),
    )
    with pytest.raises(ValidationError, match="allerede søgt frikøb til forberedelse"):
        prep(meeting, coordinator, hours=1)


def test_cancelled_meeting_is_refused(meeting, coordinator):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError, match="aflyst"):
        prep(meeting, coordinator)


def test_planned_future_meeting_may_be_claimed(network, coordinator):
    future = factories.MeetingFactory(network=network, starts_at=NOW + timedelta(days=10))
    assert prep(future, coordinator).work_date == date(2026, 6, 25)


def test_meeting_older_than_the_branchs_limit_is_refused(network, coordinator, branch):
    old = factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=91))
    with pytest.raises(ValidationError, match="senest 90 dage"):
        prep(old, coordinator)
    branch.claim_max_age_days = 120
    branch.save()
    assert prep(old, coordinator).pk


def test_employer_must_belong_to_the_branch(meeting, coordinator, other_branch):
    foreign = factories.EmployerFactory(branch=other_branch)
    with pytest.raises(ValidationError, match="hører ikke til kredsen"):
        prep(meeting, coordinator, employer=foreign)


def test_without_a_mandate_the_employer_must_be_chosen(meeting, coordinator, branch):
    coordinator.person.mandates.all().delete()
    with pytest.raises(ValidationError, match="Vælg den arbejdsgiver"):
        prep(meeting, coordinator)
    chosen = factories.EmployerFactory(branch=branch)
    assert prep(meeting, coordinator, employer=chosen).employer == chosen


# Withdraw ------------------------------------------------------------------------------------------


def test_only_the_claimant_withdraws_and_only_while_submitted(meeting, coordinator, member, office):
    claim = prep(meeting, coordinator)
    with pytest.raises(ValidationError, match="dine egne"):
        claim_withdraw(claim_id=claim.pk, by=member)
    ReleaseClaim.objects.filter(pk=claim.pk).update(
        status=ReleaseClaim.Status.APPROVED, decided_by=office, decided_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="behandlet"):
        claim_withdraw(claim_id=claim.pk, by=coordinator)
    claim.refresh_from_db()
    assert claim.status == ReleaseClaim.Status.APPROVED


def test_withdraw_twice_says_so(meeting, coordinator):
    claim = prep(meeting, coordinator)
    claim_withdraw(claim_id=claim.pk, by=coordinator)
    with pytest.raises(ValidationError, match="allerede trukket tilbage"):
        claim_withdraw(claim_id=claim.pk, by=coordinator)


# Cancel hook ---------------------------------------------------------------------------------------


def test_cancelling_a_meeting_marks_its_open_claims_and_mails_the_office_once_each(
    network, coordinator, branch, rate
):
    planned = factories.MeetingFactory(network=network, starts_at=NOW + timedelta(days=5))
    claim = prep(planned, coordinator)
    withdrawn = drive(planned, coordinator, 10, work_date=date(2026, 6, 14))
    claim_withdraw(claim_id=withdrawn.pk, by=coordinator)
    meeting_cancel(meeting=planned, by=coordinator)
    claim.refresh_from_db()
    withdrawn.refresh_from_db()
    assert "aflyst" in claim.needs_attention
    assert withdrawn.needs_attention == ""
    mails = OutboundEmail.objects.filter(template="circles/claim_attention")
    assert [m.key for m in mails] == [f"claim-attention:{claim.pk}:meeting-cancelled"]
    assert branch.office_email in mails[0].to
    assert f"/admin/circles/releaseclaim/{claim.pk}/change/" in mails[0].body_text


def test_cancelling_a_meeting_without_claims_sends_no_claim_mail(network, coordinator):
    planned = factories.MeetingFactory(network=network, starts_at=NOW + timedelta(days=5))
    meeting_cancel(meeting=planned, by=coordinator)
    assert not OutboundEmail.objects.filter(template="circles/claim_attention").exists()


# Mileage -------------------------------------------------------------------------------------------


def test_mileage_threshold_worked_example(meeting, coordinator, rate):
    """Threshold 840 km: 600 km all at the rate; then 400 km: 240 km at the rate, 160 km above it."""
    first = drive(meeting, coordinator, 600)
    second = drive(meeting, coordinator, 400, route_from="Holstebro")
    assert first.amount == Decimal("2274.00")  # 600 × 3,79
    assert second.amount == Decimal("1266.40")  # 240 × 3,79 + 160 × 2,23 = 909,60 + 356,80
    assert mileage_amount(rate=rate, km_before=1000, km=10) == Decimal("22.30")


def test_withdrawn_and_rejected_and_other_years_do_not_count(meeting, coordinator, branch, rate, office):
    MileageRate.objects.create(
        branch=branch, year=2025, rate=Decimal("3.73"), threshold_km=840, rate_above=Decimal("2.19")
    )
    withdrawn = drive(meeting, coordinator, 800)
    claim_withdraw(claim_id=withdrawn.pk, by=coordinator)
    assert drive(meeting, coordinator, 840, route_to="Aarhus").amount == Decimal("3183.60")  # all low km
    ReleaseClaim.objects.filter(route_to="Aarhus").update(
        status=ReleaseClaim.Status.REJECTED, decided_by=office, decided_at=timezone.now(), reject_reason="x"
    )
    assert drive(meeting, coordinator, 100, route_to="Silkeborg").amount == Decimal("379.00")


def test_mileage_rounds_once_half_up(meeting, coordinator, branch):
    MileageRate.objects.create(
        branch=branch, year=2026, rate=Decimal("0.05"), threshold_km=1, rate_above=Decimal("0.05")
    )
    assert drive(meeting, coordinator, 1).amount == Decimal("0.05")


def test_mileage_without_a_rate_for_the_year_is_refused(meeting, coordinator):
    with pytest.raises(ValidationError, match="kilometersatser for 2026"):
        drive(meeting, coordinator, 10)
    assert not ReleaseClaim.objects.exists()


@pytest.mark.parametrize(
    ("km", "message"),
    [(0, "mellem 1 og 2.000"), (-5, "mellem 1 og 2.000"), (2001, "mellem 1 og 2.000"), ("ti", "helt tal")],
)
def test_bad_km_is_refused(meeting, coordinator, rate, km, message):
    with pytest.raises(ValidationError, match=message):
        drive(meeting, coordinator, km)
    assert not ReleaseClaim.objects.exists()


def test_mileage_needs_the_workplaces_refusal(meeting, coordinator, rate):
    with pytest.raises(ValidationError, match="først søges hos arbejdspladsen"):
        drive(meeting, coordinator, 10, workplace_declined=False)


def test_mileage_is_for_the_coordinator_or_those_who_attended(meeting, coordinator, member, rate):
    with pytest.raises(ValidationError, match="registreret som deltagere"):
        drive(meeting, member, 30)
    Attendance.objects.create(meeting=meeting, person=member.person)
    assert drive(meeting, member, 30).claimant == member.person


def test_mileage_dates_ahead_or_too_old_are_refused(meeting, coordinator, rate):
    with pytest.raises(ValidationError, match="når den er kørt"):
        drive(meeting, coordinator, 30, work_date=date(2026, 6, 16))
    with pytest.raises(ValidationError, match="senest 90 dage"):
        drive(meeting, coordinator, 30, work_date=date(2026, 3, 1))


def test_the_same_drive_twice_is_refused(meeting, coordinator, rate):
    drive(meeting, coordinator, 30)
    with pytest.raises(ValidationError, match="allerede søgt denne kørsel"):
        drive(meeting, coordinator, 30)
    assert ReleaseClaim.objects.count() == 1


def test_route_is_required_and_bounded(meeting, coordinator, rate):
    with pytest.raises(ValidationError, match="Udfyld fra"):
        drive(meeting, coordinator, 30, route_from="  ")
    with pytest.raises(ValidationError, match="højst fylde 160"):
        drive(meeting, coordinator, 30, route_to="x" * 161)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_mileage_filings_do_not_both_take_the_rate(network, coordinator, branch):
    MileageRate.objects.create(
        branch=branch, year=2026, rate=Decimal("4.00"), threshold_km=840, rate_above=Decimal("2.00")
    )
    # two meetings: the meeting row's lock does not serialise them, only the person row's does
    meetings = [factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=d)) for d in (3, 4)]
    barrier = threading.Barrier(2)
    errors = []

    def file(meeting):
        try:
            barrier.wait(timeout=5)
            drive(meeting, coordinator, 600)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(meeting,)) for meeting in meetings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    amounts = sorted(ReleaseClaim.objects.values_list("amount", flat=True))
    # one got 600 km at 4,00; the other 240 km at 4,00 and 360 km at 2,00
    assert amounts == [Decimal("1680.00"), Decimal("2400.00")]


# Mentor session ------------------------------------------------------------------------------------


def mentor(user, **overrides):
    values = {
        "reference": "mentorforløb 7, session 2",
        "work_date": date(2026, 6, 10),
        "hours": Decimal("1.5"),
        "employer": None,
        "payroll_office": "",
        "leave_noted": True,
    }
    values.update(overrides)
    return claim_file_mentor_session(claimant=user.person, by=user, **values)


def test_mentor_session_claim_for_oneself_once_per_session(member, branch):
    claim = mentor(member)
    assert claim.kind == ReleaseClaim.Kind.MENTOR_SESSION and claim.meeting is None
    assert claim.amount == Decimal("525.00") and claim.hours_cap == Decimal("2.00")
    assert OutboundEmail.objects.get().key == f"claim-filed:{claim.pk}"
    with pytest.raises(ValidationError, match="denne mentorsession"):
        mentor(member)
    assert mentor(member, reference="mentorforløb 7, session 3").pk


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reference": " "}, "Udfyld reference"),
        ({"reference": "x" * 81}, "højst fylde 80"),
        ({"hours": Decimal("2.5")}, "højst 2 timers"),
        ({"hours": Decimal("0")}, "over 0"),
        ({"leave_noted": False}, "arbejdsplan"),
        ({"work_date": date(2026, 6, 20)}, "har fundet sted"),
        ({"work_date": date(2026, 1, 2)}, "senest 90 dage"),
    ],
)
def test_mentor_session_rules(member, overrides, message):
    with pytest.raises(ValidationError, match=message):
        mentor(member, **overrides)
    assert not ReleaseClaim.objects.exists()


def test_mentor_session_only_for_oneself(member, coordinator):
    with pytest.raises(ValidationError, match="for dig selv"):
        claim_file_mentor_session(
            claimant=member.person,
            by=coordinator,
            reference="s1",
            work_date=date(2026, 6, 10),
            hours=1,
            leave_noted=True,
        )
