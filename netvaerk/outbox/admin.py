from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from netvaerk.admin import ModelAdmin

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ModelAdmin):
    """The office's mail log: who got what and whether it arrived, never what the mail said.

    Bodies, attachments and keys are not shown: a body may be personal, and a mail's one-time link is
    for its recipient only (it is not in the body, but nothing here should lead anyone to it).
    """

    list_display = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "short_error",
        "lost_claims",
    ]
    list_filter = ["status", "template", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "to",
        "subject",
        "template",
        "branch",
        "status",
        "attempts",
        "lost_claims",
        "last_error",
        "topic",
        "has_secrets",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(branch_id=request.user.branch_id)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("seneste fejl"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Send valgte mails igen"), permissions=["change"])
    def resend(self, request, queryset):
        """Failed and uncertain mails go back in the queue, waiting ones are due now, all in one batch.

        A mail being sent, sent or withdrawn is never sent again from here.
        """
        lost = services.unsendable(queryset.filter(status__in=services.RESENDABLE)).count()
        left = queryset.exclude(status__in=[*services.RESENDABLE, OutboundEmail.Status.QUEUED]).count()
        count = services.resend(queryset)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d mail er ikke sat i kø igen: den sendes lige nu, er sendt eller trukket tilbage.",
                    "%(count)d mails er ikke sat i kø igen: de sendes lige nu, er sendt eller trukket tilbage.",
                    left,
                )
                % {"count": left},
                messages.INFO,
            )
        if count or not (lost or left):
            self.message_user(
                request,
                ngettext("%(count)d mail er sat i kø igen.", "%(count)d mails er sat i kø igen.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if lost:
            self.message_user(
                request,
                ngettext(
                    "%(count)d mail havde et personligt link, som er slettet efter fejlen. "
                    "Send invitationen eller nulstillingen på ny i stedet.",
                    "%(count)d mails havde et personligt link, som er slettet efter fejlen. "
                    "Send invitationerne eller nulstillingerne på ny i stedet.",
                    lost,
                )
                % {"count": lost},
                messages.WARNING,
            )
