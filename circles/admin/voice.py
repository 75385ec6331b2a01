"""Points for the board, supervision requests and leave letters in the admin.

The office keeps its branch's topics, reads every point its networks sent (of submitted or approved
minutes), marks each as taken up or answered through ``services.voice.point_mark`` and exports them
for the board meeting; it answers supervision requests through ``services.voice.supervision_answer``
and reads the log of leave letters. Nothing here writes around the services.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from netvaerk.admin import ReadOnlyAdminMixin
from netvaerk.privacy.log import record

from ..models import BoardPoint, BoardTopic, LeaveLetter, Network, SupervisionRequest
from ..models.voice import POINT_TEXT_MAX, REQUEST_TEXT_MAX
from ..services import voice as services
from .networks import ServiceSaveAdmin
from .scoping import BranchScopedAdmin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _branch_id(request) -> int | None:
    return None if request.user.is_superuser else request.user.branch_id


# Topics -------------------------------------------------------------------------------------------


@admin.register(BoardTopic)
class BoardTopicAdmin(BranchScopedAdmin):
    """The office's list of topics for the points to the board; a topic in use is retired, not deleted."""

    branch_from_user = True
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    fields = ["branch", "name", "position", "active"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.branch_id = request.user.branch_id
        super().save_model(request, obj, form, change)


# Points for the board -----------------------------------------------------------------------------


class _ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field filter that lists only the user's branch's rows (never another branch's names)."""

    def choices_queryset(self, request):
        raise NotImplementedError

    def field_choices(self, field, request, model_admin):
        return [(row.pk, str(row)) for row in self.choices_queryset(request)]


class TopicFilter(_ScopedRelatedFilter):
    def choices_queryset(self, request):
        topics = BoardTopic.objects.order_by("position", "name")
        branch_id = _branch_id(request)
        return topics if branch_id is None else topics.filter(branch_id=branch_id)


class NetworkFilter(_ScopedRelatedFilter):
    def choices_queryset(self, request):
        networks = Network.objects.filter(kind__in=Network.TR_KINDS).order_by("name")
        branch_id = _branch_id(request)
        return networks if branch_id is None else networks.filter(branch_id=branch_id)


class PointForm(forms.ModelForm):
    """Only the office's mark is a form field; the rest of the point is shown read-only."""

    status = forms.ChoiceField(
        label=gettext_lazy("status"),
        choices=[
            (BoardPoint.Status.TAKEN_UP.value, BoardPoint.Status.TAKEN_UP.label),
            (BoardPoint.Status.ANSWERED.value, BoardPoint.Status.ANSWERED.label),
        ],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(
        label=gettext_lazy("svar til netværket"),
        max_length=POINT_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=gettext_lazy(
            "Sendes til netværkets koordinator og vises ved punktet i referatet. Skal udfyldes ved svar."
        ),
    )

    class Meta:
        model = BoardPoint
        fields = ["status", "reply"]

    def clean(self):
        data = super().clean()
        if data.get("status") == BoardPoint.Status.ANSWERED and not (data.get("reply") or "").strip():
            self.add_error("reply", _("Skriv svaret til netværket."))
        return data


@admin.register(BoardPoint)
class BoardPointAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    """Every point the branch's networks sent, across networks; filtered by topic, network, status and
    the meeting's date; marked and exported through the services."""

    branch_path = "network__branch"
    form = PointForm
    list_display = ["title", "network", "topic", "meeting_date", "status", "replied_at"]
    list_filter = [
        ("topic", TopicFilter),
        ("network", NetworkFilter),
        "status",
        ("minutes__meeting__starts_at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "minutes__meeting__starts_at"
    list_select_related = ["network", "topic", "minutes__meeting"]
    search_fields = ["title", "text", "network__name"]
    actions = ["mark_taken_up", "export_selected"]
    readonly_fields = ["network", "meeting_link", "topic", "title", "text", "replied_by", "replied_at"]
    fieldsets = [
        (None, {"fields": ["network", "meeting_link", "topic", "title", "text"]}),
        (gettext_lazy("Kredskontorets svar"), {"fields": ["status", "reply", "replied_by", "replied_at"]}),
    ]
    change_list_template = "admin/circles/boardpoint/change_list.html"

    def get_queryset(self, request):
        # only points whose minutes reached the office; the draft's points are the coordinator's
        return super().get_queryset(request).filter(minutes__status__in=services.SENT)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("møde"), ordering="minutes__meeting__starts_at")
    def meeting_date(self, obj):
        return timezone.localtime(obj.minutes.meeting.starts_at).strftime("%d.%m.%Y")

    @admin.display(description=gettext_lazy("referat"))
    def meeting_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:circles_minutes_change", args=[obj.minutes_id]),
            timezone.localtime(obj.minutes.meeting.starts_at).strftime("%d.%m.%Y"),
        )

    def save_model(self, request, obj, form, change):
        with self.refusal_shown_on_form():
            services.point_mark(
                point=obj,
                status=form.cleaned_data["status"],
                reply=form.cleaned_data["reply"],
                by=request.user,
            )

    def save_related(self, request, form, formsets, change):
        pass  # a point has no inlines or many-to-many fields

    @admin.action(description=gettext_lazy("Markér valgte punkter som taget op"), permissions=["change"])
    def mark_taken_up(self, request, queryset):
        marked = 0
        for point in queryset:
            if point.status != BoardPoint.Status.NEW:
                continue
            try:
                services.point_mark(
                    point=point, status=BoardPoint.Status.TAKEN_UP, reply=point.reply, by=request.user
                )
            except ValidationError as error:
                self.message_user(request, f"{point}: {' '.join(error.messages)}", messages.WARNING)
            else:
                marked += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d punkt er markeret som taget op.",
                "%(count)d punkter er markeret som taget op.",
                marked,
            )
            % {"count": marked},
            messages.SUCCESS if marked else messages.INFO,
        )

    @admin.action(description=gettext_lazy("Eksportér valgte til bestyrelsesmødet (XLSX)"))
    def export_selected(self, request, queryset):
        return self._xlsx(request, queryset)

    def _xlsx(self, request, queryset):
        record(request, "export", _("Punkter til bestyrelsen (XLSX)"))
        response = HttpResponse(services.points_export_xlsx(queryset), content_type=XLSX)
        name = f"punkter-til-bestyrelsen-{timezone.localdate():%Y%m%d}"
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response

    def get_urls(self):
        export = path(
            "eksport/", self.admin_site.admin_view(self.export_view), name="circles_boardpoint_export"
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The whole filtered list (the changelist's filters from the address), not only one page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return self._xlsx(request, changelist.get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        export_url = reverse("admin:circles_boardpoint_export") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "export_url": export_url})


# Supervision --------------------------------------------------------------------------------------


class AnswerForm(forms.ModelForm):
    answer = forms.CharField(
        label=gettext_lazy("svar til koordinatoren"),
        max_length=REQUEST_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        error_messages={"required": gettext_lazy("Skriv et svar.")},
    )

    class Meta:
        model = SupervisionRequest
        fields = ["answer"]


@admin.register(SupervisionRequest)
class SupervisionRequestAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    """The networks' requests for supervision; the office answers each once."""

    branch_path = "network__branch"
    form = AnswerForm
    list_display = ["network", "requester", "created_at", "status", "answered_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["network", "requested_by"]
    search_fields = ["network__name", "about"]
    fields = [
        "network",
        "requester",
        "created_at",
        "about",
        "preferred_dates",
        "status",
        "answer",
        "answered_by",
        "answered_at",
    ]

    readonly_fields = [
        "network",
        "requester",
        "created_at",
        "about",
        "preferred_dates",
        "status",
        "answered_by",
        "answered_at",
    ]

    def has_change_permission(self, request, obj=None):
        # answered once: the page then only shows the request and the answer
        if obj is not None and obj.status != SupervisionRequest.Status.OPEN:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("bedt om af"))
    def requester(self, obj):
        user = obj.requested_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    def save_model(self, request, obj, form, change):
        with self.refusal_shown_on_form():
            services.supervision_answer(request=obj, by=request.user, answer=form.cleaned_data["answer"])

    def save_related(self, request, form, formsets, change):
        pass


# Leave letters ------------------------------------------------------------------------------------


@admin.register(LeaveLetter)
class LeaveLetterAdmin(ReadOnlyAdminMixin, BranchScopedAdmin):
    """The log of letters sent to managers: who, for which network and year, which version."""

    branch_path = "network__branch"
    list_display = ["person", "network", "year", "manager_email", "workplace", "sent_by", "created_at"]
    list_filter = ["year", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["person", "network", "workplace", "sent_by"]
    search_fields = ["person__name", "network__name", "manager_email"]
    fields = ["network", "person", "workplace", "year", "version", "manager_email", "sent_by", "created_at"]
    readonly_fields = fields
