from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = _("Netværk")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_groups

        # after every app's migrate, not only ours: the roles hold mentoring's and privacy's permissions,
        # which exist only once those apps have migrated
        post_migrate.connect(ensure_groups, dispatch_uid="circles.ensure_groups")
