"""Admin for branches, employers, workplaces and logins."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from netvaerk.admin import ModelAdmin, QuickListMixin, SafeChangelist

from ..models import (
    Branch,
    Employer,
    Network,
    Person,
    User,
    Workplace,
)
from .people import _active_tr_mandate, _active_tr_membership
from .scoping import BranchScopedAdmin, scope_choices


def _count_per_branch(queryset):
    """COUNT of a queryset correlated on its branch, as a subquery expression (0 when empty)."""
    counted = queryset.order_by().values("branch").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


@admin.register(Branch)
class BranchAdmin(ModelAdmin):
    list_display = ["name", "union", "office_email", "network_count", "tr_without_network"]
    search_fields = ["name", "union"]
    REMINDER_FIELDS = [
        "meeting_reminder_days",
        "meeting_last_reminder_days",
        "cadence_mid_quarter",
        "minutes_reminder_days",
        "minutes_office_days",
        "returned_minutes_days",
    ]
    fieldsets = [
        (None, {"fields": ["name", "union", "office_email"]}),
        (
            _("Påmindelser"),
            {
                "fields": REMINDER_FIELDS,
                "description": _(
                    "Hvornår netværkene og kredskontoret påmindes. Et tomt felt slår den påmindelse fra."
                ),
            },
        ),
        (
            _("Brev til ledere om tjenestefrihed (AMR-netværk)"),
            {
                "fields": ["leave_letter"],
                "description": _(
                    "Sendes med årets mødedatoer til lederne af AMR-netværkenes medlemmer. Tom: standardbrevet. "
                    "Disse felter udfyldes for hver modtager: {kreds}, {netværk}, {kontor_email}, {leder}, "
                    "{medlem} og {arbejdsplads}."
                ),
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # the office tunes its own branch's reminders; the branch itself is the superuser's
        if request.user.is_superuser:
            return []
        return ["name", "union", "office_email"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return request.user.is_superuser or obj is None or obj.pk == request.user.branch_id

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(pk=request.user.branch_id)
        # correlated counts, not joins: a branch has thousands of people and hundreds of networks
        networks = Network.objects.filter(branch=OuterRef("pk"), active=True)
        lonely = Person.objects.filter(branch=OuterRef("pk")).filter(
            Exists(_active_tr_mandate()), ~Exists(_active_tr_membership())
        )
        return queryset.annotate(
            network_count=_count_per_branch(networks), lonely_count=_count_per_branch(lonely)
        )

    @admin.display(description=_("aktive netværk"), ordering="network_count")
    def network_count(self, obj):
        return obj.network_count

    @admin.display(description=_("TR uden netværk"), ordering="lonely_count")
    def tr_without_network(self, obj):
        return obj.lonely_count


@admin.register(Employer)
class EmployerAdmin(BranchScopedAdmin):
    """Each branch keeps its own employers: another branch's are not found, listed or offered."""

    branch_from_user = True
    list_display = ["name", "kind", "workplace_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["branch", "kind", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workplace_count=Count("workplaces"))

    @admin.display(description=_("arbejdspladser"), ordering="workplace_count")
    def workplace_count(self, obj):
        return obj.workplace_count


@admin.register(Workplace)
class WorkplaceAdmin(BranchScopedAdmin):
    branch_path = "employer__branch"
    list_display = ["name", "employer", "work_area", "municipality"]
    list_filter = ["work_area", "employer__kind", "municipality"]
    list_select_related = ["employer"]
    search_fields = ["name", "municipality", "employer__name"]
    autocomplete_fields = ["employer"]
    fieldsets = [
        (None, {"fields": ["employer", "name", "work_area", "municipality"]}),
        (
            _("Leder"),
            {
                "fields": ["manager_name", "manager_email"],
                "description": _(
                    "Lederen får AMR-netværkenes centrale budskaber og brevet om tjenestefrihed med "
                    "mødedatoerne."
                ),
            },
        ),
    ]


@admin.register(User)
class UserAdmin(SafeChangelist, QuickListMixin, DjangoUserAdmin):
    """Logins are the superuser's business; the office invites members from the person list."""

    list_display = ["username", "email", "first_name", "last_name", "branch", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "branch"]
    list_select_related = ["branch"]
    fieldsets = [*DjangoUserAdmin.fieldsets, (_("Kreds"), {"fields": ["branch"]})]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, (_("Kreds"), {"fields": ["branch"]})]

    def get_queryset(self, request):
        # staff with the user permissions see their branch's logins, never another branch's
        return scope_choices(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.queryset = scope_choices(field.queryset, request.user)
        return field

    def view_on_site(self, obj):
        return None
