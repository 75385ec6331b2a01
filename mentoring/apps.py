from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentorordning")

    def ready(self):
        # the daily jobs decide and record their mails through circles' job runner
        from circles.services.reminders import register_job

        from . import jobs, jobs_pairings

        jobs.register()
        register_job(jobs_pairings.JOB, jobs_pairings.decide_pairing_reminders)
