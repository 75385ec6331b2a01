"""Admin for meetings and minutes: the office's review queue and the network year overview."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import BooleanField, Case, Count, F, Max, Q, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import AgendaItem, Attendance, Meeting, Minutes, MinutesVersion, NetworkOverview
from ..services.meetings import year_bounds
from ..services.minutes import minutes_approve, minutes_return
from .scoping import BranchScopedAdmin


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Meeting)
class MeetingAdmin(BranchScopedAdmin):
    branch_path = "network__branch"
    list_display = ["starts_at", "network", "theme", "status", "duration_minutes"]
    list_filter = ["status", "network__kind", ("starts_at", admin.DateFieldListFilter)]
    list_select_related = ["network"]
    search_fields = ["network__name", "theme", "place"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["network"]
    inlines = [AgendaInline, AttendanceInline]
    readonly_fields = ["uid", "sequence", "invited_at", "created_by", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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


class BehindFilter(admin.SimpleListFilter):
    title = _("mål for året")
    parameter_name = "bagud"

    def lookups(self, request, model_admin):
        return [("ja", _("Bagud")), ("nej", _("Når målet"))]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.filter(behind=True)
        if self.value() == "nej":
            return queryset.filter(behind=False)
        return queryset


@admin.register(NetworkOverview)
class NetworkOverviewAdmin(BranchScopedAdmin):
    list_display = [
        "name",
        "kind",
        "coordinator",
        "held",
        "planned",
        "minimum_meetings",
        "minutes_outstanding",
        "last_meeting",
        "status",
    ]
    list_filter = [BehindFilter, "kind"]
    list_select_related = ["coordinator"]
    search_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self, request):
        now = timezone.now()
        start, end = year_bounds(timezone.localdate().year)
        this_year = Q(meetings__starts_at__gte=start, meetings__starts_at__lt=end)
        queryset = (
            super()
            .get_queryset(request)
            .filter(active=True)
            .annotate(
                held_count=Count("meetings", filter=this_year & Q(meetings__status=Meeting.Status.HELD)),
                planned_count=Count(
                    "meetings", filter=this_year & Q(meetings__status=Meeting.Status.PLANNED)
                ),
                outstanding=Count(
                    "meetings",
                    filter=Q(meetings__status=Meeting.Status.HELD)
                    & ~Q(meetings__minutes__status=Minutes.Status.APPROVED),
                ),
                last_held=Max(
                    "meetings__starts_at",
                    filter=Q(meetings__status=Meeting.Status.HELD, meetings__starts_at__lte=now),
                ),
            )
            .annotate(
                behind=Case(
                    When(Q(held_count__lt=F("minimum_meetings") - F("planned_count")), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("afholdt i år"), ordering="held_count")
    def held(self, obj):
        return obj.held_count

    @admin.display(description=_("planlagt"), ordering="planned_count")
    def planned(self, obj):
        return obj.planned_count

    @admin.display(description=_("referater mangler"), ordering="outstanding")
    def minutes_outstanding(self, obj):
        return obj.outstanding

    @admin.display(description=_("seneste møde"), ordering="last_held")
    def last_meeting(self, obj):
        return timezone.localtime(obj.last_held).strftime("%d.%m.%Y") if obj.last_held else "—"

    @admin.display(description=_("status"), boolean=False, ordering="behind")
    def status(self, obj):
        return _("Bagud") if obj.behind else _("OK")
