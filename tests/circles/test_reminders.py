"""The periodic reminders' rules: each with the case that must send nothing."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circles.models import Invitation, Meeting, Minutes, Network, Reminder
from circles.services import reminders
from circles.services.meetings import invitation_for_token, meeting_cancel
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

QUARTER_START = date(2027, 4, 1)


def at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def meeting(network, day: date, status=Meeting.Status.PLANNED, **kwargs):
    return factories.MeetingFactory(network=network, starts_at=at(day), status=status, **kwargs)


def on_target(network, year=2027):
    """Four meetings in the year, one in each quarter."""
    for month in (2, 5, 8, 11):
        meeting(network, date(year, month, 10))


def run(job, day):
    with time_machine.travel(at(day, 6), tick=False):
        return reminders.run(job, today=day)


def mails(**filters):
    return list(OutboundEmail.objects.filter(**filters).order_by("pk"))


# Cadence ------------------------------------------------------------------------------------------


def test_a_network_on_target_gets_no_cadence_reminder(network, coordinator):
    on_target(network)
    assert run("cadence", QUARTER_START).sent == 0
    assert not OutboundEmail.objects.exists() and not Reminder.objects.exists()


def test_a_network_behind_gets_one_reminder_with_its_figures_and_a_plan_link(network, coordinator):
    meeting(network, date(2027, 2, 10), status=Meeting.Status.HELD)
    meeting(network, date(2027, 5, 10))
    result = run("cadence", QUARTER_START)
    assert result.sent == 1
    (mail,) = mails()
    assert mail.to == "Karen Koordinator <koordinator@example.org>"
    assert "Afholdt: 1" in mail.body_text and "Planlagt: 1" in mail.body_text and "Mål: 4" in mail.body_text
    assert f"/netvaerk/{network.pk}/planlaeg/" in mail.body_text
    assert "Hvorfor får du denne mail" in mail.body_text and "Sådan stopper" in mail.body_text
    reminder = Reminder.objects.get()
    assert reminder.key == mail.key and reminder.network == network and reminder.kind == Reminder.Kind.CADENCE
    assert "afholdt 1, planlagt 1, mål 4" in reminder.reason
    # the same day again, and the rest of the catch-up week: nothing more
    assert run("cadence", QUARTER_START).sent == 0
    assert run("cadence", QUARTER_START + timedelta(days=3)).sent == 0
    assert OutboundEmail.objects.count() == 1


def test_no_meeting_in_the_quarter_reminds_even_a_network_on_target_for_the_year(network, coordinator):
    for month in (1, 2, 3, 10):  # four in the year, none in the second quarter
        meeting(network, date(2027, month, 10))
    assert run("cadence", QUARTER_START).sent == 1
    assert "intet møde i dette kvartal" in mails()[0].body_text


def test_mid_quarter_reminds_again_and_only_if_the_branch_wants_it(network, coordinator, branch):
    assert run("cadence", QUARTER_START).sent == 1
    assert run("cadence", date(2027, 4, 20)).sent == 0  # between checkpoints
    assert run("cadence", date(2027, 5, 15)).sent == 1
    branch.cadence_mid_quarter = False
    branch.save()
    assert run("cadence", date(2027, 8, 15)).sent == 0
    assert run("cadence", date(2027, 10, 1)).sent == 1


def test_a_network_without_coordinator_tells_the_office(network, branch):
    assert network.coordinator is None
    run("cadence", QUARTER_START)
    (mail,) = mails()
    assert branch.office_email in mail.to
    assert "hverken koordinator eller konsulent" in mail.body_text


def test_an_amr_network_reminds_its_consultant(branch, consultant, coordinator):
    consultant.email = "konsulent@kreds.example.org"
    consultant.save()
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR, consultant=consultant)
    meeting(amr, date(2027, 2, 1), status=Meeting.Status.HELD)
    meeting(amr, date(2027, 9, 1))  # two a year: on target, but nothing in the second quarter
    run("cadence", QUARTER_START)
    amr_mails = mails(key__contains=f":{amr.pk}:")
    assert [mail.to for mail in amr_mails] == [f"konsulent <{consultant.email}>"]
    assert "Mål: 2" in amr_mails[0].body_text


def test_an_inactive_network_and_a_cancelled_meeting(network, coordinator, branch):
    dormant = factories.NetworkFactory(branch=branch, active=False)
    on_target(network)
    Meeting.objects.filter(network=network, starts_at__month=5).update(status=Meeting.Status.CANCELLED)
    run("cadence", QUARTER_START)
    assert [mail.key for mail in mails()] == [f"cadence:2027Q2a:{network.pk}:{coordinator.person.pk}"]
    assert not Reminder.objects.filter(network=dormant).exists()


# Digest -------------------------------------------------------------------------------------------


def test_the_monthly_digest_lists_the_branchs_networks_behind(network, coordinator, branch, other_branch):
    on_target(network)
    behind = factories.NetworkFactory(branch=branch, name="Bagud-netværket")
    meeting(behind, date(2027, 3, 3), status=Meeting.Status.HELD)
    factories.NetworkFactory(branch=other_branch, name="Andet kreds-netværk")
    assert run("digest", date(2027, 4, 2)).sent == 2  # one per branch with a network behind
    mail = OutboundEmail.objects.get(to__contains=branch.office_email)
    assert "Bagud-netværket: afholdt 1, planlagt 0, venter på fremmøde 0, mål 4, mangler 3" in mail.body_text
    assert network.name not in mail.body_text and "Andet kreds-netværk" not in mail.body_text
    assert run("digest", date(2027, 4, 5)).sent == 0
    assert run("digest", date(2027, 4, 20)).sent == 0  # not the start of a month
    assert run("digest", date(2027, 5, 1)).sent == 2


# Before each meeting ------------------------------------------------------------------------------

MEETING_DAY = date(2027, 3, 18)


def invite(meeting, person=None, user=None, response=Invitation.Response.NONE):
    return Invitation.objects.create(
        meeting=meeting, person=person, user=user, response=response, token_hash=tokens.issue().digest
    )


@pytest.fixture
def invited(network, coordinator, member):
    planned = meeting(network, MEETING_DAY)
    invite(planned, person=coordinator.person, response=Invitation.Response.YES)
    invite(planned, person=member.person)
    return planned


def test_invited_people_are_reminded_7_and_1_days_before_with_calendar_and_answer_link(
    invited, member, mailoutbox, django_capture_on_commit_callbacks
):
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=8)).sent == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 2
    row = OutboundEmail.objects.get(to__contains=member.person.email)
    assert row.attachments[0]["mimetype"] == "text/calendar"
    assert "/svar/" not in row.body_text and "[[secret:answer_url]]" in row.body_text
    assert "om 7 dage" in row.body_text and "Sådan stopper" in row.body_text
    delivered = next(mail for mail in mailoutbox if member.person.email in mail.to[0])
    link = next(line for line in delivered.body.splitlines() if "[[" not in line and "/svar/" in line)
    assert invitation_for_token(link.rstrip("/").rsplit("/", 1)[1]).person == member.person
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 0
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=1)).sent == 2
    assert Reminder.objects.filter(kind=Reminder.Kind.MEETING, meeting=invited).count() == 4


def test_a_declined_person_is_not_reminded(invited, member):
    Invitation.objects.filter(person=member.person).update(response=Invitation.Response.NO)
    run("meeting_reminders", MEETING_DAY - timedelta(days=7))
    assert member.person.email not in " ".join(mail.to for mail in mails())
    assert len(mails()) == 1


def test_a_cancelled_meeting_is_never_reminded(invited):
    Meeting.objects.filter(pk=invited.pk).update(status=Meeting.Status.CANCELLED)
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 0
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=1)).sent == 0


def test_a_moved_meeting_is_reminded_on_its_new_date_and_not_its_old(invited):
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 2
    new_day = MEETING_DAY + timedelta(days=7)
    Meeting.objects.filter(pk=invited.pk).update(starts_at=at(new_day), sequence=1)
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=1)).sent == 0  # the old date
    assert run("meeting_reminders", new_day - timedelta(days=7)).sent == 2
    assert run("meeting_reminders", new_day - timedelta(days=1)).sent == 2


def test_a_queued_reminder_is_withdrawn_when_the_meeting_is_cancelled(invited, member):
    run("meeting_reminders", MEETING_DAY - timedelta(days=7))
    reminder = OutboundEmail.objects.get(to__contains=member.person.email)
    assert reminder.topic == f"meeting:{invited.pk}:{member.person.pk}"
    meeting_cancel(meeting=invited, by=member)
    reminder.refresh_from_db()
    assert reminder.status == OutboundEmail.Status.WITHDRAWN
    cancel = OutboundEmail.objects.get(to__contains=member.person.email, template="circles/meeting_cancelled")
    assert cancel.status == OutboundEmail.Status.QUEUED


def test_a_reminder_replaces_a_queued_older_reminder_to_the_same_person(invited, member):
    run("meeting_reminders", MEETING_DAY - timedelta(days=7))
    run("meeting_reminders", MEETING_DAY - timedelta(days=1))
    statuses = list(
        OutboundEmail.objects.filter(to__contains=member.person.email)
        .order_by("pk")
        .values_list("status", flat=True)
    )
    assert statuses == [OutboundEmail.Status.WITHDRAWN, OutboundEmail.Status.QUEUED]


def test_a_person_invited_after_the_first_reminder_date_gets_only_the_last(network, member):
    planned = meeting(network, MEETING_DAY)
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 0
    invite(planned, person=member.person)
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=5)).sent == 0
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=1)).sent == 1


def test_the_branch_sets_the_days_and_empty_turns_a_reminder_off(invited, branch):
    branch.meeting_reminder_days = 3
    branch.meeting_last_reminder_days = None
    branch.save()
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 0
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=3)).sent == 2
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=1)).sent == 0


# Minutes overdue ----------------------------------------------------------------------------------

HELD_DAY = date(2027, 3, 1)


@pytest.fixture
def held(network, coordinator):
    return meeting(network, HELD_DAY, status=Meeting.Status.HELD)


def test_minutes_overdue_reminds_the_coordinator_at_7_days_and_the_office_at_21(held, branch, coordinator):
    assert run("minutes_overdue", HELD_DAY + timedelta(days=6)).sent == 0
    assert run("minutes_overdue", HELD_DAY + timedelta(days=7)).sent == 1
    assert mails()[0].to == "Karen Koordinator <koordinator@example.org>"
    assert "referatet er ikke indsendt" in mails()[0].body_text
    assert f"/moede/{held.pk}/referat/skriv/" in mails()[0].body_text
    assert run("minutes_overdue", HELD_DAY + timedelta(days=20)).sent == 0
    assert run("minutes_overdue", HELD_DAY + timedelta(days=21)).sent == 1
    office_mail = mails()[1]
    assert (
        branch.office_email in office_mail.to
        and "Karen Koordinator er blevet påmindet" in office_mail.body_text
    )
    assert run("minutes_overdue", HELD_DAY + timedelta(days=40)).sent == 0
    kinds = sorted(Reminder.objects.values_list("kind", flat=True))
    assert kinds == [Reminder.Kind.MINUTES, Reminder.Kind.MINUTES_OFFICE]


def test_submitted_minutes_stop_the_reminders(held):
    Minutes.objects.create(
        meeting=held, status=Minutes.Status.SUBMITTED, submitted_at=at(HELD_DAY + timedelta(days=2))
    )
    assert run("minutes_overdue", HELD_DAY + timedelta(days=7)).sent == 0
    assert run("minutes_overdue", HELD_DAY + timedelta(days=21)).sent == 0


def test_a_draft_counts_as_not_submitted_and_a_planned_meeting_as_not_held(held, network):
    Minutes.objects.create(meeting=held, status=Minutes.Status.DRAFT)
    meeting(network, HELD_DAY)  # planned, never marked held: attendance is the office's business
    assert run("minutes_overdue", HELD_DAY + timedelta(days=7)).sent == 1


def test_returned_minutes_not_resubmitted_remind_at_14_days_then_the_office(held, branch):
    returned_on = HELD_DAY + timedelta(days=3)
    Minutes.objects.create(
        meeting=held,
        status=Minutes.Status.RETURNED,
        submitted_at=at(HELD_DAY + timedelta(days=1)),
        decided_at=at(returned_on, 10),
    )
    assert run("minutes_overdue", returned_on + timedelta(days=13)).sent == 0
    assert run("minutes_overdue", returned_on + timedelta(days=14)).sent == 1
    assert "sendt retur" in mails()[0].body_text
    assert run("minutes_overdue", returned_on + timedelta(days=21)).sent == 1
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == [
        Reminder.Kind.RETURNED,
        Reminder.Kind.RETURNED_OFFICE,
    ]


def test_without_coordinator_the_office_is_told_at_7_days_and_again_at_21(network, branch):
    meeting(network, HELD_DAY, status=Meeting.Status.HELD)
    assert run("minutes_overdue", HELD_DAY + timedelta(days=7)).sent == 1
    assert branch.office_email in mails()[0].to
    assert run("minutes_overdue", HELD_DAY + timedelta(days=21)).sent == 1
    assert run("minutes_overdue", HELD_DAY + timedelta(days=25)).sent == 0


# Query counts -------------------------------------------------------------------------------------


def _load(count):
    """``count`` networks behind, each in its own branch, with a meeting in a week and one held
    without minutes."""
    for _index in range(count):
        branch = factories.BranchFactory()
        network = factories.NetworkFactory(branch=branch)
        person = factories.PersonFactory(branch=branch)
        network.coordinator = person
        network.save()
        planned = meeting(network, MEETING_DAY)
        invite(planned, person=person)
        meeting(network, date(2027, 3, 4), status=Meeting.Status.HELD)


def _decision_queries(job, day):
    with time_machine.travel(at(day, 6), tick=False), CaptureQueriesContext(connection) as queries:
        decided = list(reminders.JOBS[job](day))
    return len(queries), len(decided)


@pytest.mark.parametrize(
    "job, day",
    [
        ("cadence", date(2027, 4, 1)),
        ("digest", date(2027, 3, 1)),
        ("meeting_reminders", MEETING_DAY - timedelta(days=7)),
        ("minutes_overdue", date(2027, 3, 11)),
    ],
)
def test_each_decision_is_a_fixed_number_of_queries(db, job, day):
    _load(2)
    small, decided_small = _decision_queries(job, day)
    _load(8)
    large, decided_large = _decision_queries(job, day)
    assert decided_large == 5 * decided_small > 0
    assert small == large


def test_sending_is_a_fixed_number_of_queries(db):
    _load(2)
    with time_machine.travel(at(date(2027, 4, 1), 6), tick=False), CaptureQueriesContext(connection) as small:
        reminders.run("cadence", today=date(2027, 4, 1))
    _load(8)
    with time_machine.travel(at(date(2027, 7, 1), 6), tick=False), CaptureQueriesContext(connection) as large:
        reminders.run("cadence", today=date(2027, 7, 1))
    assert OutboundEmail.objects.count() == 2 + 10
    assert len(small) == len(large)


def test_the_facilitating_consultant_is_reminded_of_the_meeting_too(network, consultant):
    consultant.email = "konsulent@kreds.example.org"
    consultant.save()
    planned = meeting(network, MEETING_DAY)
    invite(planned, user=consultant)
    assert run("meeting_reminders", MEETING_DAY - timedelta(days=7)).sent == 1
    (mail,) = mails()
    assert consultant.email in mail.to and mail.key.endswith(f":user-{consultant.pk}")
