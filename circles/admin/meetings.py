"""Admin for meetings: a client of the meeting services, like the coordinator's pages.

Adding a meeting plans it, changing its time or place updates it (a new calendar version and update
mails to the invited), and the action "Aflys møde" cancels it, each through ``services.meetings``.
Status and calendar version are the services' to change. Attendance is recorded by the service as
well, from the network's people only; the agenda is plain rows.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import MEETING_YEARS, AgendaItem, Attendance, Meeting
from ..services import meetings as services
from .scoping import BranchScopedAdmin, BranchScopedInline

# What the office may change on a planned meeting; the rest is the services' (or read-only).
DRAFT_FIELDS = services.MeetingDraft.FIELDS


class ServiceRefused(Exception):
    """A service said no while saving: the whole save is rolled back and its message shown."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class MeetingDateTimeField(forms.SplitDateTimeField):
    """Date and time in Danish time, only in 2000–2099: year 1 or 9999 cannot even be converted."""

    def compress(self, data_list):
        if data_list and data_list[0] and not MEETING_YEARS[0] <= data_list[0].year <= MEETING_YEARS[1]:
            raise ValidationError(services.meeting_years_message(), code="year")
        return super().compress(data_list)


def _formfield(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class MeetingAdminForm(forms.ModelForm):
    record_held = forms.BooleanField(
        label=_("Registrér et afholdt møde"),
        required=False,
        help_text=_("Til et møde, der allerede har fundet sted: det oprettes som afholdt."),
    )

    class Meta:
        model = Meeting
        fields = ["network", *DRAFT_FIELDS]
        field_classes = {"starts_at": MeetingDateTimeField}
        formfield_callback = _formfield

    def clean(self):
        cleaned = super().clean()
        changed = set(self.changed_data) & set(DRAFT_FIELDS)
        if self.instance.pk and not changed:
            return cleaned
        if self.errors or "starts_at" not in self.fields:
            return cleaned
        try:
            services.check_draft(self.draft())
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return cleaned

    def draft(self) -> services.MeetingDraft:
        # agenda None: the agenda inline saves its own rows
        data = self.cleaned_data
        return services.MeetingDraft.from_form(data, agenda=None, record_held=data.get("record_held", False))


class AgendaFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        items = [
            (form.cleaned_data["title"], form.cleaned_data.get("minutes_allotted"))
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        try:
            services.check_agenda(items)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class AgendaInline(BranchScopedInline):
    model = AgendaItem
    formset = AgendaFormSet
    extra = 0
    max_num = services.AGENDA_MAX_ITEMS
    fields = ["position", "title", "minutes_allotted"]


class AttendanceFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not self.has_changed():
            return
        meeting = self.instance
        if meeting.status == Meeting.Status.CANCELLED or meeting.starts_at > timezone.now():
            raise forms.ValidationError(
                _("Fremmøde kan først registreres, når mødet er begyndt, og ikke for et aflyst møde.")
            )

    def present(self) -> list[int]:
        """The people ticked off once this POST is saved."""
        return sorted(
            {
                form.cleaned_data["person"].pk
                for form in self.forms
                if form.cleaned_data.get("person") and not self._should_delete_form(form)
            }
        )


class AttendanceInline(BranchScopedInline):
    """Who came. Offers only the meeting's candidates (network, coordinator, invited); saved by the service."""

    model = Attendance
    formset = AttendanceFormSet
    extra = 0
    fields = ["person"]

    def get_formset(self, request, obj=None, **kwargs):
        self.meeting = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "person" and getattr(self, "meeting", None) is not None:
            kwargs["queryset"] = services.attendance_candidates(self.meeting)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Meeting)
class MeetingAdmin(BranchScopedAdmin):
    branch_path = "network__branch"
    form = MeetingAdminForm
    list_display = ["starts_at", "network", "theme", "status", "duration_minutes"]
    list_filter = ["status", "network__kind", ("starts_at", admin.DateFieldListFilter)]
    list_select_related = ["network"]
    search_fields = ["network__name", "theme", "place"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["network"]
    actions = ["cancel_meetings"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "status",
        "uid",
        "sequence",
        "invited_at",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    ]

    def get_fields(self, request, obj=None):
        fields = ["network", *DRAFT_FIELDS]
        if obj is None:
            return [*fields, "record_held"]
        return [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status != Meeting.Status.PLANNED:  # held or cancelled: the services change nothing more
            return ["network", *DRAFT_FIELDS, *self.readonly_fields]
        return ["network", *self.readonly_fields]  # a meeting does not move to another network

    def get_inlines(self, request, obj):
        if obj is None or obj.pk is None:
            return [AgendaInline]
        return [AgendaInline, AttendanceInline]

    def has_delete_permission(self, request, obj=None):
        # an invited meeting is in people's calendars: only "Aflys møde" takes it out again
        if obj is not None and obj.invited_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would delete invited meetings without a cancel
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:  # the save was rolled back as a whole
            for message in refused.error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                (planned,) = services.meeting_plan(
                    network=form.cleaned_data["network"], by=request.user, drafts=[form.draft()]
                )
                obj.pk = planned.pk
                obj.refresh_from_db()
                obj._state.adding = False
            elif set(form.changed_data) & set(DRAFT_FIELDS):
                result = services.meeting_update(meeting=obj, by=request.user, draft=form.draft())
                obj.refresh_from_db()
                self.message_user(request, result.message(), messages.INFO)
        except ValidationError as error:
            raise ServiceRefused(error) from error

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, AttendanceFormSet):
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not formset.has_changed():
            return
        try:
            services.attendance_record(meeting=form.instance, by=request.user, person_ids=formset.present())
        except ValidationError as error:
            raise ServiceRefused(error) from error

    @admin.action(description=_("Aflys møde"), permissions=["change"])
    def cancel_meetings(self, request, queryset):
        cancelled = 0
        for meeting in queryset.select_related("network"):
            try:
                services.meeting_cancel(meeting=meeting, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", messages.ERROR)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext(
                    "%(count)d møde er aflyst, og de inviterede har fået besked.",
                    "%(count)d møder er aflyst, og de inviterede har fået besked.",
                    cancelled,
                )
                % {"count": cancelled},
                messages.SUCCESS,
            )
