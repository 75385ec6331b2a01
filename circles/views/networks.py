from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from ..models import Mandate
from ..permissions import can_manage_network, get_network_for_user


@login_required
def network_detail(request, network_id):
    network = get_network_for_user(request.user, network_id)
    memberships = (
        network.memberships.active()
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "person__mandates",
                queryset=Mandate.objects.active().select_related("workplace__employer"),
                to_attr="active_mandates",
            )
        )
    )
    return render(
        request,
        "circles/network_detail.html",
        {
            "network": network,
            "memberships": memberships,
            "can_manage": can_manage_network(request.user, network),
        },
    )
