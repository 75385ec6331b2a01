from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentorordning")

    def ready(self):
        # the daily jobs decide and record their mails through circles' job runner
        from . import jobs

        jobs.register()
