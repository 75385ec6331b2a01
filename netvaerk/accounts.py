"""Login (by username or e-mail), logout and password pages (Django's views, Danish templates).

Password links are mailed through the outbox as sealed secrets: the office's mail log never shows
them, and the recipient alone gets the working link.
"""

from axes.admin import AccessAttemptAdmin
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from circles.roles import is_office
from netvaerk.admin import SafeChangelist
from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.services import Mail, enqueue
from netvaerk.outbox.services import render as render_mail
from netvaerk.tokens import digest


def password_link(user) -> str:
    """The path of a one-time link where the user sets a password (Django's reset-token flow)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", args=[uidb64, token])


def password_link_days() -> int:
    """How many days a password link works, as the mails say it."""
    return max(settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24), 1)


def password_mail(
    template: str, *, user, key: str, context: dict | None = None, to_name: str = "", branch=None
):
    """Mail ``user`` a fresh password link: sealed in the outbox, the key made of a digest, not the link."""
    link = password_link(user)
    return enqueue(
        template,
        to=user.email,
        to_name=to_name,
        key=f"{key}:{user.pk}:{digest(link)}",
        context={"user": user, "valid_days": password_link_days(), **(context or {})},
        secrets={"link": link},
        branch=branch,
    )


class _Undo(Exception):
    pass


def _as_if_mailed(email: str) -> None:
    """For an unknown address: the work of a real reset mail, then undone, so nothing is recorded.

    The page answers alike for known and unknown addresses; doing the same work (a reset token, the
    rendered and sealed mail, the outbox look-up and insert, rolled back) keeps the time alike too.
    """
    stand_in = get_user_model()(pk=0, username=email, email=email, password=make_password(None))
    token = default_token_generator.make_token(stand_in)
    link = reverse("password_reset_confirm", args=[urlsafe_base64_encode(b"0"), token])
    key = f"password-reset:0:{digest(link)}"
    row = render_mail(
        Mail(
            template="accounts/password_reset",
            to=email,
            key=key,
            context={"user": stand_in, "valid_days": password_link_days()},
            secrets={"link": link},
        )
    )
    OutboundEmail.objects.filter(key=key).first()
    try:
        with transaction.atomic():
            row.save()
            raise _Undo
    except _Undo:
        pass


class OutboxPasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"]
        users = list(self.get_users(email))
        if not users:
            _as_if_mailed(email)
        for user in users:
            password_mail("accounts/password_reset", user=user, key="password-reset", branch=user.branch)


class EmailBackend(ModelBackend):
    """Log in with the e-mail address instead of the username (any case).

    Runs after Django's ModelBackend, which keeps the username login as it was. An address that
    belongs to more than one user logs nobody in: which account was meant cannot be known.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None or "@" not in username:
            return None
        User = get_user_model()
        users = list(User._default_manager.filter(email__iexact=username.strip())[:2])
        if len(users) != 1:
            User().set_password(password)  # takes as long as a real check: no hint in the timing
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


USERNAME_MAX = 254  # an e-mail address at its longest
PASSWORD_MAX = 4096  # no hashing of megabytes


def typed_username(request, credentials=None) -> str:
    """The key django-axes locks with: what was typed as username or e-mail, trimmed, any case."""
    typed = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    # bounded as axes stores it (255): a pasted novel is throttled, never a database error
    return (typed or "").strip().lower()[:USERNAME_MAX]


class LoginForm(auth_forms.AuthenticationForm):
    # Django's AuthenticationForm sets max_length after the field is built, so it is never validated
    username = auth_forms.UsernameField(
        label=_("Brugernavn eller e-mail"),
        max_length=USERNAME_MAX,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    password = forms.CharField(
        label=_("Adgangskode"), strip=False, max_length=PASSWORD_MAX, widget=forms.PasswordInput
    )

    def clean(self):
        if self.errors:  # a field too long: no password check, no failed attempt recorded for it
            return self.cleaned_data
        return super().clean()


def admin_login(request):
    """The admin's login is the front end's: one page, one throttle, then the code step for staff."""
    if request.user.is_authenticated and request.user.is_staff:
        return HttpResponseRedirect(reverse("admin:index"))  # already in: straight to the admin
    if request.user.is_authenticated:
        # logged in but not staff: no loop back to the admin, which would send them here again
        raise PermissionDenied
    target = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': target})}")


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(extra_context={"valid_days": password_link_days}),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("twofactor/", include("netvaerk.twofactor")),
]


# Lockouts in the admin ---------------------------------------------------------------------------


def lockouts_for(queryset, user):
    """The office sees (and lifts) lockouts of its own branch's logins; a superuser sees all.

    Attempts are stored under the typed name (lower case), so a login's username or e-mail matches.
    A name that belongs to no login of the branch (a typo, a stranger) is the superuser's to see.
    """
    if user.is_superuser:
        return queryset
    logins = get_user_model().objects.filter(
        Q(branch_id=user.branch_id) | Q(person__branch_id=user.branch_id)
    )
    return queryset.filter(
        Q(username__in=logins.annotate(key=Lower("username")).values("key"))
        | Q(username__in=logins.annotate(key=Lower("email")).values("key"))
    )


class LockoutAdmin(SafeChangelist, AccessAttemptAdmin):
    """Axes' list of failed logins for the office, scoped to the branch: deleting a row lifts a lockout.

    Rows are what axes recorded: the office reads and deletes them, never adds or edits one.
    """

    def _office_or_superuser(self, request) -> bool:
        return request.user.is_superuser or is_office(request.user)

    def has_module_permission(self, request):
        return self._office_or_superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._office_or_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._office_or_superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return lockouts_for(super().get_queryset(request), request.user)
