from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from netvaerk.admin import ModelAdmin

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "template", "created_at"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

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
        count = services.resend(queryset)
        self.message_user(
            request,
            ngettext("%(count)d mail er sat i kø igen.", "%(count)d mails er sat i kø igen.", count)
            % {"count": count},
            messages.SUCCESS,
        )
