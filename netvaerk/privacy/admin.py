"""The office's list of free text written by since-anonymised people: read it, redact names in the
object itself, then mark it reviewed. (The access log's admin is in ``admin_log``; the person tools
are mixed into the Person admin from ``admin_person``.)"""

from django.apps import apps
from django.contrib import admin, messages
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from circles.admin.scoping import BranchScopedAdmin

from . import admin_log  # noqa: F401  (registers the access log's admin)
from .models import ErasureReview

PREVIEW_CHARS = 120


class ReviewedFilter(admin.SimpleListFilter):
    title = _("gennemgået")
    parameter_name = "gennemgaaet"

    def lookups(self, request, model_admin):
        return [("nej", _("Mangler")), ("ja", _("Gennemgået"))]

    def queryset(self, request, queryset):
        if self.value() == "nej":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "ja":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


def _target(review: ErasureReview):
    try:
        model = apps.get_model(review.object_type)
    except (LookupError, ValueError):
        return None, None
    return model, model._default_manager.filter(
        pk=review.object_id
    ).first() if review.object_id.isdigit() else None


@admin.register(ErasureReview)
class ErasureReviewAdmin(BranchScopedAdmin):
    list_display = ("created_at", "person_id", "object_label", "field", "preview", "reviewed_at")
    list_filter = (ReviewedFilter,)
    search_fields = ("object_type", "field")
    search_help_text = _("Søg på medlemmets id (tal), typen eller feltet.")
    fields = (
        "person_id",
        "object_label",
        "field",
        "full_text",
        "edit_link",
        "created_at",
        "reviewed_at",
        "reviewed_by",
    )
    readonly_fields = fields
    actions = ["mark_reviewed"]
    list_select_related = ("reviewed_by",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and len(term) <= 10:  # a member's id; anything else is searched as text
            return queryset.filter(person_id=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False  # the erasure writes these rows

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("type"))
    def object_label(self, obj):
        model, _row = _target(obj)
        label = model._meta.verbose_name if model else obj.object_type
        return f"{label} #{obj.object_id}"

    def _text(self, obj) -> str:
        _model, row = _target(obj)
        if row is None:
            return ""
        value = getattr(row, obj.field, "")
        return value if isinstance(value, str) else str(value or "")

    @admin.display(description=_("tekst"))
    def preview(self, obj):
        text = self._text(obj)
        return text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "") or "—"

    @admin.display(description=_("tekst"))
    def full_text(self, obj):
        return format_html('<div style="white-space: pre-wrap">{}</div>', self._text(obj) or "—")

    @admin.display(description=_("ret teksten"))
    def edit_link(self, obj):
        model, row = _target(obj)
        if row is None:
            return _("Objektet findes ikke længere.")
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
        except NoReverseMatch:
            return _("Kan ikke rettes i administrationen.")
        return format_html('<a href="{}">{}</a>', url, _("Åbn og ret teksten"))

    @admin.action(description=_("Markér som gennemgået"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = queryset.filter(reviewed_at__isnull=True).update(
            reviewed_at=timezone.now(), reviewed_by=request.user
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d tekst er markeret som gennemgået.",
                "%(count)d tekster er markeret som gennemgået.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
