"""The coordinator's side of release time and mileage: file from the meeting page, see one's own claims,
withdraw one the office has not decided. The office works in the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.claims import MileageClaimForm, MyClaimsFilter, PreparationClaimForm
from ..models import Meeting, ReleaseClaim
from ..models.claims import HOURS_ABSOLUTE_MAX
from ..permissions import get_meeting_for_user, person_for
from ..services import claims as services


def _coordinator_meeting(user, meeting_id):
    """The meeting, for its network's coordinator only: 404 who does not see it, 403 everyone else."""
    meeting = get_meeting_for_user(user, meeting_id)
    person = person_for(user)
    if person is None or meeting.network.coordinator_id != person.pk:
        raise PermissionDenied
    return meeting, person


def _refused(request, form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _stale(request, form) -> bool:
    """A stale or foreign form: say so and hand out a fresh one."""
    if "form_token" in form.errors:
        for message in form.errors["form_token"]:
            messages.error(request, message)
        return True
    return False


@login_required
def claim_preparation(request, meeting_id):
    meeting, person = _coordinator_meeting(request.user, meeting_id)
    branch = meeting.network.branch
    cap = min(branch.release_hours_cap, HOURS_ABSOLUTE_MAX)
    existing = (
        ReleaseClaim.objects.filter(
            kind=ReleaseClaim.Kind.PREPARATION, meeting=meeting, claimant=person, status__in=ReleaseClaim.OPEN
        )
        .order_by("-pk")
        .first()
    )
    form = PreparationClaimForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        meeting=meeting,
        cap=cap,
        employer=services.default_employer(person, branch),
    )
    if request.method == "POST" and _stale(request, form):
        return redirect("circles:claim_preparation", meeting.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_file_preparation(
                meeting=meeting,
                claimant=person,
                by=request.user,
                hours=data["hours"],
                employer=data["employer"],
                payroll_office=data["payroll_office"],
                leave_noted=data["leave_noted"],
            )
        except ValidationError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Dit krav om frikøb er sendt til kredskontoret."))
            return redirect("circles:my_claims")
    return render(
        request,
        "circles/claims/preparation.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "form": form,
            "cap": services.hours_text(cap),
            "existing": existing,
            "cancelled": meeting.status == Meeting.Status.CANCELLED,
        },
    )


@login_required
def claim_mileage(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id)
    person = person_for(request.user)
    if not services.may_claim_mileage(person, meeting):
        raise PermissionDenied
    form = MileageClaimForm(
        request.POST if request.method == "POST" else None, user=request.user, meeting=meeting
    )
    if request.method == "POST" and _stale(request, form):
        return redirect("circles:claim_mileage", meeting.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_file_mileage(
                claimant=person,
                by=request.user,
                meeting=meeting,
                work_date=data["work_date"],
                route_from=data["route_from"],
                route_to=data["route_to"],
                km=data["km"],
                workplace_declined=data["workplace_declined"],
            )
        except ValidationError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Dit krav om kørselsgodtgørelse er sendt til kredskontoret."))
            return redirect("circles:my_claims")
    return render(
        request,
        "circles/claims/mileage.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "form": form,
            "cancelled": meeting.status == Meeting.Status.CANCELLED,
        },
    )


@login_required
def my_claims(request):
    """'Mine frikøb og kørsel': the user's own claims in a year, their status and reason, the year's totals."""
    person = person_for(request.user)
    this_year = timezone.localdate().year
    chosen = MyClaimsFilter(request.GET or None)
    year, status = this_year, ""
    if chosen.is_bound and chosen.is_valid():
        year = chosen.cleaned_data["aar"] or this_year
        status = chosen.cleaned_data["status"]
    mine = (
        ReleaseClaim.objects.filter(claimant=person, work_date__year=year)
        if person
        else ReleaseClaim.objects.none()
    )
    claims = mine.filter(status=status) if status else mine
    claims = claims.select_related("meeting", "network", "employer").order_by("-work_date", "-pk")
    totals = mine.filter(status__in=ReleaseClaim.OPEN).aggregate(
        hours=Sum("hours"), km=Sum("km"), amount=Sum("amount")
    )
    return render(
        request,
        "circles/claims/mine.html",
        {
            "person": person,
            "claims": claims,
            "totals": totals,
            "year": year,
            "status": status,
            "years": range(this_year + 1, this_year - 4, -1),
            "statuses": ReleaseClaim.Status.choices,
            "filter": chosen,
        },
    )


@login_required
@require_POST
def claim_withdraw(request, claim_id):
    claim = get_object_or_404(ReleaseClaim, pk=claim_id, claimant__user=request.user)  # others' claims: 404
    try:
        services.claim_withdraw(claim_id=claim.pk, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Kravet er trukket tilbage."))
    return redirect(f"{reverse('circles:my_claims')}?aar={claim.work_date.year}")
