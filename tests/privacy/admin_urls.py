"""The project's URLs with the privacy tools mixed into the Person admin, as the integrator will do in
``circles/admin/people.py`` (``class PersonAdmin(PersonPrivacyAdminMixin, ...)``). Every other admin
is registered as it is on the real site, under the same ``admin`` namespace."""

from django.contrib import admin
from django.urls import path

from circles.models import Person
from netvaerk import urls as project_urls
from netvaerk.privacy.admin_person import PersonPrivacyAdminMixin

site = admin.AdminSite(name="admin")
for model, model_admin in admin.site._registry.items():
    admin_class = type(model_admin)
    if model is Person and not issubclass(admin_class, PersonPrivacyAdminMixin):
        admin_class = type("PrivacyPersonAdmin", (PersonPrivacyAdminMixin, admin_class), {})
    site.register(model, admin_class)

urlpatterns = [
    path("admin/", site.urls)
    if getattr(pattern, "pattern", None) and str(pattern.pattern) == "admin/"
    else pattern
    for pattern in project_urls.urlpatterns
]
