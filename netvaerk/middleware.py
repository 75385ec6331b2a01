"""Request guards every page shares: no NUL bytes, nothing personal in a cache, sessions that end when idle."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .twofactor import has_app, must_verify

LAST_SEEN = "_last_seen"
TOUCH_EVERY = 60  # seconds: how often a busy session is written back to refresh its expiry


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    queries = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for query in queries:
        for key, values in query.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class RefuseNulBytesMiddleware:
    """A NUL byte in the path, the query or a form field is answered with a Danish 400.

    PostgreSQL refuses NUL in text (a 500 deep in a filter or an autocomplete), and no form here has
    a use for it, so it is stopped before any view, filter or template sees it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return render(
                request,
                "400.html",
                {"reason": _("Forespørgslen indeholder et ugyldigt tegn (NUL). Ret teksten, og prøv igen.")},
                status=400,
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages here carry trade-union data (GDPR art. 9): no browser or proxy may keep a copy.

    A response that sets its own Cache-Control keeps it; static files never reach this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            response["Cache-Control"] += ", private"
        return response


def idle_timeout(user) -> int:
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.is_staff else settings.SESSION_IDLE_TIMEOUT_MEMBER


def start_idle_clock(sender, request, user, **kwargs):
    """At login: the idle clock starts, so the first request does not have to write the session."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
        request.session.set_expiry(idle_timeout(user))


class IdleSessionMiddleware:
    """Log a user out after a configurable idle time (staff 8 hours by default).

    The session's own expiry follows the idle time too, refreshed at most once a minute, so a busy
    session is not written back on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now, idle = int(time.time()), idle_timeout(user)
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > idle:
                logout(request)
                messages.info(request, _("Du er logget ud, fordi du ikke har været aktiv i et stykke tid."))
                login = reverse(settings.LOGIN_URL)
                return HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if last_seen is None or now - last_seen >= TOUCH_EVERY:
                request.session[LAST_SEEN] = now
                request.session.set_expiry(idle)
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the password, a user who needs a second factor can only give the code (or set it up).

    Staff need it where ``TWO_FACTOR_REQUIRED_FOR_STAFF`` is on; anyone who turned it on needs it
    too. Until the code is given, every page (the admin too) redirects to the code step, keeping
    where the user was going; logging out still works.
    """

    EXEMPT = ("twofactor_verify", "twofactor_setup", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and must_verify(request):
            exempt = {reverse(name) for name in self.EXEMPT}
            if request.path not in exempt:
                step = "twofactor_verify" if has_app(user) else "twofactor_setup"
                target = request.get_full_path() if request.method == "GET" else ""
                query = f"?{urlencode({'next': target})}" if target else ""
                return HttpResponseRedirect(f"{reverse(step)}{query}")
        return self.get_response(request)
