"""What every Netværk admin list shares: pages that stay quick with a whole country's data.

The office's lists are the union's biggest pages. Measured at national scale (tests/perf/national.py)
most of a changelist's time is Django rendering rows, not SQL, so a page holds 50 rows, skips the
second COUNT over the unfiltered table, and draws the row checkbox without the form-widget templates.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.utils.html import format_html
from django.utils.translation import gettext as _


class QuickListMixin:
    list_per_page = 50
    show_full_result_count = False

    def action_checkbox(self, obj):
        # the same markup as Django's CheckboxInput, without a template render per row
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class ModelAdmin(QuickListMixin, admin.ModelAdmin):
    pass
