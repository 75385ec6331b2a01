"""The pairings' daily job: a reminder to both parties one month before the end, and at the end the
pairing completed and a feedback link to each party; exactly once, a fixed number of queries."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circles.models import Reminder
from circles.services import reminders
from mentoring.jobs_pairings import JOB, decide_pairing_reminders
from mentoring.models import Pairing, PairingLink
from mentoring.services.pairings import pairing_end
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring.factories import MentorFactory
from tests.mentoring.pairing_kit import link_in, programme_in, reload, start_pairing

pytestmark = pytest.mark.django_db

START = date(2027, 1, 31)  # ends 31 January 2028; reminded 31 December 2027


@pytest.fixture(autouse=True)
def _registered():
    reminders.register_job(JOB, decide_pairing_reminders)


def at(day: date, hour: int = 6) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def run(day, **kwargs):
    with time_machine.travel(at(day), tick=False):
        return reminders.run(JOB, today=day, **kwargs)


def rows(template):
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def pairing(branch):
    return start_pairing(branch, today=START)


def test_nothing_is_due_before_the_month_before_the_end(pairing):
    assert run(date(2027, 12, 30)).sent == 0
    assert not rows("mentoring/pairing_ending") and not Reminder.objects.exists()


def test_both_parties_are_reminded_a_month_before_with_a_working_end_link_exactly_once(pairing):
    result = run(date(2027, 12, 31))
    assert (result.decided, result.sent) == (2, 2)
    mails = rows("mentoring/pairing_ending")
    assert sorted(row.to for row in mails) == [
        "Mette Mentor <mette@example.org>",
        "Nikolaj Ny <nikolaj@example.org>",
    ]
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"mentor_ending"}
    for row in mails:
        assert "slutter den 31. januar 2028" in row.body_text and "&#x27;" not in row.body_text
        link = link_in(row, "end_url")
        assert link not in row.body_text + row.body_html
        with time_machine.travel(at(date(2027, 12, 31), 12), tick=False):
            assert Client().get(link).status_code == 200
    assert PairingLink.objects.filter(pairing=pairing, purpose="end").count() == 4  # two at the start
    assert run(date(2027, 12, 31)).sent == 0
    assert run(date(2028, 1, 10)).sent == 0  # a later day does not remind again
    assert len(rows("mentoring/pairing_ending")) == 2 and Reminder.objects.count() == 2


def test_a_missed_run_still_reminds_before_the_end(pairing):
    assert run(date(2028, 1, 20)).sent == 2


def test_at_the_end_the_pairing_is_completed_and_each_party_gets_a_feedback_link_once(pairing):
    run(date(2027, 12, 31))
    assert run(date(2028, 1, 30)).sent == 0 and reload(pairing).status == "active"
    result = run(date(2028, 1, 31))
    assert result.sent == 2
    pairing = reload(pairing)
    assert (pairing.status, pairing.ended_on, pairing.ended_by) == ("completed", date(2028, 1, 31), "")
    assert not PairingLink.objects.filter(pairing=pairing, purpose="end", used_at__isnull=True).exists()
    mails = rows("mentoring/pairing_feedback")
    assert len(mails) == 2 and set(
        Reminder.objects.filter(kind="mentor_feedback").values_list("key", flat=True)
    ) == {row.key for row in mails}
    with time_machine.travel(at(date(2028, 2, 1), 12), tick=False):
        for row in mails:
            response = Client().post(link_in(row, "feedback_url"), {"rating": "5", "recommend": "yes"})
            assert "Tak for din evaluering" in response.content.decode()
    assert pairing.feedback.count() == 2
    assert run(date(2028, 1, 31)).sent == 0 and run(date(2028, 2, 3)).sent == 0
    assert len(rows("mentoring/pairing_feedback")) == 2


def test_an_end_link_opened_after_completion_says_it_has_ended(pairing):
    start_mail = OutboundEmail.objects.get(template="mentoring/pairing_started_mentor")
    run(date(2028, 1, 31))
    with time_machine.travel(at(date(2028, 1, 31), 12), tick=False):
        response = Client().post(link_in(start_mail, "end_url"))
    assert response.status_code == 410 and "allerede afsluttet" in response.content.decode()


def test_a_pairing_ended_early_is_neither_reminded_nor_completed(pairing):
    pairing_end(pairing=pairing, party="mentor")
    feedback_before = len(rows("mentoring/pairing_feedback"))
    assert run(date(2027, 12, 31)).sent == 0 and run(date(2028, 1, 31)).sent == 0
    assert (
        reload(pairing).status == "ended_early" and len(rows("mentoring/pairing_feedback")) == feedback_before
    )


def test_a_dry_run_changes_nothing(pairing):
    run(date(2027, 12, 31), dry_run=True)
    result = run(date(2028, 1, 31), dry_run=True)
    assert result.decided == 2 and result.sent == 0  # the feedback links
    assert reload(pairing).status == "active"
    assert PairingLink.objects.count() == 2 and not Reminder.objects.exists()
    assert not rows("mentoring/pairing_ending") and not rows("mentoring/pairing_feedback")


def test_a_short_pairing_gets_no_reminder_at_its_start(branch):
    programme = programme_in(branch, term_months=1)
    start_pairing(branch, today=START, programme=programme)
    assert run(START).sent == 0


def pairings(branch, count, *, start):
    programme = programme_in(branch, name=f"Ordning {count}")
    mentor = MentorFactory(person__branch=branch, capacity=5, person__user=factories.UserFactory()).person
    for number in range(count):
        start_pairing(
            branch, today=start, programme=programme, mentor=mentor, mentee_name=f"Ny{count}x{number} TR"
        )


@pytest.mark.parametrize("day", [date(2027, 12, 31), date(2028, 1, 31)])
def test_the_job_is_a_fixed_number_of_queries(branch, other_branch, day):
    pairings(branch, 2, start=START)
    with time_machine.travel(at(day), tick=False), CaptureQueriesContext(connection) as small:
        assert reminders.run(JOB, today=day).sent == 4
    OutboundEmail.objects.all().delete()
    Reminder.objects.all().delete()
    Pairing.objects.all().delete()
    pairings(other_branch, 8, start=START)
    with time_machine.travel(at(day), tick=False), CaptureQueriesContext(connection) as large:
        assert reminders.run(JOB, today=day).sent == 16
    assert len(large) == len(small), [query["sql"][:120] for query in large.captured_queries]
