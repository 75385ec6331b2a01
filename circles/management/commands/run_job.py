"""Run one periodic job by hand: ``manage.py run_job cadence [--dry-run] [--today 2026-04-01]``."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from circles.models import MEETING_YEARS
from circles.services import reminders


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not MEETING_YEARS[0] <= day.year <= MEETING_YEARS[1]:
        raise CommandError(
            f"--today skal være en dato som 2026-04-01 mellem år {MEETING_YEARS[0]} og {MEETING_YEARS[1]}, "
            f"ikke '{value}'."
        )
    return day


class Command(BaseCommand):
    help = "Kør et af de faste job (påmindelser) nu. Job: " + ", ".join(reminders.JOBS)

    def add_arguments(self, parser):
        parser.add_argument("job", help="Jobbets navn: " + ", ".join(reminders.JOBS))
        parser.add_argument(
            "--dry-run", action="store_true", help="Vis hvad der ville blive sendt; send intet."
        )
        parser.add_argument("--today", help="Kør som om det var denne dato (ÅÅÅÅ-MM-DD).")

    def handle(self, *args, job, dry_run, today, **options):
        if job not in reminders.JOBS:
            raise CommandError(f"Ukendt job '{job}'. Mulige job: {', '.join(reminders.JOBS)}.")
        day = _day(today) if today else None

        def show(decision):
            recipient = decision.recipient
            self.stdout.write(f"{decision.key}\t{recipient.name} <{recipient.email}>\t{decision.reason}")

        result = reminders.run(job, today=day, dry_run=dry_run, each=show)
        if dry_run:
            self.stdout.write(
                f"{job} {result.today}: {result.decided} påmindelser ville blive sendt (prøvekørsel, intet sendt)."
            )
        else:
            self.stdout.write(f"{job} {result.today}: {result.sent} påmindelser sendt.")
