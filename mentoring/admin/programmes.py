"""Programmes, mentors and requests in the admin, scoped to the office's branch.

Every write goes through ``mentoring.services.matching``: a programme through ``programme_save``, a
mentor's willingness through ``mentor_set``, a new request through ``request_create`` and a withdrawal
through ``request_withdraw``. A request is otherwise read-only here (offers are sent from its page in
the front end, which the admin links to).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circles.admin.scoping import BranchScopedAdmin

from ..models import Mentor, MentorRequest, Programme
from ..services import matching
from ..services.eligibility import mentor_load, programme_load_expression


class ServiceRefused(Exception):
    """A service said no while saving: the whole save is rolled back and its message shown."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceSaveMixin:
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:  # the save was rolled back as a whole
            for message in refused.error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Programme)
class ProgrammeAdmin(ServiceSaveMixin, BranchScopedAdmin):
    branch_from_user = True
    list_display = ["name", "branch", "term_months", "max_active_pairs", "pairs", "mentor_first", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    fields = [
        "branch",
        "name",
        "term_months",
        "frequency",
        "format",
        "max_active_pairs",
        "mentor_first",
        "offer_valid_days",
        "contact_name",
        "contact_email",
        "active",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("branch").annotate(load=programme_load_expression())
        )

    @admin.display(description=gettext_lazy("aktive par og åbne tilbud"))
    def pairs(self, obj):
        return obj.load

    def save_model(self, request, obj, form, change):
        try:
            matching.programme_save(programme=obj, by=request.user)
        except ValidationError as error:
            raise ServiceRefused(error) from error

    def has_delete_permission(self, request, obj=None):
        return False  # a programme with requests is kept for the evaluation; set it inactive


@admin.register(Mentor)
class MentorAdmin(ServiceSaveMixin, BranchScopedAdmin):
    branch_path = "person__branch"
    list_display = ["person", "willing", "capacity", "places_left", "updated_at"]
    list_filter = ["willing"]
    search_fields = ["person__name", "person__member_number"]
    autocomplete_fields = ["person"]
    fields = ["person", "willing", "capacity", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person").annotate(load=mentor_load("person_id"))

    def get_readonly_fields(self, request, obj=None):
        return ["person"] if obj is not None else []

    @admin.display(description=gettext_lazy("ledige pladser"))
    def places_left(self, obj):
        return max(obj.capacity - obj.load, 0) if obj.willing else 0

    def save_model(self, request, obj, form, change):
        try:
            saved = matching.mentor_set(
                person=obj.person, willing=obj.willing, capacity=obj.capacity, note=obj.note, by=request.user
            )
        except ValidationError as error:
            raise ServiceRefused(error) from error
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # "vil ikke være mentor" is the willing flag


@admin.register(MentorRequest)
class MentorRequestAdmin(ServiceSaveMixin, BranchScopedAdmin):
    branch_path = "programme__branch"
    list_display = ["mentee", "programme", "status", "source", "network", "created_at"]
    list_filter = ["status", "source"]
    list_select_related = ["mentee", "programme", "network"]
    search_fields = ["mentee__name", "mentee__member_number"]
    autocomplete_fields = ["mentee"]
    actions = ["withdraw"]
    add_fields = ["programme", "mentee", "note"]
    readonly = [
        "programme",
        "mentee",
        "status",
        "source",
        "network",
        "prompt",
        "note",
        "created_by",
        "created_at",
        "closed_at",
        "front_end",
    ]

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    @admin.display(description=gettext_lazy("forslag og tilbud"))
    def front_end(self, obj):
        url = reverse("mentoring:request_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Se forslag og send tilbud"))

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a request is edited by hand
        try:
            created = matching.request_create(
                programme=obj.programme,
                mentee=obj.mentee,
                source=MentorRequest.Source.OFFICE,
                by=request.user,
                note=obj.note,
            )
        except ValidationError as error:
            raise ServiceRefused(error) from error
        obj.pk = created.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Træk ønsker om mentor tilbage"), permissions=["change"])
    def withdraw(self, request, queryset):
        done = 0
        for item in queryset.select_related("mentee"):
            try:
                matching.request_withdraw(request=item, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{item.mentee}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d ønske er trukket tilbage.", "%(count)d ønsker er trukket tilbage.", done)
                % {"count": done},
            )
