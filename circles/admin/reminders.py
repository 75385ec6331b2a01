"""The reminders the periodic jobs sent: read-only, for the office of the branch they belong to."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netvaerk.admin import ReadOnlyAdminMixin

from ..models import Reminder
from .scoping import BranchScopedAdmin


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, BranchScopedAdmin):
    list_display = ["sent", "kind", "network", "meeting", "recipient", "reason"]
    list_filter = ["kind"]
    list_select_related = ["network", "meeting__network"]
    search_fields = ["recipient", "network__name", "reason"]
    date_hierarchy = "created_at"
    fields = ["created_at", "kind", "network", "meeting", "recipient", "reason", "key"]
    readonly_fields = fields

    @admin.display(description=_("sendt"), ordering="created_at")
    def sent(self, obj):
        return timezone.localtime(obj.created_at).strftime("%d.%m.%Y %H:%M")
