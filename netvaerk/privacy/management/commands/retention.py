"""Run the retention job by hand: ``manage.py retention [--dry-run] [--today 2026-04-01]``."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from netvaerk.privacy import retention


class Command(BaseCommand):
    help = _(
        "Slet og anonymisér det, opbevaringsperioderne siger. --dry-run viser hvad, uden at ændre noget."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("Vis hvad der ville ske; ændr intet."))
        parser.add_argument("--today", help=_("Kør som om det var denne dato (ÅÅÅÅ-MM-DD)."))

    def handle(self, *args, dry_run, today, **options):
        day = None
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError:
                day = None
            if day is None or not 2000 <= day.year <= 2099:
                raise CommandError(_("--today skal være en dato som 2026-04-01 mellem år 2000 og 2099."))
        result = retention.run(today=day, dry_run=dry_run)
        verb = _("ville blive") if dry_run else _("blev")
        for branch in result.branches:
            self.stdout.write(
                _(
                    "%(branch)s: %(mails)d mailtekster %(verb)s slettet, %(log)d linjer i adgangsloggen, "
                    "%(signups)d tilmeldinger; %(noticed)d varslet, %(erased)d anonymiseret, "
                    "%(waiting)d venter på bogføringsfristen."
                )
                % {
                    "branch": branch.branch,
                    "verb": verb,
                    "mails": branch.mail_bodies,
                    "log": branch.access_log,
                    "signups": branch.signups,
                    "noticed": len(branch.noticed),
                    "erased": len(branch.anonymised),
                    "waiting": len(branch.waiting),
                }
            )
            for person_id in branch.anonymised:
                self.stdout.write(_("  medlem #%(id)d anonymiseres") % {"id": person_id})
            for person_id, until in branch.waiting:
                self.stdout.write(
                    _("  medlem #%(id)d kan først anonymiseres fra %(day)s (frikøbskrav skal gemmes)")
                    % {"id": person_id, "day": until}
                )
        self.stdout.write(
            _("Ændringslog: %(count)d linjer %(verb)s slettet.") % {"count": result.change_log, "verb": verb}
        )
        if dry_run:
            self.stdout.write(_("Prøvekørsel: intet er ændret."))
