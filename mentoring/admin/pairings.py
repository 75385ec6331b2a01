"""Pairings, their sessions and feedback in the admin, and the evaluation export.

The office sees each programme's pairs of its branch: status, sessions and hours, and (office only,
by the ``view_feedback`` permission) each party's evaluation, read-only. Nothing here is typed in:
a pairing starts from an accepted offer, and the office ends one through ``pairing_end`` (party
"office") from its page. The export gives a programme's pairs, sessions and feedback as CSV (one
row per pair, for a Danish Excel) or XLSX (three sheets).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles.admin.scoping import BranchScopedAdmin, BranchScopedInline, scope_choices
from circles.services.claims_review import _danish_number
from netvaerk.privacy.log import record

from ..forms_pairing import EndForm
from ..models import SESSION_THEMES, Feedback, Pairing, Programme, Session
from ..services import evaluation
from ..services.pairings import pairing_end

THEMES = dict(SESSION_THEMES)


class ReadOnlyInline(BranchScopedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ["held_on", "duration_minutes", "mode", "theme_list", "topics", "logged_by"]
    readonly_fields = fields
    ordering = ["-held_on", "-pk"]

    @admin.display(description=gettext_lazy("emner"))
    def theme_list(self, obj):
        return ", ".join(str(THEMES[key]) for key in obj.themes if key in THEMES)


class FeedbackInline(ReadOnlyInline):
    """Shown to whoever may view feedback (the office); never to the other party, who has no admin."""

    model = Feedback
    fields = ["party", "rating", "useful", "improve", "recommend", "submitted_at"]
    readonly_fields = fields


@admin.register(Pairing)
class PairingAdmin(BranchScopedAdmin):
    branch_path = "programme__branch"
    list_display = [
        "mentor_name",
        "mentee_name",
        "programme_name",
        "status",
        "started_on",
        "ends_on",
        "session_count",
        "hours",
        "feedback_count",
    ]
    list_filter = ["status", ("programme", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["mentor", "mentee", "programme"]
    search_fields = ["mentor__name", "mentee__name"]
    fields = [
        "programme",
        "mentor",
        "mentee",
        "status",
        "started_on",
        "ends_on",
        "ended_on",
        "ended_by",
        "end_reason",
        "offer",
    ]
    readonly_fields = fields
    inlines = [SessionInline, FeedbackInline]
    change_form_template = "admin/mentoring/pairing/change_form.html"
    change_list_template = "admin/mentoring/pairing/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sessions=Count("sessions", distinct=True),
                n_minutes=Sum("sessions__duration_minutes"),
                n_feedback=Count("feedback", distinct=True),
            )
        )

    def has_add_permission(self, request):
        return False  # a pairing starts when the new TR accepts an offer

    def has_delete_permission(self, request, obj=None):
        return False  # the evaluation needs the history

    @admin.display(description=gettext_lazy("mentor"), ordering="mentor__name")
    def mentor_name(self, obj):
        return obj.mentor.name

    @admin.display(description=gettext_lazy("ny TR"), ordering="mentee__name")
    def mentee_name(self, obj):
        return obj.mentee.name

    @admin.display(description=gettext_lazy("mentorordning"), ordering="programme__name")
    def programme_name(self, obj):
        return obj.programme.name

    @admin.display(description=gettext_lazy("samtaler"), ordering="n_sessions")
    def session_count(self, obj):
        return obj.n_sessions

    @admin.display(description=gettext_lazy("timer"), ordering="n_minutes")
    def hours(self, obj):
        return _danish_number(evaluation.hours(obj.n_minutes))

    @admin.display(description=gettext_lazy("evalueringer"))
    def feedback_count(self, obj):
        return f"{obj.n_feedback}/2"

    # the office ends a pairing; the evaluation export

    def get_urls(self):
        urls = [
            path(
                "evaluering/",
                self.admin_site.admin_view(self.export_view),
                name="mentoring_pairing_evaluation",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_url": reverse("admin:mentoring_pairing_evaluation")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pairing = self.get_object(request, object_id)
        may_end = pairing is not None and pairing.status == Pairing.Status.ACTIVE
        may_end = may_end and self.has_change_permission(request, pairing)
        if request.method == "POST" and "_end" in request.POST and pairing is not None:
            if not self.has_change_permission(request, pairing):
                raise PermissionDenied
            return self._end(request, pairing)
        extra_context = {**(extra_context or {}), "end_form": EndForm() if may_end else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def _end(self, request, pairing):
        form = EndForm(request.POST)
        url = reverse("admin:mentoring_pairing_change", args=[pairing.pk])
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(url)
        try:
            pairing_end(
                pairing=pairing,
                party=Pairing.Party.OFFICE,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Forløbet er afsluttet. Begge parter har fået besked og et link til evalueringen."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(url)

    def export_view(self, request):
        # the evaluation holds the parties' feedback: for whoever may read feedback (the office)
        if not (self.has_view_permission(request) and request.user.has_perm("mentoring.view_feedback")):
            raise PermissionDenied
        form = EvaluationForm(request.GET or None, user=request.user)
        if form.is_bound and form.is_valid():
            programme = form.cleaned_data["programme"]
            report = evaluation.evaluation(programme)
            name = evaluation.file_name(programme)
            record(
                request,
                "export",
                _("Evaluering af %(programme)s (%(format)s)")
                % {"programme": programme, "format": form.cleaned_data["format"]},
                obj=programme,
                branch_id=programme.branch_id,
            )
            if form.cleaned_data["format"] == "csv":
                response = HttpResponse(evaluation.export_csv(report), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            else:
                response = HttpResponse(
                    evaluation.export_xlsx(report),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Evaluering af mentorordningen"),
            "opts": self.model._meta,
            "has_view_permission": True,
            "form": form,
        }
        return TemplateResponse(request, "admin/mentoring/pairing/evaluation.html", context)


class EvaluationForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Mentorordning"),
        queryset=Programme.objects.none(),
        error_messages={
            "required": gettext_lazy("Vælg en mentorordning."),
            "invalid_choice": gettext_lazy("Vælg en af kredsens mentorordninger."),
        },
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("xlsx", gettext_lazy("Excel (XLSX)")), ("csv", gettext_lazy("CSV (dansk Excel)"))],
        initial="xlsx",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Vælg XLSX eller CSV.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = scope_choices(Programme.objects.select_related("branch"), user)
        self.fields["programme"].queryset = programmes.order_by("branch__name", "name")


@admin.register(Feedback)
class FeedbackAdmin(BranchScopedAdmin):
    """Every evaluation of the branch's pairings, for the office (read-only)."""

    branch_path = "pairing__programme__branch"
    list_display = ["pairing", "party", "rating", "recommend", "submitted_at"]
    list_filter = ["party", "rating", ("pairing__programme", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["pairing__mentor", "pairing__mentee"]
    fields = ["pairing", "party", "rating", "useful", "improve", "recommend", "submitted_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
