"""Two-factor login: an authenticator app (TOTP) and ten single-use backup codes (django-otp).

Staff (office, consultants, superusers) must use it where ``TWO_FACTOR_REQUIRED_FOR_STAFF`` is on
(production by default): after the password, a staff user without a device sets one up, and every
later login asks for a code. Coordinators and members may turn it on from "Totrinsbekræftelse";
then their login asks for a code too. A superuser can reset a user's devices from the user list.

The app's secret is django-otp's TOTPDevice key (the app must know it, so it cannot be hashed).
Backup codes are stored hashed: django-otp's StaticToken keeps what it is given in clear text, so it
is given a PBKDF2 hash of the code (salted with the device), never the code; the code is shown once.
Both devices throttle wrong codes (1, 2, 4 … seconds), so a code cannot be guessed by trying.
"""

import base64
import hashlib
import logging
import secrets

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import action
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger("netvaerk.security")

SESSION_HAS_DEVICE = "_two_factor_device"  # whether the logged-in user has a confirmed app
BACKUP_CODE_COUNT = 10
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to confuse
BACKUP_CODE_LENGTH = 10  # about 50 bits each, shown as "abcde-fghjk"
BACKUP_CODE_ITERATIONS = 100_000
APP_NAME = "Autentificeringsapp"
BACKUP_NAME = "Backupkoder"


# Who needs a code -------------------------------------------------------------------------------


def is_staff_role(user) -> bool:
    return user.is_staff or user.is_superuser


def required_for(user) -> bool:
    """Whether this user may not work without two-factor (staff, where the setting requires it)."""
    return settings.TWO_FACTOR_REQUIRED_FOR_STAFF and is_staff_role(user)


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remember_device(sender, request, user, **kwargs):
    """At login: note in the session whether this user has an app, so a request needs no query."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_HAS_DEVICE] = has_app(user)


def must_verify(request) -> bool:
    """Whether the logged-in user must still give a code before doing anything."""
    user = request.user
    if user.is_verified():
        return False
    if required_for(user):
        return True
    if SESSION_HAS_DEVICE not in request.session:
        request.session[SESSION_HAS_DEVICE] = has_app(user)
    return request.session[SESSION_HAS_DEVICE]


# Backup codes -----------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def backup_code_hash(device: StaticDevice, code: str) -> str:
    """What StaticToken stores for ``code``: 16 characters of a salted PBKDF2 hash, never the code."""
    raw = hashlib.pbkdf2_hmac(
        "sha256",
        normalise_code(code).encode(),
        f"netvaerk-backup-code:{device.pk}".encode(),
        BACKUP_CODE_ITERATIONS,
    )
    return base64.b32encode(raw[:10]).decode().lower()


def new_backup_codes(user) -> list[str]:
    """Ten fresh backup codes replace the old ones; the codes are returned once and stored hashed."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _position in range(BACKUP_CODE_LENGTH))
        for _number in range(BACKUP_CODE_COUNT)
    ]
    for code in codes:
        device.token_set.create(token=backup_code_hash(device, code))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# Checking a code --------------------------------------------------------------------------------


class Throttled(Exception):
    pass


def check_code(user, code: str):
    """The device that accepts ``code`` (six digits: the app; otherwise a backup code), or None.

    Raises ``Throttled`` while the device is waiting after wrong codes: then nothing is tried.
    """
    code = normalise_code(code)
    if code.isdigit() and len(code) == 6:
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        with transaction.atomic():
            device = type(device).objects.select_for_update().get(pk=device.pk)
            allowed, _why = device.verify_is_allowed()
            if not allowed:
                raise Throttled
            token = backup_code_hash(device, code) if isinstance(device, StaticDevice) else code
            if device.verify_token(token):
                return device
    return None


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=20,
        help_text=gettext_lazy("De seks cifre fra din autentificeringsapp, eller en af dine backupkoder."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return f"{reverse(name)}?{urlencode({'next': target})}" if target else reverse(name)


# Views ------------------------------------------------------------------------------------------


@login_required
def verify(request):
    """The second step of a login: a code from the app or a backup code."""
    if not must_verify(request):
        return HttpResponseRedirect(_next_url(request))
    if not has_app(request.user):
        return HttpResponseRedirect(_with_next("twofactor_setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = check_code(request.user, form.cleaned_data["otp_token"])
        except Throttled:
            form.add_error(
                "otp_token", _("For mange forkerte koder i træk. Vent et øjeblik, og prøv så igen.")
            )
        else:
            if device is not None:
                otp_login(request, device)
                request.session[SESSION_HAS_DEVICE] = True
                log.info("two-factor login: user %s with %s", request.user.pk, type(device).__name__)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        ngettext(
                            "Du har brugt en backupkode. Du har %(left)d tilbage.",
                            "Du har brugt en backupkode. Du har %(left)d tilbage.",
                            left,
                        )
                        % {"left": left},
                    )
                return HttpResponseRedirect(_next_url(request))
            log.info("two-factor login: wrong code for user %s", request.user.pk)
            form.add_error("otp_token", _("Koden er forkert eller brugt. Prøv igen."))
    return render(request, "twofactor/verify.html", {"form": form, "next": request.GET.get("next", "")})


def _qr_svg(device: TOTPDevice) -> str:
    # inline SVG: no script, no data URI needed, and the CSP stays as it is
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR-kode til din app"))


def _secret_text(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
def setup(request):
    """Set up the authenticator app: scan the QR code (or type the key), confirm with a code."""
    user = request.user
    if has_app(user) and not user.is_verified():
        return HttpResponseRedirect(_with_next("twofactor_verify", request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").last()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    form.fields["otp_token"].help_text = _("De seks cifre, som appen viser nu.")
    if request.method == "POST" and form.is_valid():
        code = normalise_code(form.cleaned_data["otp_token"])
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "otp_token", _("For mange forkerte koder i træk. Vent et øjeblik, og prøv så igen.")
            )
        elif device.verify_token(code):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = new_backup_codes(user)
            otp_login(request, device)
            request.session[SESSION_HAS_DEVICE] = True
            log.info("two-factor set up: user %s", user.pk)
            return render(
                request, "twofactor/backup_codes.html", {"codes": codes, "next": _next_url(request)}
            )
        else:
            form.add_error("otp_token", _("Koden passer ikke. Tjek uret på telefonen, og prøv igen."))
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device)),  # noqa: S308 - segno's own SVG, no user input
        "secret": _secret_text(device),
        "required": required_for(user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "twofactor/setup.html", context)


@login_required
def overview(request):
    """Totrinsbekræftelse: whether it is on, and new backup codes or turning it off."""
    user = request.user
    context = {
        "enabled": has_app(user),
        "required": required_for(user),
        "backup_left": sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user)),
    }
    return render(request, "twofactor/overview.html", context)


@login_required
@require_POST
def backup_codes(request):
    if not has_app(request.user):
        return redirect("twofactor_overview")
    codes = new_backup_codes(request.user)
    log.info("two-factor backup codes renewed: user %s", request.user.pk)
    return render(
        request, "twofactor/backup_codes.html", {"codes": codes, "next": reverse("twofactor_overview")}
    )


@login_required
@require_POST
def disable(request):
    if required_for(request.user):
        raise PermissionDenied(_("Totrinsbekræftelse er påkrævet for medarbejdere og kan ikke slås fra."))
    remove_devices(request.user)
    request.session[SESSION_HAS_DEVICE] = False
    log.info("two-factor turned off: user %s", request.user.pk)
    messages.success(request, _("Totrinsbekræftelse er slået fra."))
    return redirect("twofactor_overview")


def remove_devices(user) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


@action(description=gettext_lazy("Nulstil totrinsbekræftelse (brugeren sætter den op igen)"))
def reset_two_factor(modeladmin, request, queryset):
    """Superusers only: the users' apps and backup codes go; staff set up again at the next login."""
    if not request.user.is_superuser:
        raise PermissionDenied
    count = 0
    for user in queryset:
        if remove_devices(user):
            count += 1
            modeladmin.log_change(request, user, _("Totrinsbekræftelse nulstillet"))
            log.warning("two-factor reset: user %s by superuser %s", user.pk, request.user.pk)
    modeladmin.message_user(
        request,
        ngettext(
            "Totrinsbekræftelse nulstillet for %(count)d bruger.",
            "Totrinsbekræftelse nulstillet for %(count)d brugere.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


urlpatterns = [
    path("", overview, name="twofactor_overview"),
    path("code/", verify, name="twofactor_verify"),
    path("setup/", setup, name="twofactor_setup"),
    path("backup-codes/", backup_codes, name="twofactor_backup_codes"),
    path("off/", disable, name="twofactor_disable"),
]
