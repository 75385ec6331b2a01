from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = _("Netværk")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_groups

        post_migrate.connect(ensure_groups, sender=self)
