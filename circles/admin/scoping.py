from django.contrib import admin

from ..models import Branch, Meeting, Network, Person


class BranchScopedAdmin(admin.ModelAdmin):
    """Staff see and choose only their own branch's rows; superusers see everything.

    ``branch_path`` is the lookup from the model to its Branch (``"branch"``, ``"network__branch"``...).
    """

    branch_path = "branch"
    scoped_choices = {
        Branch: "pk",
        Person: "branch",
        Network: "branch",
        Meeting: "network__branch",
    }

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.branch_path: request.user.branch_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = self.scoped_choices.get(db_field.related_model)
        if lookup and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{lookup: request.user.branch_id}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BranchScopedInline:
    """Mixin for inlines: the same choice limits as BranchScopedAdmin."""

    scoped_choices = BranchScopedAdmin.scoped_choices

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = self.scoped_choices.get(db_field.related_model)
        if lookup and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{lookup: request.user.branch_id}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
