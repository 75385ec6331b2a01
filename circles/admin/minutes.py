"""Admin for minutes: the office's review queue.

Who sees what follows the same rule as the front end (``circles.permissions.can_read_minutes``): the
queue lists only minutes the user may read, and the review page shows the last submitted version,
never the coordinator's working copy. The review page also shows the version's key messages (AMR and
mixed networks), the points for the board, and to whom the key messages were sent at approval.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from netvaerk.privacy.log import record

from ..forms.minutes import ReturnForm
from ..models import KeyMessageDelivery, Minutes, MinutesVersion
from ..permissions import can_read_minutes, readable_minutes
from ..services.minutes import last_submitted, minutes_approve, minutes_return
from ..templatetags.names import display_name
from .filters import QueueStatusFilter
from .scoping import BranchScopedAdmin, BranchScopedInline


def _reviewed(minutes):
    """The last submitted version (set by ``get_object``; looked up when the admin did not)."""
    if not hasattr(minutes, "reviewed"):
        minutes.reviewed = last_submitted(minutes)
    return minutes.reviewed


def _file_link(attachment):
    if attachment is None:
        return "—"
    return format_html('<a href="{}">{}</a>', attachment.get_absolute_url(), attachment.original_name)


class VersionInline(BranchScopedInline):
    """Every submission, with the office's decision and comment: the review's history."""

    model = MinutesVersion
    extra = 0
    can_delete = False
    fields = ["number", "submitted_at", "submitter", "decision", "return_comment", "file"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("attachment", "submitted_by__person")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("indsendt af"))
    def submitter(self, obj):
        return display_name(obj.submitted_by) or "—"

    @admin.display(description=_("fil"))
    def file(self, obj):
        return _file_link(obj.attachment)


class KeyMessageDeliveryInline(BranchScopedInline):
    """To whom the approved minutes' key messages were sent (written by the approval, never by hand)."""

    model = KeyMessageDelivery
    extra = 0
    can_delete = False
    verbose_name = _("centrale budskaber sendt til")
    verbose_name_plural = _("centrale budskaber sendt til")
    fields = ["recipient_name", "recipient_email", "audience", "workplace", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("workplace").order_by("audience", "recipient_name")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KeyMessagesFilter(admin.SimpleListFilter):
    title = _("centrale budskaber")
    parameter_name = "budskaber"

    def lookups(self, request, model_admin):
        return [("sendt", _("Sendt")), ("ikke-sendt", _("Ikke sendt"))]

    def queryset(self, request, queryset):
        sent = Exists(KeyMessageDelivery.objects.filter(minutes=OuterRef("pk")))
        if self.value() == "sendt":
            return queryset.filter(sent)
        if self.value() == "ikke-sendt":
            return queryset.filter(~sent)
        return queryset


class ReviewStatusFilter(QueueStatusFilter):
    statuses = Minutes.Status
    default = Minutes.Status.SUBMITTED


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
        "submitter",
        "version_count",
    ]  # who got the key messages: the filter, and the list on each minutes' page (the queue fits 1280 px)
    list_filter = [
        ReviewStatusFilter,
        "meeting__network__kind",
        "confidential",
        KeyMessagesFilter,
        ("meeting__starts_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["meeting__network", "submitted_by__person"]
    search_fields = ["meeting__network__name"]
    actions = ["approve", "send_back"]
    inlines = [VersionInline, KeyMessageDeliveryInline]
    fields = [
        "meeting",
        "status",
        "confidential",
        "rendered_text",
        "current_file",
        "reviewed_key_messages",
        "board_points",
        "submitted_at",
        "submitter",
        "decided_at",
        "decider",
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
        readable = readable_minutes(request.user, super().get_queryset(request))
        return readable.annotate(versions_total=Count("versions"))

    def get_object(self, request, object_id, from_field=None):
        minutes = super().get_object(request, object_id, from_field)
        if minutes is not None:
            minutes.reviewed = last_submitted(minutes)  # what the office reviews, never the working copy
        return minutes

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or can_read_minutes(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can_read_minutes(request.user, obj)
        )

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

    @admin.display(description=_("centrale budskaber"))
    def reviewed_key_messages(self, obj):
        copy = _reviewed(obj)
        return render_to_string(
            "admin/circles/minutes_key_messages.html",
            {"key_messages": copy.key_messages if copy else "", "kind": obj.meeting.network.kind},
        )

    @admin.display(description=_("punkter til kredsbestyrelsen"))
    def board_points(self, obj):
        if not obj.meeting.network.is_tr_network:
            return "—"
        if obj.status not in (Minutes.Status.SUBMITTED, Minutes.Status.APPROVED):
            return _("Punkterne vises, når referatet er indsendt igen.")
        points = obj.board_points.select_related("topic").order_by("pk")
        return render_to_string("admin/circles/minutes_board_points.html", {"points": points})

    @admin.display(description=_("indsendt af"), ordering="submitted_by__person__name")
    def submitter(self, obj):
        return display_name(obj.submitted_by) or "—"

    @admin.display(description=_("behandlet af"))
    def decider(self, obj):
        return display_name(obj.decided_by) or "—"

    @admin.display(description=_("referat"))
    def rendered_text(self, obj):
        return render_to_string("admin/circles/minutes_text.html", {"copy": _reviewed(obj)})

    @admin.display(description=_("fil"))
    def current_file(self, obj):
        copy = _reviewed(obj)
        return _file_link(copy.file if copy else None)

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
            # nothing here is edited by hand: the decision buttons are the page's only actions
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if minutes is not None and minutes.confidential and request.method == "GET":
            record(
                request,
                "read",
                _("Fortroligt referat, møde #%(id)s") % {"id": minutes.meeting_id},
                obj=minutes,
                branch_id=minutes.meeting.network.branch_id,
            )
        if minutes is not None:
            extra_context["title"] = _("Referat: %(network)s, %(date)s") % {
                "network": minutes.meeting.network,
                "date": timezone.localtime(minutes.meeting.starts_at).strftime("%d.%m.%Y"),
            }
            extra_context["subtitle"] = None
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide_one(self, request, minutes):
        if not self.has_change_permission(request, minutes):
            raise PermissionDenied
        try:
            if "_approve" in request.POST:
                minutes_approve(minutes_id=minutes.pk, by=request.user)
                self.message_user(request, _("Referatet er godkendt."), messages.SUCCESS)
            else:
                form = ReturnForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["comment"].as_data())
                minutes_return(minutes_id=minutes.pk, by=request.user, comment=form.cleaned_data["comment"])
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
