from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "netvaerk.privacy"
    label = "privacy"
    verbose_name = _("Persondata")

    def ready(self):
        from . import admin_log  # noqa: F401  (the access log's admin; admin.py holds the person tools)
        from .audit import register_all

        register_all()
