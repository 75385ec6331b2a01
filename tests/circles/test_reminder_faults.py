"""Exactly once through faults: concurrent runs over a simulated year, retries, a crash mid-run."""

import threading
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from circles.models import Invitation, Meeting, Network, Reminder
from circles.services import reminders
from netvaerk import tokens
from netvaerk.outbox import services as outbox
from netvaerk.outbox.models import OutboundEmail
from tests import factories

YEAR = 2027
RUNS = 10


def at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def concurrently(job: str, days: list[date]) -> list[Exception]:
    """``RUNS`` threads, each with its own database connection, run ``job`` together on each day."""
    start, done = threading.Barrier(RUNS + 1), threading.Barrier(RUNS + 1)
    errors: list[Exception] = []

    def worker():
        try:
            for _day in days:
                start.wait(timeout=60)
                try:
                    reminders.run(job)
                except Exception as error:  # recorded, the test fails on it
                    errors.append(error)
                done.wait(timeout=60)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for day in days:
        with time_machine.travel(at(day, 6), tick=False):
            start.wait(timeout=60)
            done.wait(timeout=120)
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def year_of_networks(branch, other_branch, consultant):
    """Who should hear what in a year of quarter starts and mid-quarters."""
    other_branch.cadence_mid_quarter = False
    other_branch.save()
    behind = factories.NetworkFactory(branch=branch, name="Bagud")
    behind.coordinator = factories.PersonFactory(branch=branch, name="Bo Bagud")
    behind.save()
    on_target = factories.NetworkFactory(branch=branch, name="På mål")
    for month in (2, 5, 8, 11):
        factories.MeetingFactory(network=on_target, starts_at=at(date(YEAR, month, 10)))
    consultant.email = "konsulent@kreds.example.org"
    consultant.save()
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR, consultant=consultant, name="AMR")
    for month in (2, 5):  # its minimum of two, none in the second half
        factories.MeetingFactory(network=amr, starts_at=at(date(YEAR, month, 10)))
    orphan = factories.NetworkFactory(branch=other_branch, name="Uden koordinator")
    expected = Counter()
    for quarter in range(1, 5):
        for half in "ab":
            expected[f"cadence:{YEAR}Q{quarter}{half}:{behind.pk}:{behind.coordinator.pk}"] += 1
        expected[f"cadence:{YEAR}Q{quarter}a:{orphan.pk}:office-{other_branch.pk}"] += 1
    for period in ("Q3a", "Q3b", "Q4a", "Q4b"):
        expected[f"cadence:{YEAR}{period}:{amr.pk}:user-{consultant.pk}"] += 1
    return expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_cadence_job_run_ten_times_at_once_each_day_of_a_year_sends_each_reminder_once(
    year_of_networks,
):
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    assert concurrently("cadence", days) == []
    sent = Counter(OutboundEmail.objects.values_list("key", flat=True))
    assert sent == year_of_networks
    assert sum(sent.values()) == 16
    assert Counter(Reminder.objects.values_list("key", flat=True)) == year_of_networks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_meeting_moved_after_its_7_day_reminder_is_reminded_for_its_new_date(network, member, coordinator):
    day = date(YEAR, 3, 18)
    meeting = factories.MeetingFactory(network=network, starts_at=at(day))
    for person in (member.person, coordinator.person):
        Invitation.objects.create(meeting=meeting, person=person, token_hash=tokens.issue().digest)
    assert concurrently("meeting_reminders", [day - timedelta(days=7)]) == []
    assert OutboundEmail.objects.count() == 2
    new_day = day + timedelta(days=3)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=at(new_day), sequence=1)
    assert concurrently("meeting_reminders", [day - timedelta(days=1), new_day - timedelta(days=7)]) == []
    assert concurrently("meeting_reminders", [new_day - timedelta(days=1)]) == []
    keys = sorted(OutboundEmail.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 6
    assert sum(new_day.isoformat() in key for key in keys) == 4
    # each reminder's answer link is the invitation's newest: exactly one digest per invitation
    assert Invitation.objects.values("token_hash").distinct().count() == 2


@pytest.mark.django_db
def test_a_crash_while_recording_leaves_nothing_and_the_next_run_sends_all(
    network, coordinator, branch, monkeypatch
):
    for index in range(3):
        factories.NetworkFactory(branch=branch, name=f"Bagud {index}")
    real_render, calls = outbox.render, []

    def crash_on_the_third(mail):
        calls.append(mail.key)
        if len(calls) == 3:
            raise RuntimeError("the worker died")
        return real_render(mail)

    monkeypatch.setattr(outbox, "render", crash_on_the_third)
    with pytest.raises(RuntimeError):
        reminders.run("cadence", today=date(YEAR, 4, 1))
    assert not Reminder.objects.exists() and not OutboundEmail.objects.exists()
    monkeypatch.setattr(outbox, "render", real_render)
    assert reminders.run("cadence", today=date(YEAR, 4, 1)).sent == 4
    assert reminders.run("cadence", today=date(YEAR, 4, 2)).sent == 0


@pytest.mark.django_db
def test_a_mail_already_in_the_outbox_is_not_recorded_twice(network, coordinator):
    """A reminder row lost (say, deleted by hand) while its mail stayed: the key still holds."""
    reminders.run("cadence", today=date(YEAR, 4, 1))
    Reminder.objects.all().delete()
    assert reminders.run("cadence", today=date(YEAR, 4, 1)).sent == 0
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_reminders_recorded_in_several_batches_are_each_sent_once(branch, member, monkeypatch):
    monkeypatch.setattr(reminders, "SEND_BATCH", 2)
    day = date(YEAR, 3, 18)
    meeting = factories.MeetingFactory(network=factories.NetworkFactory(branch=branch), starts_at=at(day))
    for _index in range(5):
        person = factories.PersonFactory(branch=branch)
        Invitation.objects.create(meeting=meeting, person=person, token_hash=tokens.issue().digest)
    assert reminders.run("meeting_reminders", today=day - timedelta(days=7)).sent == 5
    assert reminders.run("meeting_reminders", today=day - timedelta(days=7)).sent == 0
    assert Invitation.objects.values("token_hash").distinct().count() == 5
    assert OutboundEmail.objects.count() == Reminder.objects.count() == 5
