"""The coordinator's and member's start page; staff start in the admin."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from ..models import active_member_count
from ..permissions import networks_for_user, person_for
from ..roles import is_consultant, is_office


@login_required
def home(request):
    user = request.user
    if user.is_staff and (user.is_superuser or is_office(user) or is_consultant(user)):
        return redirect("admin:index")
    person = person_for(user)
    networks = (
        networks_for_user(user)
        .filter(active=True)
        .select_related("branch", "coordinator")
        .annotate(member_count=active_member_count())
        .order_by("name")
    )
    return render(request, "home.html", {"person": person, "networks": networks})
