"""Login (by username or e-mail), logout and password pages (Django's views, Danish templates).

Password links are mailed through the outbox as sealed secrets: the office's mail log never shows
them, and the recipient alone gets the working link.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.tokens import default_token_generator
from django.urls import path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from netvaerk.outbox.services import enqueue
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


class OutboxPasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"]
        for user in self.get_users(email):
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


class LoginForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("Brugernavn eller e-mail"), widget=forms.TextInput(attrs={"autofocus": True})
    )


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
]
