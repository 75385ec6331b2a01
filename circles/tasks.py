"""Celery beat's periodic jobs: thin wrappers around ``circles.services.reminders``.

Each run decides from the database what is due today and records each reminder once (its key is
unique), so a retried task, a second beat or a hand run (``manage.py run_job``) sends nothing twice.
"""

from celery import shared_task

from .services import reminders


def _run(job: str) -> int:
    return reminders.run(job).sent


@shared_task(name="circles.tasks.cadence_reminders", ignore_result=True)
def cadence_reminders() -> int:
    return _run("cadence")


@shared_task(name="circles.tasks.office_digest", ignore_result=True)
def office_digest() -> int:
    return _run("digest")


@shared_task(name="circles.tasks.meeting_reminders", ignore_result=True)
def meeting_reminders() -> int:
    return _run("meeting_reminders")


@shared_task(name="circles.tasks.minutes_overdue", ignore_result=True)
def minutes_overdue() -> int:
    return _run("minutes_overdue")


@shared_task(name="circles.tasks.run_job", ignore_result=True)
def run_job(job: str) -> int:
    """Any registered job by name (the mentoring app's jobs are scheduled this way)."""
    return _run(job)
