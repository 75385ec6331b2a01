"""What every Netværk admin page shares: quick lists, robust input, named fields.

The office's lists are the union's biggest pages. Measured at national scale (tests/perf/national.py)
most of a changelist's time is Django rendering rows, not SQL, so a page holds 50 rows, skips the
second COUNT over the unfiltered table, and draws the row checkbox without the form-widget templates.

Bad input in an address or a form gets a Danish answer, never a 500: a filter value the database
cannot hold is refused before Django builds the list, and an autocomplete widget re-rendering a
form ignores posted values that cannot be keys. Every inline field is named for screen readers.
"""

from functools import cache

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import IGNORED_PARAMS, PAGE_VAR, SEARCH_VAR
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

INTEGER_LOOKUPS = {"exact", "in", "gt", "gte", "lt", "lte"}
# date_hierarchy asks for the next year, month or day, so the last day a filter may name is in 9998
DATE_PARTS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


def _integer_range(field):
    return connection.ops.integer_field_range(field.get_internal_type())


def _is_integer_in_range(field, value) -> bool:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    low, high = _integer_range(field)
    return (low is None or number >= low) and (high is None or number <= high)


def _can_be_key(field, value) -> bool:
    """Whether ``value`` could be a value of ``field`` (the target of a foreign key) in the database."""
    if isinstance(field, models.IntegerField | models.AutoField):
        return _is_integer_in_range(field, value)
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class _SafeOptgroups:
    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        keys = [v for v in value if str(v) in self.choices.field.empty_values or _can_be_key(target, str(v))]
        return super().optgroups(name, keys, attr)


class SafeAutocompleteSelect(_SafeOptgroups, AutocompleteSelect):
    """Re-renders an invalid POST such as ``abc`` or ``1.0`` as "no choice" instead of a 500."""


class SafeAutocompleteSelectMultiple(_SafeOptgroups, AutocompleteSelectMultiple):
    pass


class SafeFormfields:
    """Autocomplete widgets that survive any posted value (admins and inlines alike)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _innermost(widget):
    while hasattr(widget, "widget"):  # RelatedFieldWidgetWrapper around the real input
        widget = widget.widget
    return widget


def _name_fields(form, row):
    """A table cell has no <label>: each input is named by its column and its row."""
    for field in form.fields.values():
        widget = _innermost(field.widget)
        if widget.is_hidden:
            continue
        if row is None:
            label = _("%(field)s, ny række") % {"field": field.label}
        else:
            label = _("%(field)s, række %(row)d") % {"field": field.label, "row": row}
        widget.attrs["aria-label"] = label


class _NamedRowsFormSet:
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        _name_fields(form, i + 1)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        _name_fields(form, None)
        return form


class InlineBase(SafeFormfields):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (_NamedRowsFormSet, formset), {})


class TabularInline(InlineBase, admin.TabularInline):
    pass


class StackedInline(InlineBase, admin.StackedInline):
    pass


@cache
def _with_inline_base(inline_class):
    if issubclass(inline_class, InlineBase):
        return inline_class
    return type(inline_class.__name__, (InlineBase, inline_class), {"__module__": inline_class.__module__})


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


class SafeChangelist:
    """Changelist filters from the address are checked before Django builds the list.

    An integer beyond the column's range or a year past 9998 would pass Django's own checks and fail in
    the database (or in date arithmetic) as a 500; here it becomes ``IncorrectLookupParameters``, which
    Django answers by showing the list without filters, and the office gets a Danish message.
    """

    def get_changelist_instance(self, request):
        try:
            self._check_lookups(request)
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(
                request, gettext_lazy("Filteret i adressen kunne ikke bruges, så listen vises uden filter.")
            )
            raise

    def _check_lookups(self, request):
        for key, values in request.GET.lists():
            if key in IGNORED_PARAMS or key in {PAGE_VAR, SEARCH_VAR}:
                continue
            field, lookups = _resolve(self.model, key)
            if field is None:
                continue
            lookup = lookups[-1] if lookups else "exact"
            parts = [part for value in values for part in (value.split(",") if lookup == "in" else [value])]
            if not all(_fits(field, lookup, part) for part in parts):
                raise IncorrectLookupParameters(key)


def _fits(field, lookup, value) -> bool:
    if lookup in DATE_PARTS and isinstance(field, models.DateField):
        low, high = DATE_PARTS[lookup]
        try:
            return low <= int(value) <= high
        except ValueError:  # "abc", but also "²", which isdigit() would let through
            return False
    if lookup in INTEGER_LOOKUPS and isinstance(field, models.IntegerField | models.AutoField):
        return _is_integer_in_range(field, value)
    return True  # Django checks the rest itself and answers with IncorrectLookupParameters


def _resolve(model, key):
    """The model field a changelist parameter filters on, and the lookups after it."""
    parts = key.split("__")
    field = None
    opts = model._meta
    while parts:
        try:
            candidate = opts.get_field(parts[0])
        except FieldDoesNotExist:
            break
        field = candidate
        parts.pop(0)
        if not field.is_relation:
            break
        opts = field.related_model._meta
    if field is not None and field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
        field = field.target_field  # "network=5" filters on the network's id
    return field, parts


class ModelAdmin(SafeChangelist, SafeFormfields, QuickListMixin, admin.ModelAdmin):
    def get_inlines(self, request, obj):
        return [_with_inline_base(inline) for inline in super().get_inlines(request, obj)]

    def view_on_site(self, obj):
        """The object's own page, not Django's /admin/r/ redirect that would say which ids exist."""
        get_url = getattr(obj, "get_absolute_url", None)
        return get_url() if get_url else None


class ReadOnlyAdminMixin:
    """A list the office reads but never edits: what the app itself recorded or computed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def no_shortcut(request, *args, **kwargs):
    """/admin/r/<type>/<id>/ would tell any staff user that an id exists in another branch."""
    raise Http404
