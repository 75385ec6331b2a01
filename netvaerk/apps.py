from django.apps import AppConfig


class NetvaerkConfig(AppConfig):
    """The project package as an app: only for wiring that must exist before the first request."""

    name = "netvaerk"
    verbose_name = "Netværk"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="netvaerk-idle-clock")
