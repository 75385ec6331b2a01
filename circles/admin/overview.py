"""The office's overview of every network's year."""

from django.contrib import admin
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netvaerk.admin import ReadOnlyAdminMixin

from ..models import Meeting, Minutes, NetworkOverview, Reminder
from ..services.progress import with_year_progress
from .networks import CoordinatorRuleFilter
from .scoping import BranchScopedAdmin


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
class NetworkOverviewAdmin(ReadOnlyAdminMixin, BranchScopedAdmin):
    list_display = [
        "name",
        "kind",
        "coordinator",
        "held",
        "planned",
        "awaiting",
        "minimum_meetings",
        "minutes_outstanding",
        "last_meeting",
        "status",
        "last_reminder",
    ]
    list_filter = [BehindFilter, CoordinatorRuleFilter, "kind"]
    list_select_related = ["coordinator"]
    search_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self, request):
        now = timezone.now()
        queryset = super().get_queryset(request).filter(active=True)
        latest = Reminder.objects.filter(network=OuterRef("pk")).order_by("-created_at", "-pk")
        return with_year_progress(queryset, year=timezone.localdate().year, now=now).annotate(
            outstanding=Count(
                "meetings",
                filter=Q(meetings__status=Meeting.Status.HELD)
                & ~Q(meetings__minutes__status=Minutes.Status.APPROVED),
            ),
            last_held=Max(
                "meetings__starts_at",
                filter=Q(meetings__status=Meeting.Status.HELD, meetings__starts_at__lte=now),
            ),
            # the newest reminder about the network: one index look-up per row, in the same query
            last_reminder_at=Subquery(latest.values("created_at")[:1]),
            last_reminder_reason=Subquery(latest.values("reason")[:1]),
        )

    @admin.display(description=_("afholdt i år"), ordering="held_count")
    def held(self, obj):
        return obj.held_count

    @admin.display(description=_("planlagt i år"), ordering="planned_count")
    def planned(self, obj):
        return obj.planned_count

    @admin.display(description=_("venter på fremmøde"), ordering="awaiting_count")
    def awaiting(self, obj):
        return obj.awaiting_count

    @admin.display(description=_("referater mangler"), ordering="outstanding")
    def minutes_outstanding(self, obj):
        return obj.outstanding

    @admin.display(description=_("seneste møde"), ordering="last_held")
    def last_meeting(self, obj):
        return timezone.localtime(obj.last_held).strftime("%d.%m.%Y") if obj.last_held else "—"

    @admin.display(description=_("status"), boolean=False, ordering="behind")
    def status(self, obj):
        return _("Bagud") if obj.behind else _("OK")

    @admin.display(description=_("seneste påmindelse"), ordering="last_reminder_at")
    def last_reminder(self, obj):
        if obj.last_reminder_at is None:
            return "—"
        return f"{timezone.localtime(obj.last_reminder_at):%d.%m.%Y}: {obj.last_reminder_reason}"
