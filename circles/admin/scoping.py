"""One branch's office never sees, picks or saves another branch's rows in the admin.

Three layers, all on by default for every ``BranchScopedAdmin``:

- its changelist, change, delete and history pages and the autocomplete view (which asks the related
  admin's ``get_queryset``) see only the user's branch;
- every foreign-key and many-to-many choice in its form *and in its inlines* offers only rows of the
  user's branch. The choice's queryset is what the form validates a POST against, so an id of another
  branch is refused on POST ("Vælg et gyldigt valg"), and an autocomplete widget re-rendering an
  invalid POST only finds the ids inside that queryset: another branch's names are never echoed;
- inlines listed in ``inlines`` are scoped even when they are plain ``admin.TabularInline``s
  (``get_inlines`` wraps them), though new code should subclass ``BranchScopedInline``.

Superusers see everything.
"""

from functools import cache

from django.db.models import Q

from netvaerk.admin import ModelAdmin, StackedInline, TabularInline

from ..models import (
    AgendaItem,
    Attendance,
    BoardPoint,
    BoardTopic,
    Branch,
    Employer,
    Invitation,
    KeyMessageDelivery,
    LeaveLetter,
    Mandate,
    Meeting,
    Membership,
    MentorPrompt,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    Network,
    Person,
    ReleaseClaim,
    SignUp,
    SupervisionRequest,
    User,
    Workplace,
)

# How to reach the Branch from each model whose rows belong to one branch. A tuple means "any of".
SCOPED_CHOICES = {
    Branch: "pk",
    User: ("branch", "person__branch"),  # the branch's staff and the logins of its people
    Employer: "branch",
    Workplace: "employer__branch",
    Person: "branch",
    Mandate: "person__branch",
    Network: "branch",
    Membership: "network__branch",
    Meeting: "network__branch",
    AgendaItem: "meeting__network__branch",
    Attendance: "meeting__network__branch",
    Invitation: "meeting__network__branch",
    Minutes: "meeting__network__branch",
    MinutesAttachment: "minutes__meeting__network__branch",
    MinutesVersion: "minutes__meeting__network__branch",
    MentorPrompt: "network__branch",
    ReleaseClaim: "branch",
    SignUp: "branch",
    KeyMessageDelivery: "minutes__meeting__network__branch",
    LeaveLetter: "network__branch",
    BoardTopic: "branch",
    BoardPoint: "network__branch",
    SupervisionRequest: "network__branch",
}


def register_scope(model, paths: str | tuple[str, ...]) -> None:
    """Another app's model (mentoring's) joins the scoping: ``paths`` reach its Branch.

    Call it at import time of the app's admin module, before its admins are used.
    """
    SCOPED_CHOICES[model] = paths


def in_branch(model, branch_id) -> Q | None:
    """The condition for ``model``'s rows of one branch, or None for a model that has no branch."""
    paths = SCOPED_CHOICES.get(model._meta.concrete_model)
    if paths is None:
        return None
    if isinstance(paths, str):
        return Q(**{paths: branch_id})
    condition = Q()
    for path in paths:
        condition |= Q(**{path: branch_id})
    return condition


def scope_choices(queryset, user):
    """``queryset`` narrowed to ``user``'s branch (unchanged for a superuser or a model without one)."""
    if user.is_superuser:
        return queryset
    condition = in_branch(queryset.model, user.branch_id)
    if condition is None:
        return queryset
    # an "any of" condition joins more than one way and could repeat a row
    return queryset.filter(condition).distinct() if len(condition) > 1 else queryset.filter(condition)


class BranchScopedChoices:
    """Foreign-key and many-to-many choices offer only the user's own branch's rows.

    Mixed into admins and inlines alike; it narrows whatever queryset the field would otherwise get.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_choices(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_choices(field.queryset, request.user)
        return field


class BranchScopedInline(BranchScopedChoices, TabularInline):
    """The inline to use in the circles admin: choices scoped, fields named per row, robust widgets."""


class BranchScopedStackedInline(BranchScopedChoices, StackedInline):
    pass


@cache
def _scoped(inline_class):
    if issubclass(inline_class, BranchScopedChoices):
        return inline_class
    return type(
        inline_class.__name__, (BranchScopedChoices, inline_class), {"__module__": inline_class.__module__}
    )


class BranchScopedAdmin(BranchScopedChoices, ModelAdmin):
    """Staff see only their own branch's rows; superusers see everything.

    ``branch_path`` is the lookup from the model to its Branch (``"branch"``, ``"network__branch"``...).
    ``branch_from_user``: the model's own ``branch`` field is not a choice for staff; it shows their
    branch and is saved as their branch whatever the POST says.
    """

    branch_path = "branch"
    branch_from_user = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.branch_path: request.user.branch_id})

    def get_inlines(self, request, obj):
        return [_scoped(inline) for inline in super().get_inlines(request, obj)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if self.branch_from_user and db_field.name == "branch" and not request.user.is_superuser:
            field.disabled = True  # a disabled field takes its value from `initial`, never the POST
            field.initial = request.user.branch_id
        return field
