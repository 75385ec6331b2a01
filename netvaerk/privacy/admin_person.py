"""The office's tools for one person's data, mixed into the Person admin: export (Art. 15) and
anonymisation (Art. 17).

``PersonPrivacyAdminMixin`` adds two pages under the person's admin URL and two actions:

- ``<id>/persondata/``: a button that downloads the person's data as one ZIP file holding the JSON
  (for machines) and the HTML page (for people, printable). A POST downloads: the export is logged.
- ``<id>/anonymiser/``: the erasure's confirmation page with the reason, or the date from which it is
  possible while a claim must be kept.
- the actions ``export_person_data`` (exactly one person: the ZIP) and ``anonymise_people`` (a
  confirmation page listing who will be anonymised and who cannot be yet, with the dates).

Only the person's branch office and superusers: a logged-in user without staff access or a staff
user of the branch without the office role gets 403; staff of another branch get 404.
"""

import io
import json
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circles.models import Person
from circles.roles import is_office

from .erasure import REASON_MAX, danish_date, erasure_possible_from, person_anonymise
from .export import person_export, person_export_html


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Begrundelse"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Fx 'Medlemmets anmodning af 12.03.2031'. Gemmes i adgangsloggen."),
        error_messages={"required": gettext_lazy("Skriv hvorfor medlemmet anonymiseres.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if "\x00" in reason:
            raise ValidationError(_("Begrundelsen indeholder ugyldige tegn."))
        return reason


def may_handle(user, person: Person) -> bool:
    return user.is_superuser or (is_office(user) and user.branch_id == person.branch_id)


def get_person_for_office(user, person_id) -> Person:
    """The person, if ``user`` is their branch's office (or a superuser): 404 another branch, 403 else."""
    person = get_object_or_404(Person.objects.select_related("branch", "user"), pk=person_id)
    if may_handle(user, person):
        return person
    if user.branch_id != person.branch_id:
        raise Http404
    raise PermissionDenied


def export_file(person: Person, *, request) -> HttpResponse:
    """The ZIP download (JSON + HTML) of one person's data; logged by ``person_export``."""
    data = person_export(person, by=request.user, request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"persondata-{person.pk}-{stamp}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(f"{name}.html", person_export_html(data))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    return response


@admin.action(description=gettext_lazy("Hent medlemmets data (indsigt, art. 15)"), permissions=["privacy"])
def export_person_data(modeladmin, request, queryset):
    people = list(queryset.select_related("branch", "user")[:2])
    if len(people) != 1:
        modeladmin.message_user(
            request, _("Vælg præcis ét medlem, når du henter et medlems data."), messages.WARNING
        )
        return None
    person = people[0]
    if not may_handle(request.user, person):
        raise PermissionDenied
    return export_file(person, request=request)


@admin.action(
    description=gettext_lazy("Anonymisér valgte medlemmer (sletning, art. 17)"), permissions=["privacy"]
)
def anonymise_people(modeladmin, request, queryset):
    people = [p for p in queryset.select_related("branch", "user") if may_handle(request.user, p)]
    pending = [p for p in people if p.anonymised_at is None]
    refused = [(p, erasure_possible_from(p)) for p in pending]
    allowed = [p for p, possible in refused if possible is None]
    refused = [(p, danish_date(possible)) for p, possible in refused if possible is not None]
    form = AnonymiseForm(request.POST if request.POST.get("post") == "yes" else None)
    if form.is_bound and form.is_valid():
        done = _anonymise(modeladmin, request, allowed, form.cleaned_data["reason"])
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d medlem er anonymiseret.", "%(count)d medlemmer er anonymiseret.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        for person, possible in refused:
            modeladmin.message_user(
                request,
                _("%(name)s kan først anonymiseres fra den %(date)s.")
                % {"name": person.name, "date": possible},
                messages.WARNING,
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Anonymisér medlemmer"),
        "opts": modeladmin.model._meta,
        "allowed": allowed,
        "refused": refused,
        "already": [p for p in people if p.anonymised_at is not None],
        "form": form,
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "anonymise_people",
        "single": False,
    }
    return TemplateResponse(request, "privacy/admin/anonymise_confirm.html", context)


def _anonymise(modeladmin, request, people, reason) -> int:
    done = 0
    for person in people:
        try:
            person_anonymise(person, by=request.user, reason=reason, request=request)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            done += 1
    return done


class PersonPrivacyAdminMixin:
    """Mix into the Person admin: ``class PersonAdmin(PersonPrivacyAdminMixin, ServiceSaveAdmin, ...)``."""

    privacy_actions = [export_person_data, anonymise_people]
    change_form_template = "privacy/admin/person_change_form.html"  # adds the two tools' links

    def has_privacy_permission(self, request) -> bool:
        return request.user.is_superuser or is_office(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        for function in self.privacy_actions:
            action = self.get_action(function)
            if action is not None and self._filter_actions_by_permissions(request, [action]):
                actions[function.__name__] = action
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        prefix = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}"
        extra_context = {
            **(extra_context or {}),
            "privacy_tools": self.has_privacy_permission(request),
            "privacy_export_urlname": f"{prefix}_privacy_export",
            "privacy_anonymise_urlname": f"{prefix}_privacy_anonymise",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _privacy_view(self, view):
        staff_view = self.admin_site.admin_view(view)

        def wrapper(request, *args, **kwargs):
            # a logged-in member or coordinator has no business here: 403, not the admin's login page
            if request.user.is_authenticated and not request.user.is_staff:
                raise PermissionDenied
            return staff_view(request, *args, **kwargs)

        wrapper.__name__ = view.__name__
        return wrapper

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        urls = [
            path(
                "<int:person_id>/persondata/",
                self._privacy_view(self.privacy_export_view),
                name=f"{prefix}_privacy_export",
            ),
            path(
                "<int:person_id>/anonymiser/",
                self._privacy_view(self.privacy_anonymise_view),
                name=f"{prefix}_privacy_anonymise",
            ),
        ]
        return urls + super().get_urls()

    def _privacy_context(self, request, person, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "person": person,
            "change_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change", args=[person.pk]
            ),
        }

    def privacy_export_view(self, request, person_id):
        person = get_person_for_office(request.user, person_id)
        if request.method == "POST":
            return export_file(person, request=request)
        context = self._privacy_context(request, person, _("Hent data om %(name)s") % {"name": person.name})
        return TemplateResponse(request, "privacy/admin/export.html", context)

    def privacy_anonymise_view(self, request, person_id):
        person = get_person_for_office(request.user, person_id)
        possible = erasure_possible_from(person) if person.anonymised_at is None else None
        form = AnonymiseForm(request.POST if request.method == "POST" else None)
        if form.is_bound and person.anonymised_at is None and possible is None and form.is_valid():
            try:
                person_anonymise(person, by=request.user, reason=form.cleaned_data["reason"], request=request)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Medlemmet er anonymiseret."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist")
                )
        context = {
            **self._privacy_context(request, person, _("Anonymisér %(name)s") % {"name": person.name}),
            "allowed": [person] if person.anonymised_at is None and possible is None else [],
            "refused": [(person, danish_date(possible))] if possible else [],
            "already": [person] if person.anonymised_at else [],
            "form": form,
            "single": True,
        }
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(request, "privacy/admin/anonymise_confirm.html", context, status=status)
