"""Admin for networks and memberships."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ..models import (
    Mandate,
    Membership,
    Network,
    Person,
    User,
    active_member_count,
)
from ..roles import CONSULTANT
from .scoping import BranchScopedAdmin, BranchScopedChoices


class MembershipForm(forms.ModelForm):
    """Admin form for a membership: a clear Danish error instead of an IntegrityError."""

    class Meta:
        model = Membership
        fields = ["network", "person", "joined_on", "left_on"]

    def clean(self):
        cleaned = super().clean()
        # in an inline one side is the parent, already set on the instance (getattr: it may be unsaved)
        network = cleaned.get("network") or getattr(self.instance, "network", None)
        person = cleaned.get("person") or getattr(self.instance, "person", None)
        if not network or not person:
            return cleaned
        if person.branch_id != network.branch_id:
            raise ValidationError(
                _("%(person)s hører til en anden kreds end netværket.") % {"person": person}
            )
        if cleaned.get("left_on") is None and network.is_tr_network:
            clash = (
                Membership.objects.active()
                .filter(person=person, tr_slot=True)
                .exclude(pk=self.instance.pk)
                .select_related("network")
                .first()
            )
            if clash:
                raise ValidationError(
                    _(
                        "%(person)s er allerede med i TR-netværket “%(network)s”. En TR kan kun være med i ét aktivt TR-netværk; meld dem ud af det først."
                    )
                    % {"person": person, "network": clash.network}
                )
        return cleaned


class MembershipInline(BranchScopedChoices, admin.TabularInline):
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

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if self.instance.pk and kind in Network.TR_KINDS and not self.instance.is_tr_network:
            clashes = (
                Membership.objects.active()
                .filter(
                    network=self.instance,
                    person__in=Membership.objects.active().filter(tr_slot=True).values("person"),
                )
                .select_related("person")
            )
            names = ", ".join(m.person.name for m in clashes)
            if names:
                raise ValidationError(
                    _(
                        "Netværket kan ikke blive et TR-netværk: %(names)s er allerede med i et andet TR-netværk."
                    )
                    % {"names": names}
                )
        return cleaned


@admin.register(Network)
class NetworkAdmin(BranchScopedAdmin):
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
    list_filter = ["kind", "active", CoordinatorFilter, "branch"]
    list_select_related = ["branch", "coordinator", "consultant"]
    search_fields = ["name", "municipality_group", "employer__name"]
    autocomplete_fields = ["employer", "coordinator"]
    inlines = [MembershipInline]
    actions = ["make_ftr_coordinator"]
    fieldsets = [
        (None, {"fields": ["branch", "kind", "name", "active"]}),
        (_("Bygger på"), {"fields": ["employer", "municipality_group"]}),
        (_("Ledelse"), {"fields": ["coordinator", "consultant", "minimum_meetings", "ground_rules"]}),
    ]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f != "branch"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        branch_id = None if request.user.is_superuser else request.user.branch_id

        class ScopedNetworkForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, branch_id=branch_id, **inner)

        return ScopedNetworkForm

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=active_member_count())

    @admin.display(description=_("medlemmer"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.action(description=_("Gør netværkets FTR til koordinator"), permissions=["change"])
    def make_ftr_coordinator(self, request, queryset):
        for network in queryset.select_related("coordinator"):
            if network.coordinator_id:
                self.message_user(
                    request,
                    _("%(network)s har allerede en koordinator (%(person)s).")
                    % {"network": network, "person": network.coordinator},
                    messages.INFO,
                )
                continue
            ftrs = list(
                Person.objects.filter(
                    Exists(Membership.objects.active().filter(network=network, person=OuterRef("pk"))),
                    Exists(Mandate.objects.active().filter(person=OuterRef("pk"), role=Mandate.Role.FTR)),
                )[:2]
            )
            if len(ftrs) == 1:
                network.coordinator = ftrs[0]
                network.save(update_fields=["coordinator"])
                self.message_user(
                    request,
                    _("%(person)s er nu koordinator for %(network)s.")
                    % {"person": ftrs[0], "network": network},
                    messages.SUCCESS,
                )
            elif not ftrs:
                self.message_user(
                    request,
                    _(
                        "%(network)s har ingen FTR blandt medlemmerne: netværket skal selv vælge en koordinator."
                    )
                    % {"network": network},
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    _("%(network)s har flere FTR'er: vælg koordinatoren i netværket.") % {"network": network},
                    messages.WARNING,
                )


@admin.register(Membership)
class MembershipAdmin(BranchScopedAdmin):
    branch_path = "network__branch"
    form = MembershipForm
    list_display = ["person", "network", "joined_on", "left_on"]
    list_filter = ["network__kind", ("left_on", admin.EmptyFieldListFilter)]
    list_select_related = ["person", "network"]
    search_fields = ["person__name", "network__name"]
    autocomplete_fields = ["person", "network"]
