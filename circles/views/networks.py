from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..filters import MeetingFilter
from ..forms.meetings import GroundRulesForm
from ..models import MEETING_YEARS, prefetch_active_mandates
from ..permissions import can_manage_network, get_network_for_user
from ..services.meetings import network_rules_update
from ..services.progress import plan_year, year_plan
from ..services.voice import (
    LEAVE_LETTER_KINDS,
    can_request_supervision,
    can_send_leave_letter,
    is_branch_office,
    points_for_network,
)

BOARD_POINTS_SHOWN = 10


@login_required
def network_detail(request, network_id):
    network = get_network_for_user(request.user, network_id)
    memberships = (
        network.memberships.active()
        .select_related("person")
        .prefetch_related(prefetch_active_mandates("person__mandates"))
    )
    # ?aar=2027: a coordinator who planned next year's meetings lands on that year
    plan = year_plan(network, year=plan_year(request.GET.get("aar")))
    meetings = _with_answers(network.meetings.filter(starts_at__year=plan["year"])).order_by("starts_at")
    can_manage = can_manage_network(request.user, network)
    # the points for the board and their replies: the network's own, for who runs it and the office
    sees_points = network.is_tr_network and (can_manage or is_branch_office(request.user, network.branch_id))
    return render(
        request,
        "circles/network_detail.html",
        {
            "network": network,
            "memberships": memberships,
            "plan": plan,
            "meetings": meetings,
            "now": timezone.now(),
            "this_year": timezone.localdate().year,
            "meeting_years": MEETING_YEARS,
            "can_manage": can_manage,
            "can_ask_supervision": can_request_supervision(request.user, network),
            "can_send_leave_letter": network.kind in LEAVE_LETTER_KINDS
            and can_send_leave_letter(request.user, network),
            "board_points": points_for_network(network)[:BOARD_POINTS_SHOWN] if sees_points else None,
        },
    )


def _with_answers(meetings):
    """Meetings with their minutes and how many of the invited have said they are coming."""
    return meetings.select_related("minutes").annotate(
        coming=Count("invitations", filter=Q(invitations__response="yes")),
        invited=Count("invitations"),
    )


@login_required
def network_meetings(request, network_id):
    """All the network's meetings through the years, newest first, filtered by year, status and minutes."""
    network = get_network_for_user(request.user, network_id)
    years = [moment.year for moment in network.meetings.datetimes("starts_at", "year", order="DESC")]
    meeting_filter = MeetingFilter(request.GET or None, queryset=network.meetings.all(), years=years)
    meetings = _with_answers(meeting_filter.qs).order_by("-starts_at")
    page = Paginator(meetings, 25).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "circles/network_meetings.html",
        {
            "network": network,
            "filter": meeting_filter,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


@login_required
def network_rules_edit(request, network_id):
    network = get_network_for_user(request.user, network_id, manage=True)
    form = GroundRulesForm(request.POST or None, initial={"ground_rules": network.ground_rules})
    if request.method == "POST" and form.is_valid():
        network_rules_update(network=network, by=request.user, ground_rules=form.cleaned_data["ground_rules"])
        messages.success(request, _("Levereglerne er gemt."))
        return redirect(network)
    return render(request, "circles/network_rules.html", {"network": network, "form": form})
