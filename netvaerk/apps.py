from django.apps import AppConfig


class _NoHandMade:
    raw_id_fields = ()  # nothing is picked here: the user of a device is only shown

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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

        Axes' failed-login list becomes branch-scoped, the other lists of axes and django-otp refuse
        odd filter values in Danish like every list here, and the user list gets the superuser's
        reset of two-factor login.
        """
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib import admin
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .accounts import LockoutAdmin
        from .admin import SafeChangelist
        from .twofactor import reset_two_factor

        for model in (AccessAttempt, AccessFailureLog, AccessLog, StaticDevice, TOTPDevice):
            if not admin.site.is_registered(model):
                continue
            original = type(admin.site.get_model_admin(model))
            admin.site.unregister(model)
            if model is AccessAttempt:
                admin.site.register(model, LockoutAdmin)
            elif model in (StaticDevice, TOTPDevice):
                # devices come only from the user's own setup: a code typed in here would be stored
                # unhashed and a key made here would reach no app; a superuser may delete one
                admin.site.register(
                    model, type(original.__name__, (SafeChangelist, _NoHandMade, original), {})
                )
            else:
                admin.site.register(model, type(original.__name__, (SafeChangelist, original), {}))
        user_admin = type(admin.site.get_model_admin(get_user_model()))
        if reset_two_factor not in user_admin.actions:
            user_admin.actions = [*user_admin.actions, reset_two_factor]
