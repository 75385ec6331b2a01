from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = _("Netværk")

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from .roles import ensure_groups

        # after every app's migrate, not only ours: the roles hold mentoring's and privacy's permissions,
        # which exist only once those apps have migrated
        post_migrate.connect(ensure_groups, dispatch_uid="circles.ensure_groups")
        # every branch starts with the seed's topics for the points to the board, however it is created
        post_save.connect(_board_topics, sender="circles.Branch", dispatch_uid="circles.board_topics")


def _board_topics(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services.voice import ensure_board_topics

        ensure_board_topics(instance)
