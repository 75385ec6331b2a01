"""The networks' voice in the front end: supervision for the coordinator, the leave letter for the
consultant and the office. Each view: access, service, response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..forms.voice import LeaveLetterForm, SupervisionForm
from ..models import Network
from ..permissions import get_network_for_user
from ..services import voice as services


def _network_for_supervision(user, network_id) -> Network:
    network = get_network_for_user(user, network_id)  # 404 for who does not know the network
    if not (
        services.can_request_supervision(user, network) or services.is_branch_office(user, network.branch_id)
    ):
        raise PermissionDenied
    return network


@login_required
def supervision(request, network_id):
    """The coordinator asks the office for supervision; the network's requests and their answers."""
    network = _network_for_supervision(request.user, network_id)
    can_ask = services.can_request_supervision(request.user, network)
    form = SupervisionForm(request.POST or None)
    if request.method == "POST":
        if not can_ask:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.supervision_request(
                    network=network,
                    by=request.user,
                    about=form.cleaned_data["about"],
                    preferred_dates=form.cleaned_data["preferred_dates"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Dit ønske om supervision er sendt til kredskontoret."))
                return redirect("circles:supervision", network.pk)
    return render(
        request,
        "circles/voice/supervision.html",
        {
            "network": network,
            "form": form,
            "can_ask": can_ask,
            "requests": services.supervision_requests_for(network),
        },
    )


def _network_for_letter(user, network_id) -> Network:
    network = get_network_for_user(user, network_id)
    if network.kind not in services.LEAVE_LETTER_KINDS:
        raise Http404  # a TR network has no leave letter
    if not services.can_send_leave_letter(user, network):
        raise PermissionDenied
    return network


@login_required
def leave_letter(request, network_id):
    """Preview this year's letter and dates, who gets it, who already has it; a POST sends it."""
    network = _network_for_letter(request.user, network_id)
    this_year = timezone.localdate().year
    years = [this_year, this_year + 1]
    if request.method == "POST":
        form = LeaveLetterForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Vælg et gyldigt år."))
            year = services.check_letter_year(form.cleaned_data["year"])
            result = services.leave_letter_send(network=network, year=year, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(reverse("circles:leave_letter", args=[network.pk]))
        messages.success(request, _sent_message(result))
        return redirect(reverse("circles:leave_letter", args=[network.pk]) + f"?aar={year}")
    try:
        year = services.check_letter_year(request.GET.get("aar") or this_year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        year = this_year
    plan = services.leave_letter_plan(network=network, year=year)
    example = plan.to_send[0] if plan.to_send else None
    return render(
        request,
        "circles/voice/leave_letter.html",
        {
            "network": network,
            "plan": plan,
            "year": year,
            "years": years,
            "letter": services.fill_letter(
                plan.template,
                {
                    "kreds": network.branch.name,
                    "netværk": network.name,
                    "kontor_email": network.branch.office_email,
                    **({"leder": example.workplace.manager_name or _("leder")} if example else {}),
                    **(
                        {"medlem": example.person.name, "arbejdsplads": example.workplace.name}
                        if example
                        else {}
                    ),
                },
            ),
        },
    )


def _sent_message(result: services.LetterResult) -> str:
    parts = [
        ngettext("Brevet er sendt til %(count)d leder.", "Brevet er sendt til %(count)d ledere.", result.sent)
        % {"count": result.sent}
    ]
    if result.already_sent:
        parts.append(
            ngettext(
                "%(count)d havde allerede fået denne udgave.",
                "%(count)d havde allerede fået denne udgave.",
                result.already_sent,
            )
            % {"count": result.already_sent}
        )
    if result.no_manager:
        parts.append(
            ngettext(
                "%(count)d medlem mangler en leders e-mail.",
                "%(count)d medlemmer mangler en leders e-mail.",
                result.no_manager,
            )
            % {"count": result.no_manager}
        )
    return " ".join(parts)
