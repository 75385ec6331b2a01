"""AMR sign-ups in the admin: the branch office follows them and can accept or decline (seed 001).

A sign-up is never edited by hand: every field is read-only, the confirmation token's hash is never
shown, and accept / decline go through ``circles.services.signups`` like the consultant's queue.
Accepting from the admin uses what the sign-up says (its matched member, its picked workplace); a
sign-up that needs a choice (several matches, a written workplace, no member number) is accepted
from the queue in the front end, which the message links to.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..forms.signups import DeclineForm
from ..models import SignUp
from ..roles import is_office
from ..services import signups as services
from .filters import QueueStatusFilter
from .scoping import BranchScopedAdmin


class SignUpStatusFilter(QueueStatusFilter):
    statuses = SignUp.Status
    default = SignUp.Status.PENDING


@admin.register(SignUp)
class SignUpAdmin(BranchScopedAdmin):
    list_display = ["name", "network", "role", "municipality", "status", "confirmed_at", "created_at"]
    list_select_related = ["network"]
    search_fields = ["name", "email", "member_number"]
    actions = ["accept", "decline"]
    fields = [
        "status",
        "network",
        "name",
        "email",
        "phone",
        "member_number",
        "matched",
        "workplace",
        "workplace_text",
        "municipality",
        "role",
        "consent_at",
        "confirmed_at",
        "confirm_expires_at",
        "person",
        "decided_by",
        "decided_at",
        "decline_message",
        "created_at",
        "queue_link",
    ]
    readonly_fields = fields

    def get_list_filter(self, request):
        return [SignUpStatusFilter, ("network", admin.RelatedOnlyFieldListFilter), "role"]

    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request).select_related("network", "workplace", "person", "decided_by")
        )
        user = request.user
        if not user.is_superuser and not is_office(user):
            queryset = queryset.filter(network__consultant=user)  # a consultant: their networks' sign-ups
        return queryset

    def has_add_permission(self, request):
        return False  # sign-ups come from the public page

    @admin.display(description=gettext_lazy("matcher eksisterende medlem"))
    def matched(self, obj):
        found = services.matches([obj])[obj.pk]
        if not found:
            return "—"
        return ", ".join(f"{person.name} ({person.member_number})" for person in found)

    @admin.display(description=gettext_lazy("behandl"))
    def queue_link(self, obj):
        if obj.status != SignUp.Status.PENDING:
            return "—"
        url = reverse("circles:signup_detail", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Optag eller afvis med valg af medlem og arbejdsplads")
        )

    @admin.action(description=gettext_lazy("Optag valgte tilmeldinger"), permissions=["change"])
    def accept(self, request, queryset):
        accepted = 0
        for signup in queryset:
            try:
                services.signup_accept(signup=signup, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{signup.name}: {' '.join(error.messages)}", messages.WARNING)
            else:
                accepted += 1
        if accepted:
            self.message_user(
                request,
                ngettext("%(count)d tilmelding er optaget.", "%(count)d tilmeldinger er optaget.", accepted)
                % {"count": accepted},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Afvis valgte tilmeldinger med en besked"), permissions=["change"])
    def decline(self, request, queryset):
        form = DeclineForm(request.POST if "message" in request.POST else None)
        if form.is_valid():
            declined = 0
            for signup in queryset:
                try:
                    services.signup_decline(
                        signup=signup, by=request.user, message=form.cleaned_data["message"]
                    )
                except ValidationError as error:
                    self.message_user(request, f"{signup.name}: {' '.join(error.messages)}", messages.WARNING)
                else:
                    declined += 1
            if declined:
                self.message_user(
                    request,
                    ngettext("%(count)d tilmelding er afvist.", "%(count)d tilmeldinger er afvist.", declined)
                    % {"count": declined},
                    messages.SUCCESS,
                )
            return None
        return render(
            request,
            "admin/circles/signup_decline.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Afvis tilmeldinger"),
                "form": form,
                "queryset": queryset.select_related("network"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
