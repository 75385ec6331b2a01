"""Admin for minutes: the office's review queue."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Minutes, MinutesVersion
from ..services.minutes import minutes_approve, minutes_return
from .scoping import BranchScopedAdmin


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Kommentar til koordinatoren"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("Skriv en kommentar, så koordinatoren ved, hvad der skal rettes.")},
    )


class VersionInline(admin.TabularInline):
    model = MinutesVersion
    extra = 0
    can_delete = False
    fields = ["number", "submitted_at", "submitted_by", "decision", "return_comment", "attachment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReviewStatusFilter(admin.SimpleListFilter):
    """The queue opens on what waits for the office; "Alle" is an explicit choice."""

    title = _("status")
    parameter_name = "status"
    default = Minutes.Status.SUBMITTED

    def lookups(self, request, model_admin):
        return [*Minutes.Status.choices, ("alle", _("Alle"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or self.default) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "alle" else queryset.filter(status=value)


@admin.register(Minutes)
class MinutesAdmin(BranchScopedAdmin):
    """The review queue: submitted minutes first; the office reads, approves or returns them."""

    branch_path = "meeting__network__branch"
    list_display = [
        "meeting_date",
        "network",
        "status",
        "confidential",
        "submitted_at",
        "submitted_by",
        "version_count",
    ]
    list_filter = [
        ReviewStatusFilter,
        "meeting__network__kind",
        "confidential",
        ("meeting__starts_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["meeting__network", "submitted_by"]
    search_fields = ["meeting__network__name"]
    actions = ["approve", "send_back"]
    inlines = [VersionInline]
    fields = [
        "meeting",
        "status",
        "confidential",
        "rendered_text",
        "current_file",
        "submitted_at",
        "submitted_by",
        "decided_at",
        "decided_by",
        "return_comment",
    ]
    readonly_fields = fields

    def get_list_filter(self, request):
        filters = list(self.list_filter)
        if request.user.is_superuser:
            filters.append("meeting__network__branch")
        filters.append(("meeting__network", admin.RelatedOnlyFieldListFilter))
        return filters

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(versions_total=Count("versions"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("mødedato"), ordering="meeting__starts_at")
    def meeting_date(self, obj):
        return timezone.localtime(obj.meeting.starts_at).strftime("%d.%m.%Y")

    @admin.display(description=_("netværk"), ordering="meeting__network__name")
    def network(self, obj):
        return obj.meeting.network

    @admin.display(description=_("versioner"), ordering="versions_total")
    def version_count(self, obj):
        return obj.versions_total

    @admin.display(description=_("referat"))
    def rendered_text(self, obj):
        return render_to_string("admin/circles/minutes_text.html", {"minutes": obj})

    @admin.display(description=_("fil"))
    def current_file(self, obj):
        attachment = obj.files.first()
        if attachment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', attachment.get_absolute_url(), attachment.original_name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        minutes = self.get_object(request, object_id)
        if (
            request.method == "POST"
            and minutes is not None
            and ("_approve" in request.POST or "_return" in request.POST)
        ):
            return self._decide_one(request, minutes)
        extra_context = {
            **(extra_context or {}),
            "return_form": ReturnForm(),
            "show_decision": minutes is not None and minutes.status == Minutes.Status.SUBMITTED,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide_one(self, request, minutes):
        if not self.has_change_permission(request, minutes):
            raise PermissionDenied
        try:
            if "_approve" in request.POST:
                minutes_approve(minutes_id=minutes.pk, by=request.user)
                self.message_user(request, _("Referatet er godkendt."), messages.SUCCESS)
            else:
                minutes_return(
                    minutes_id=minutes.pk, by=request.user, comment=request.POST.get("comment", "")
                )
                self.message_user(request, _("Referatet er sendt retur til koordinatoren."), messages.SUCCESS)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect("../")

    @admin.action(description=_("Godkend valgte referater"), permissions=["change"])
    def approve(self, request, queryset):
        approved = 0
        for minutes in queryset:
            try:
                minutes_approve(minutes_id=minutes.pk, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{minutes}: {' '.join(error.messages)}", messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(count)d referat er godkendt.", "%(count)d referater er godkendt.", approved)
                % {"count": approved},
                messages.SUCCESS,
            )

    @admin.action(description=_("Send valgte referater retur med kommentar"), permissions=["change"])
    def send_back(self, request, queryset):
        form = ReturnForm(request.POST if "comment" in request.POST else None)
        if form.is_valid():
            returned = 0
            for minutes in queryset:
                try:
                    minutes_return(
                        minutes_id=minutes.pk, by=request.user, comment=form.cleaned_data["comment"]
                    )
                except ValidationError as error:
                    self.message_user(request, f"{minutes}: {' '.join(error.messages)}", messages.WARNING)
                else:
                    returned += 1
            if returned:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d referat er sendt retur.", "%(count)d referater er sendt retur.", returned
                    )
                    % {"count": returned},
                    messages.SUCCESS,
                )
            return None
        return render(
            request,
            "admin/circles/minutes_return.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Send referater retur"),
                "form": form,
                "queryset": queryset.select_related("meeting__network"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
