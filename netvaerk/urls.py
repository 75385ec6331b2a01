from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from circles.views.home import home

from . import accounts, views
from .admin import no_shortcut

admin.site.site_header = _("Netværk – kredskontoret")
admin.site.site_title = _("Netværk")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("netvaerk.accounts")),
    path("admin/r/<path:rest>", no_shortcut),  # "view on site" links go straight to the page
    path("admin/login/", accounts.admin_login),  # one login page for both: one throttle, one code step
    path("admin/", admin.site.urls),
    path("mentor/", include("mentoring.urls")),
    path("", include("netvaerk.privacy.urls")),
    path("", include("circles.urls")),
]
