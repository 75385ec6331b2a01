"""`manage.py run_job`: by hand, for a day, as a dry run."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from circles.models import Reminder
from netvaerk.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


def run_job(*args):
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(network, coordinator):
    output = run_job("cadence", "--dry-run", "--today", "2027-04-01")
    assert f"cadence:2027Q2a:{network.pk}:{coordinator.person.pk}" in output
    assert "Karen Koordinator <koordinator@example.org>" in output
    assert "1 påmindelser ville blive sendt (prøvekørsel, intet sendt)" in output
    assert not OutboundEmail.objects.exists() and not Reminder.objects.exists()


def test_today_runs_the_job_as_of_that_day_once(network, coordinator):
    assert "0 påmindelser sendt" in run_job("cadence", "--today", "2027-04-20")
    assert "1 påmindelser sendt" in run_job("cadence", "--today", "2027-04-01")
    assert "0 påmindelser sendt" in run_job("cadence", "--today", "2027-04-01")
    assert OutboundEmail.objects.count() == Reminder.objects.count() == 1


def test_an_unknown_job_gets_a_clear_message():
    with pytest.raises(CommandError, match="Ukendt job 'kadence'. Mulige job: cadence, digest"):
        run_job("kadence")


@pytest.mark.parametrize("value", ["1. april", "2027-13-01", "9999-01-01", "0001-01-01"])
def test_a_bad_date_gets_a_clear_message(value):
    with pytest.raises(CommandError, match="--today skal være en dato som 2026-04-01"):
        run_job("cadence", "--today", value)


@pytest.mark.parametrize("job", ["cadence", "digest", "meeting_reminders", "minutes_overdue"])
def test_every_job_runs_on_an_empty_database(job):
    assert "påmindelser sendt" in run_job(job, "--today", str(date(2027, 1, 1)))


def test_the_celery_tasks_run_the_jobs(network, coordinator, time_machine):
    from circles import tasks

    time_machine.move_to("2027-04-01 06:00 +02:00", tick=False)
    assert tasks.cadence_reminders.delay().get() == 1
    assert tasks.cadence_reminders.delay().get() == 0
    assert tasks.office_digest() == 1
    assert tasks.meeting_reminders() == 0
    assert tasks.minutes_overdue() == 0


def test_the_beat_schedule_names_are_registered_tasks():
    from netvaerk.celery import app

    app.loader.import_default_modules()
    for name in ("cadence_reminders", "office_digest", "meeting_reminders", "minutes_overdue"):
        assert f"circles.tasks.{name}" in app.tasks


def test_seed_scale_loads_networks_apart_from_the_demo_and_adds_on_a_second_run(time_machine):
    from circles.models import Invitation, Meeting, Network, Person

    time_machine.move_to("2027-06-01 12:00 +02:00", tick=False)

    out = StringIO()
    call_command("seed_scale", "--networks", "100", stdout=out)
    assert "1 kredse med 100 netværk, 1000 repræsentanter og 400 møder i år indlæst." in out.getvalue()
    assert Network.objects.filter(name__startswith="Skala-netværk").count() == 100
    assert Person.objects.count() == 1000 and Meeting.objects.count() == 400
    assert Meeting.objects.filter(status=Meeting.Status.HELD).exists()
    assert Invitation.objects.filter(meeting__status=Meeting.Status.PLANNED).exists()
    call_command("seed_scale", "--networks", "100", stdout=StringIO())
    assert Network.objects.count() == 200


@pytest.mark.parametrize("value", ["0", "150", "99999"])
def test_seed_scale_refuses_an_odd_size(value):
    with pytest.raises(CommandError, match="hele hundreder"):
        call_command("seed_scale", "--networks", value, stdout=StringIO())
