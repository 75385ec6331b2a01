"""The privacy page (Danish): what Netværk keeps about whom, why, who sees it and for how long."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from .models import RetentionPolicy


@require_safe
def privacy(request):
    """Public: a member reads it before signing up. Logged-in staff and members see their branch's
    periods; everyone else the defaults (the same unless the branch office changed them)."""
    branch_id = getattr(request.user, "branch_id", None) if request.user.is_authenticated else None
    if branch_id is None and request.user.is_authenticated and hasattr(request.user, "person"):
        branch_id = request.user.person.branch_id
    policy = RetentionPolicy.objects.filter(branch_id=branch_id).first() if branch_id else None
    return render(request, "privacy/privacy.html", {"policy": policy or RetentionPolicy()})
