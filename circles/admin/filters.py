"""List filters the office's review queues share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class QueueStatusFilter(admin.SimpleListFilter):
    """A review queue opens on what waits for the office; "Alle" is an explicit choice.

    Subclasses name the model's ``Status`` choices and the ``default`` the queue opens on.
    """

    title = _("status")
    parameter_name = "status"
    statuses = None
    default = ""

    def lookups(self, request, model_admin):
        return [*self.statuses.choices, ("alle", _("Alle"))]

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
