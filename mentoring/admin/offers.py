"""The mentor offers for the branch's office: a read-only list (who, to whom, status, expiry, who sent)
and the action "træk tilbage" through ``offer_withdraw``. The link hashes are never shown."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from circles.admin.scoping import BranchScopedAdmin
from circles.roles import is_consultant, is_office

from ..models import Offer
from ..services import offers as services


@admin.register(Offer)
class OfferAdmin(BranchScopedAdmin):
    branch_path = "request__programme__branch"
    list_display = [
        "mentee_name",
        "mentor_name",
        "programme_name",
        "status",
        "expires_at",
        "sent_by",
        "created_at",
    ]
    list_filter = ["status", ("expires_at", admin.DateFieldListFilter)]
    list_select_related = ["request__mentee", "request__programme", "mentor", "sent_by"]
    search_fields = ["request__mentee__name", "mentor__name"]
    actions = ["withdraw"]
    fields = [
        "request",
        "mentor",
        "status",
        "reasons",
        "expires_at",
        "sent_by",
        "created_at",
        "decided_at",
        "declined_by",
        "decline_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # an offer is sent from the request's suggestions (offer_send), not typed in

    def has_delete_permission(self, request, obj=None):
        return False  # history: withdrawn, declined or expired, never deleted

    def has_change_permission(self, request, obj=None):
        return False  # read-only; the only change is the withdrawal action

    def has_withdraw_permission(self, request):
        user = request.user
        return user.is_superuser or is_office(user) or is_consultant(user)

    @admin.display(description=gettext_lazy("ny TR"), ordering="request__mentee__name")
    def mentee_name(self, obj):
        return obj.request.mentee.name

    @admin.display(description=gettext_lazy("mentor"), ordering="mentor__name")
    def mentor_name(self, obj):
        return obj.mentor.name

    @admin.display(description=gettext_lazy("mentorordning"), ordering="request__programme__name")
    def programme_name(self, obj):
        return obj.request.programme.name

    @admin.action(description=gettext_lazy("Træk de valgte tilbud tilbage"), permissions=["withdraw"])
    def withdraw(self, request, queryset):
        done = 0
        for offer in queryset:
            try:
                services.offer_withdraw(offer=offer, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{offer}: {' '.join(error.messages)}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d tilbud er trukket tilbage.", "%(count)d tilbud er trukket tilbage.", done)
                % {"count": done},
                messages.SUCCESS,
            )
