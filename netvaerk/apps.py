from django.apps import AppConfig


class NetvaerkConfig(AppConfig):
    """The project package as an app: only for wiring that must exist before the first request."""

    name = "netvaerk"
    verbose_name = "Netværk"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import start_idle_clock
        from .twofactor import remember_device

        user_logged_in.connect(start_idle_clock, dispatch_uid="netvaerk-idle-clock")
        user_logged_in.connect(remember_device, dispatch_uid="netvaerk-two-factor-device")
        self._wire_admin()

    @staticmethod
    def _wire_admin():
        """Admin pieces of the login's security that live with it (the admin has been discovered by now).

        Axes' failed-login list becomes branch-scoped, and the user list gets the superuser's reset
        of two-factor login.
        """
        from axes.models import AccessAttempt
        from django.contrib import admin
        from django.contrib.auth import get_user_model

        from .accounts import LockoutAdmin
        from .twofactor import reset_two_factor

        if admin.site.is_registered(AccessAttempt):
            admin.site.unregister(AccessAttempt)
        admin.site.register(AccessAttempt, LockoutAdmin)
        user_admin = type(admin.site.get_model_admin(get_user_model()))
        if reset_two_factor not in user_admin.actions:
            user_admin.actions = [*user_admin.actions, reset_two_factor]
