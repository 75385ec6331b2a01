"""The office's side of the access log, the retention periods and the erasure notices.

The access log is read-only for everyone (superusers included): no add, change or delete, and the
retention job alone removes old rows. The office searches it per member (name, e-mail or member
number resolve to the member's id within the branch) and per user. auditlog's field diffs are for
superusers only: they hold old values of every tracked field.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from circles.admin.scoping import BranchScopedAdmin
from circles.models import Person
from netvaerk.admin import ReadOnlyAdminMixin, SafeChangelist

from .models import AccessLogEntry, ErasureNotice, RetentionPolicy

SEARCH_MAX = 100


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdminMixin, BranchScopedAdmin):
    list_display = ("at", "user_label", "action", "what", "person_id", "ip")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("user_label", "what", "path")
    search_help_text = _("Søg på bruger, medlem (navn, e-mail eller medlemsnummer) eller hvad der blev set.")
    date_hierarchy = "at"
    list_select_related = ()
    show_full_result_count = False
    fields = ("at", "user_label", "action", "what", "object_type", "object_id", "person_id", "path", "ip")

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()[:SEARCH_MAX]
        if not term:
            return results, may_have_duplicates
        people = Person.objects.filter(
            Q(name__icontains=term) | Q(email__iexact=term) | Q(member_number=term)
        )
        if not request.user.is_superuser:
            people = people.filter(branch_id=request.user.branch_id)
        about = queryset.filter(person_id__in=people.values("pk"))
        return results | about, may_have_duplicates


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(BranchScopedAdmin):
    list_display = (
        "branch",
        "mail_body_days",
        "inactive_person_years",
        "access_log_days",
        "claim_keep_years",
    )
    branch_from_user = True

    def has_add_permission(self, request):
        # one per branch, made by the retention job with the defaults; the office edits it
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ErasureNotice)
class ErasureNoticeAdmin(BranchScopedAdmin):
    branch_path = "person__branch"
    list_display = ("person", "noticed_at", "erase_on", "kept_by", "kept_reason")
    list_filter = (("kept_by", admin.EmptyFieldListFilter),)
    fields = ("person", "noticed_at", "erase_on", "kept_by", "kept_reason")
    readonly_fields = ("person", "noticed_at", "erase_on", "kept_by")
    actions = ("keep",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "kept_reason" in form.changed_data and obj.kept_reason and obj.kept_by_id is None:
            obj.kept_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Behold de valgte (anonymiseres ikke)"), permissions=["change"])
    def keep(self, request, queryset):
        count = queryset.filter(kept_by__isnull=True).update(
            kept_by=request.user, kept_reason=_("Beholdt af kredskontoret.")
        )
        self.message_user(
            request,
            ngettext("%(count)d medlem beholdes.", "%(count)d medlemmer beholdes.", count) % {"count": count},
            messages.SUCCESS,
        )


class SuperuserLogEntryAdmin(SafeChangelist, LogEntryAdmin):
    """auditlog's own admin, for superusers only: the diffs hold old values of every field."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, SuperuserLogEntryAdmin)
