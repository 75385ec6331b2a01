"""Admin for meetings: their agenda and attendance."""

from django.contrib import admin
from django.db import models

from ..models import AgendaItem, Attendance, Meeting
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
