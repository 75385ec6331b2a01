"""Admin for branches, people, mandates, employers, workplaces, networks, memberships and users."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from netvaerk.admin import ModelAdmin, QuickListMixin

from ..models import (
    Branch,
    Employer,
    Mandate,
    Membership,
    Network,
    Person,
    User,
    Workplace,
    active_member_count,
    prefetch_active_mandates,
)
from ..roles import CONSULTANT
from ..services.people import person_invite
from .scoping import BranchScopedAdmin, BranchScopedChoices


def _active_tr_mandate(person_ref="pk"):
    return Mandate.objects.active().filter(person=OuterRef(person_ref), role__in=Mandate.TR_ROLES)


def _active_tr_membership(person_ref="pk"):
    return Membership.objects.active().filter(person=OuterRef(person_ref), tr_slot=True)


def _count_per_branch(queryset):
    """COUNT of a queryset correlated on its branch, as a subquery expression (0 when empty)."""
    counted = queryset.order_by().values("branch").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


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


class PersonMembershipInline(BranchScopedChoices, admin.TabularInline):
    model = Membership
    form = MembershipForm
    fk_name = "person"
    extra = 0
    fields = ["network", "joined_on", "left_on"]
    verbose_name = _("netværk")
    verbose_name_plural = _("netværk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("network", "person")


class MandateInline(admin.TabularInline):
    model = Mandate
    extra = 0
    autocomplete_fields = ["workplace"]
    fields = ["role", "workplace", "elected_on", "ended_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workplace")


@admin.register(Branch)
class BranchAdmin(ModelAdmin):
    list_display = ["name", "union", "office_email", "network_count", "tr_without_network"]
    search_fields = ["name", "union"]

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
class EmployerAdmin(ModelAdmin):
    list_display = ["name", "kind", "workplace_count"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workplace_count=Count("workplaces"))

    @admin.display(description=_("arbejdspladser"), ordering="workplace_count")
    def workplace_count(self, obj):
        return obj.workplace_count


@admin.register(Workplace)
class WorkplaceAdmin(ModelAdmin):
    list_display = ["name", "employer", "work_area", "municipality"]
    list_filter = ["work_area", "employer__kind", "municipality"]
    list_select_related = ["employer"]
    search_fields = ["name", "municipality", "employer__name"]
    autocomplete_fields = ["employer"]


class MandateRoleFilter(admin.SimpleListFilter):
    title = _("aktivt hverv")
    parameter_name = "hverv"

    def lookups(self, request, model_admin):
        return Mandate.Role.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(Mandate.objects.active().filter(person=OuterRef("pk"), role=self.value()))
            )
        return queryset


class NetworkPlacementFilter(admin.SimpleListFilter):
    title = _("netværk")
    parameter_name = "netvaerk"

    def lookups(self, request, model_admin):
        return [("tr_uden", _("TR uden netværk")), ("uden", _("Uden netværk")), ("med", _("Med netværk"))]

    def queryset(self, request, queryset):
        any_membership = Membership.objects.active().filter(person=OuterRef("pk"))
        if self.value() == "tr_uden":
            return queryset.filter(Exists(_active_tr_mandate()), ~Exists(_active_tr_membership()))
        if self.value() == "uden":
            return queryset.filter(~Exists(any_membership))
        if self.value() == "med":
            return queryset.filter(Exists(any_membership))
        return queryset


@admin.register(Person)
class PersonAdmin(BranchScopedAdmin):
    list_display = [
        "name",
        "member_number",
        "email",
        "phone",
        "mandates_summary",
        "networks_summary",
        "has_login",
    ]
    list_filter = [NetworkPlacementFilter, MandateRoleFilter, "branch"]
    search_fields = ["name", "email", "member_number"]
    inlines = [MandateInline, PersonMembershipInline]
    readonly_fields = ["user", "created_at"]
    actions = ["send_invitation"]
    fieldsets = [
        (None, {"fields": ["branch", "name", "member_number", "email", "phone"]}),
        (_("TR-uddannelse og login"), {"fields": ["tr_training_completed_on", "user", "created_at"]}),
    ]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f != "branch"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("branch")
            .prefetch_related(
                prefetch_active_mandates(),
                Prefetch(
                    "memberships",
                    # by network name: the default (person name) would join the person again
                    queryset=Membership.objects.active().select_related("network").order_by("network__name"),
                    to_attr="active_memberships",
                ),
            )
        )

    @admin.display(description=_("hverv"))
    def mandates_summary(self, obj):
        return ", ".join(f"{m.get_role_display()} ({m.workplace})" for m in obj.active_mandates) or "—"

    @admin.display(description=_("netværk"))
    def networks_summary(self, obj):
        return ", ".join(m.network.name for m in obj.active_memberships) or "—"

    @admin.display(description=_("login"), boolean=True)
    def has_login(self, obj):
        return obj.user_id is not None

    @admin.action(description=_("Send invitation til at oprette adgangskode"), permissions=["change"])
    def send_invitation(self, request, queryset):
        sent = 0
        for person in queryset:
            try:
                person_invite(person=person, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{person}: {' '.join(error.messages)}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Invitationen er sendt til %(count)d medlem.",
                    "Invitationen er sendt til %(count)d medlemmer.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )


class MandateActiveFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "aktiv"

    def lookups(self, request, model_admin):
        return [("ja", _("Aktive")), ("nej", _("Ophørte"))]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.active()
        if self.value() == "nej":
            return queryset.filter(ended_on__lt=timezone.localdate())
        return queryset


@admin.register(Mandate)
class MandateAdmin(BranchScopedAdmin):
    branch_path = "person__branch"
    list_display = ["person", "role", "workplace", "elected_on", "ended_on"]
    list_filter = ["role", MandateActiveFilter, ("elected_on", admin.DateFieldListFilter)]
    list_select_related = ["person", "workplace"]
    search_fields = ["person__name", "workplace__name"]
    autocomplete_fields = ["person", "workplace"]


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


@admin.register(User)
class UserAdmin(QuickListMixin, DjangoUserAdmin):
    """Logins are the superuser's business; the office invites members from the person list."""

    list_display = ["username", "email", "first_name", "last_name", "branch", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "branch"]
    list_select_related = ["branch"]
    fieldsets = [*DjangoUserAdmin.fieldsets, (_("Kreds"), {"fields": ["branch"]})]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, (_("Kreds"), {"fields": ["branch"]})]
