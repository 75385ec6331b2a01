from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from netvaerk.privacy.log import record

from ..models import Mandate, Membership, MentorPrompt
from ..permissions import get_person_for_user


@login_required
def person_detail(request, person_id):
    """A member's master data: contact data, mandates, workplace and work area, TR training, networks."""
    person = get_person_for_user(request.user, person_id)
    if person.user_id != request.user.pk:  # reading one's own data is not logged
        record(request, "read", _("Stamdata"), obj=person, person_id=person.pk, branch_id=person.branch_id)
    mandates = (
        Mandate.objects.active()
        .filter(person=person)
        .select_related("workplace__employer")
        .order_by("-elected_on", "pk")
    )
    memberships = (
        Membership.objects.active().filter(person=person).select_related("network").order_by("network__name")
    )
    prompts = (
        MentorPrompt.objects.filter(person=person, done_at__isnull=True)
        .select_related("network")
        .order_by("created_at")
    )
    return render(
        request,
        "circles/people/detail.html",
        {"person": person, "mandates": mandates, "memberships": memberships, "prompts": prompts},
    )
