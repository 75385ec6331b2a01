"""Admin for people and their mandates. A mandate is registered through ``mandate_register``, so a
newly elected TR, FTR or AMR is welcomed (and placed) however the office enters it."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from netvaerk.privacy.admin_person import PersonPrivacyAdminMixin

from ..models import (
    NEW_REPRESENTATIVE_DAYS,
    Mandate,
    Membership,
    Person,
    prefetch_active_mandates,
)
from ..services.accounts import person_invite
from ..services.mandates import WELCOME_ROLES, mandate_register, mandate_update
from .networks import MembershipForm, ServiceSaveAdmin
from .scoping import BranchScopedAdmin, BranchScopedInline


def _active_tr_mandate(person_ref="pk"):
    return Mandate.objects.active().filter(person=OuterRef(person_ref), role__in=Mandate.TR_ROLES)


def _active_tr_membership(person_ref="pk"):
    return Membership.objects.active().filter(person=OuterRef(person_ref), tr_slot=True)


class PersonMembershipInline(BranchScopedInline):
    model = Membership
    form = MembershipForm
    fk_name = "person"
    extra = 0
    fields = ["network", "joined_on", "left_on"]
    verbose_name = _("netværk")
    verbose_name_plural = _("netværk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("network", "person")


class MandateInline(BranchScopedInline):
    model = Mandate
    extra = 0
    autocomplete_fields = ["workplace"]
    fields = ["role", "workplace", "elected_on", "ended_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workplace")


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
        return [
            ("nyvalgt_uden", _("Nyvalgt uden netværk")),
            ("tr_uden", _("TR uden netværk")),
            ("uden", _("Uden netværk")),
            ("med", _("Med netværk")),
        ]

    def queryset(self, request, queryset):
        any_membership = Membership.objects.active().filter(person=OuterRef("pk"))
        if self.value() == "nyvalgt_uden":
            # the welcome chain's "the office places them": newly elected TR, FTR and AMR without a network
            since = timezone.localdate() - timedelta(days=NEW_REPRESENTATIVE_DAYS)
            new = Mandate.objects.active().filter(
                person=OuterRef("pk"), role__in=WELCOME_ROLES, elected_on__gte=since
            )
            return queryset.filter(Exists(new), ~Exists(any_membership))
        if self.value() == "tr_uden":
            return queryset.filter(Exists(_active_tr_mandate()), ~Exists(_active_tr_membership()))
        if self.value() == "uden":
            return queryset.filter(~Exists(any_membership))
        if self.value() == "med":
            return queryset.filter(Exists(any_membership))
        return queryset


@admin.register(Person)
class PersonAdmin(PersonPrivacyAdminMixin, ServiceSaveAdmin, BranchScopedAdmin):
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

    def save_related(self, request, form, formsets, change):
        # the networks chosen on the page first: a new mandate's welcome then places nobody twice
        form.save_m2m()
        for formset in sorted(formsets, key=lambda formset: formset.model is Mandate):
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            self.save_membership_formset(request, formset)
        elif formset.model is Mandate:
            self.save_mandate_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    def save_mandate_formset(self, request, formset) -> None:
        """Mandate rows through the mandate service: a new TR, FTR or AMR is welcomed."""
        formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
        with self.refusal_shown_on_form():
            for mandate in formset.deleted_objects:
                mandate.delete()
            for index, mandate in enumerate(formset.new_objects):
                formset.new_objects[index] = registered = mandate_register(
                    person=mandate.person,
                    role=mandate.role,
                    workplace=mandate.workplace,
                    elected_on=mandate.elected_on,
                    ended_on=mandate.ended_on,
                    by=request.user,
                )
                report_welcome(self, request, registered)
            for mandate, _changed in formset.changed_objects:
                report_welcome(self, request, mandate_update(mandate=mandate, by=request.user))

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


def report_welcome(model_admin, request, mandate: Mandate) -> None:
    """Tell the office what the welcome chain did for a mandate just saved."""
    welcome = getattr(mandate, "welcome", None)
    if welcome is None or not welcome.mailed:
        return
    if welcome.placed:
        model_admin.message_user(
            request,
            _("%(person)s er sat i %(network)s.") % {"person": mandate.person, "network": welcome.network},
            messages.SUCCESS,
        )
    model_admin.message_user(
        request,
        _("Velkomstmail sendes til: %(names)s.") % {"names": ", ".join(welcome.mailed)},
        messages.SUCCESS,
    )
    if welcome.placement_reason:
        model_admin.message_user(request, welcome.placement_reason, messages.WARNING)


@admin.register(Mandate)
class MandateAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    branch_path = "person__branch"
    list_display = ["person", "role", "workplace", "elected_on", "ended_on"]
    list_filter = ["role", MandateActiveFilter, ("elected_on", admin.DateFieldListFilter)]
    list_select_related = ["person", "workplace"]
    search_fields = ["person__name", "workplace__name"]
    autocomplete_fields = ["person", "workplace"]

    def save_model(self, request, obj, form, change):
        with self.refusal_shown_on_form():
            if change:
                saved = mandate_update(mandate=obj, by=request.user)
            else:
                saved = mandate_register(
                    person=obj.person,
                    role=obj.role,
                    workplace=obj.workplace,
                    elected_on=obj.elected_on,
                    ended_on=obj.ended_on,
                    by=request.user,
                )
                obj.pk, obj._state.adding = saved.pk, False
        report_welcome(self, request, saved)
