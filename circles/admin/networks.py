"""Admin for networks and memberships."""

from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Membership, Network, User, active_member_count
from ..roles import CONSULTANT
from ..services.mandates import welcome_placed
from ..services.networks import (
    OFFICE_FIELDS,
    check_coordinator_rule,
    coordinator_rule_unmet,
    is_office_or_superuser,
    network_make_ftr_coordinator,
    network_save,
)
from ..services.people import membership_add, membership_update
from .scoping import BranchScopedAdmin, BranchScopedInline


class _Refused(Exception):  # noqa: N818 - an internal signal, not an error
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceSaveAdmin:
    """An admin whose saves go through the services.

    ``save_model`` / ``save_related`` call services inside ``refusal_shown_on_form()``. When a service
    refuses, the whole attempt is rolled back (the change view runs in one transaction) and the page is
    drawn again from the same POST with the service's Danish message at the top of the form: no 500 and
    nothing half-written.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            request.service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    @contextmanager
    def refusal_shown_on_form(self):
        try:
            yield
        except ValidationError as error:
            raise _Refused(error) from error

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(refusal.messages)

        return RefusedForm

    def save_membership_formset(self, request, formset) -> None:
        """Save a membership inline through the membership service, row by row."""
        formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
        with self.refusal_shown_on_form():
            for membership in formset.deleted_objects:
                membership.delete()
            for index, membership in enumerate(formset.new_objects):
                formset.new_objects[index] = membership_add(
                    network=membership.network,
                    person=membership.person,
                    joined_on=membership.joined_on,
                    left_on=membership.left_on,
                    by=request.user,
                )
                welcome_placed(membership=formset.new_objects[index], by=request.user)
            for membership, _changed in formset.changed_objects:
                membership_update(
                    membership=membership,
                    joined_on=membership.joined_on,
                    left_on=membership.left_on,
                    by=request.user,
                )


class MembershipForm(forms.ModelForm):
    """A membership row. Who and where cannot change once saved (end it and add a new one instead);
    the rules are the membership service's, called when the admin saves."""

    IDENTITY = ("network", "person")

    class Meta:
        model = Membership
        fields = ["network", "person", "joined_on", "left_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.IDENTITY:
                if name in self.fields:
                    self.fields[name].disabled = True  # a disabled field ignores the POST


class MembershipInline(BranchScopedInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "joined_on", "left_on"]
    verbose_name = _("medlem")
    verbose_name_plural = _("medlemmer")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "network")


class CoordinatorFilter(admin.SimpleListFilter):
    title = _("koordinator")
    parameter_name = "koordinator"

    def lookups(self, request, model_admin):
        return [("uden", _("Uden koordinator")), ("med", _("Med koordinator"))]

    def queryset(self, request, queryset):
        if self.value() == "uden":
            return queryset.filter(coordinator__isnull=True)
        if self.value() == "med":
            return queryset.filter(coordinator__isnull=False)
        return queryset


class NetworkForm(forms.ModelForm):
    class Meta:
        model = Network
        fields = [
            "branch",
            "kind",
            "name",
            "active",
            "employer",
            "municipality_group",
            "coordinator",
            "consultant",
            "minimum_meetings",
            "ground_rules",
        ]

    def __init__(self, *args, branch_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "consultant" in self.fields:
            consultants = User.objects.filter(is_staff=True, groups__name=CONSULTANT)
            if branch_id is not None:
                consultants = consultants.filter(branch_id=branch_id)
            self.fields["consultant"].queryset = consultants


class CoordinatorRuleFilter(admin.SimpleListFilter):
    """Networks whose FTR should coordinate but does not, found in one query."""

    title = _("koordinatorregel")
    parameter_name = "koordinatorregel"

    def lookups(self, request, model_admin):
        return [("brudt", _("FTR er ikke koordinator")), ("opfyldt", _("Opfyldt"))]

    def queryset(self, request, queryset):
        if self.value() == "brudt":
            return queryset.filter(coordinator_rule_unmet())
        if self.value() == "opfyldt":
            return queryset.exclude(coordinator_rule_unmet())
        return queryset


@admin.register(Network)
class NetworkAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    form = NetworkForm
    list_display = [
        "name",
        "kind",
        "branch",
        "coordinator",
        "consultant",
        "member_count",
        "minimum_meetings",
        "active",
    ]
    list_filter = ["kind", "active", CoordinatorFilter, CoordinatorRuleFilter, "branch"]
    list_select_related = ["branch", "coordinator", "consultant"]
    search_fields = ["name", "municipality_group", "employer__name"]
    autocomplete_fields = ["employer", "coordinator"]
    inlines = [MembershipInline]
    actions = ["make_ftr_coordinator"]
    fieldsets = [
        (None, {"fields": ["branch", "kind", "name", "active"]}),
        (_("Bygger på"), {"fields": ["employer", "municipality_group"]}),
        (
            _("Ledelse"),
            {
                "fields": [
                    "coordinator",
                    "coordinator_elected",
                    "consultant",
                    "minimum_meetings",
                    "ground_rules",
                ]
            },
        ),
    ]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f != "branch"]

    def get_readonly_fields(self, request, obj=None):
        # a consultant may tidy a network's details, never choose who facilitates or coordinates it
        if is_office_or_superuser(request.user):
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *OFFICE_FIELDS]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        branch_id = None if request.user.is_superuser else request.user.branch_id

        class ScopedNetworkForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, branch_id=branch_id, **inner)

        return ScopedNetworkForm

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=active_member_count())

    def save_model(self, request, obj, form, change):
        with self.refusal_shown_on_form():
            network_save(network=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            coordinator_before = formset.instance.coordinator_id
            self.save_membership_formset(request, formset)
            if formset.instance.coordinator_id != coordinator_before:
                self.message_user(
                    request,
                    _("%(person)s er FTR og er nu koordinator for %(network)s.")
                    % {"person": formset.instance.coordinator, "network": formset.instance},
                    messages.SUCCESS,
                )
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        network = form.instance
        if {"coordinator", "coordinator_elected"} & set(form.changed_data):
            # the members saved with it count too: an FTR added together with another coordinator
            with self.refusal_shown_on_form():
                check_coordinator_rule(
                    network, coordinator=network.coordinator, elected=network.coordinator_elected
                )

    @admin.display(description=_("medlemmer"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def has_office_permission(self, request):
        return is_office_or_superuser(request.user)

    @admin.action(description=_("Gør netværkets FTR til koordinator"), permissions=["office"])
    def make_ftr_coordinator(self, request, queryset):
        for network in queryset:
            try:
                person = network_make_ftr_coordinator(network=network, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                self.message_user(
                    request,
                    _("%(person)s er nu koordinator for %(network)s.")
                    % {"person": person, "network": network},
                    messages.SUCCESS,
                )


@admin.register(Membership)
class MembershipAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    branch_path = "network__branch"
    form = MembershipForm
    list_display = ["person", "network", "joined_on", "left_on"]
    list_filter = ["network__kind", ("left_on", admin.EmptyFieldListFilter)]
    list_select_related = ["person", "network"]
    search_fields = ["person__name", "network__name"]
    autocomplete_fields = ["person", "network"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # who and where are fixed once saved: end it and add a new one instead
            return [*super().get_readonly_fields(request, obj), *MembershipForm.IDENTITY]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        with self.refusal_shown_on_form():
            if change:
                membership_update(
                    membership=obj, joined_on=obj.joined_on, left_on=obj.left_on, by=request.user
                )
            else:
                saved = membership_add(
                    network=obj.network,
                    person=obj.person,
                    joined_on=obj.joined_on,
                    left_on=obj.left_on,
                    by=request.user,
                )
                welcome_placed(membership=saved, by=request.user)
                obj.pk, obj.tr_slot, obj._state.adding = saved.pk, saved.tr_slot, False
