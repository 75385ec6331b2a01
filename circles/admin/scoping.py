from netvaerk.admin import ModelAdmin

from ..models import Branch, Meeting, Network, Person

# How to reach the Branch from each model whose choices must stay inside the user's branch.
SCOPED_CHOICES = {
    Branch: "pk",
    Person: "branch",
    Network: "branch",
    Meeting: "network__branch",
}


class BranchScopedChoices:
    """Foreign-key dropdowns offer only the user's own branch's rows (admins and inlines alike)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = SCOPED_CHOICES.get(db_field.related_model)
        if lookup and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{lookup: request.user.branch_id}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BranchScopedAdmin(BranchScopedChoices, ModelAdmin):
    """Staff see only their own branch's rows; superusers see everything.

    ``branch_path`` is the lookup from the model to its Branch (``"branch"``, ``"network__branch"``...).
    """

    branch_path = "branch"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.branch_path: request.user.branch_id})
