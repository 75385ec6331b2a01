"""The AMR sign-up: the branch's public page and the confirmation link (no login), and the queue where
the facilitating consultant (or the branch office) accepts or declines."""

import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ..forms.signups import AcceptForm, DeclineForm, SignUpForm
from ..models import Branch, SignUp, Workplace
from ..roles import is_consultant, is_office
from ..services import signups as services
from ..services.signups import ConfirmOutcome, RateLimited


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``; behind our own proxy (``PRIVACY_TRUST_X_FORWARDED_FOR``) the last hop it wrote."""
    candidate = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "PRIVACY_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


# The public side ----------------------------------------------------------------------------------


def _public_context(branch: Branch, form) -> dict:
    networks = list(services.amr_networks(branch))
    municipalities = (
        Workplace.objects.filter(employer__branch=branch)
        .order_by("municipality")
        .values_list("municipality", flat=True)
        .distinct()
    )
    return {
        "branch": branch,
        "networks": networks,
        "municipalities": list(municipalities),
        "form": form,
        "keep_days": services.KEEP_DECIDED_DAYS,
        "confirm_days": services.CONFIRM_DAYS,
    }


def signup_form(request, branch_id):
    """The branch's public sign-up page. The answer is the same for a member and a stranger."""
    branch = get_object_or_404(Branch, pk=branch_id)
    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST, branch=branch)
        if form.is_bot():
            return redirect("circles:signup_sent", branch_id=branch.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.signup_submit(
                    branch=branch,
                    network=data["network"],
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    member_number=data["member_number"],
                    workplace=data["workplace"],
                    workplace_text=data["workplace_text"],
                    municipality=data["municipality"],
                    role=data["role"],
                    consent=data["consent"],
                    ip=client_ip(request),
                )
            except RateLimited as error:
                form.add_error(None, error)
                status = 429
            except ValidationError as error:
                form.add_error("network" if error.code == "network" else None, error)
            else:
                return redirect("circles:signup_sent", branch_id=branch.pk)
        if "started" in form.errors:
            form = _fresh(form, branch)
    else:
        form = SignUpForm(branch=branch)
    return render(request, "circles/signups/form.html", _public_context(branch, form), status=status)


def _fresh(form, branch):
    """A stale or too fast form: keep what was typed, with a new timestamp and the message on top."""
    fresh = SignUpForm(branch=branch, initial={k: v for k, v in form.data.items() if k != "started"})
    fresh.started_errors = form.errors["started"]
    return fresh


def signup_sent(request, branch_id):
    branch = get_object_or_404(Branch, pk=branch_id)
    return render(
        request, "circles/signups/sent.html", {"branch": branch, "confirm_days": services.CONFIRM_DAYS}
    )


_LINK_STATUS = {
    ConfirmOutcome.INVALID: 410,
    ConfirmOutcome.EXPIRED: 410,
    ConfirmOutcome.ALREADY: 200,
    ConfirmOutcome.CONFIRMED: 200,
}


def signup_confirm(request, token):
    """The link in the confirmation mail: GET shows a button, only the POST confirms."""
    if request.method == "POST":
        outcome, signup = services.signup_confirm(raw_token=token)
    else:
        signup = services.signup_for_token(token)
        outcome = services.link_state(signup)
    context = {"outcome": outcome.value if outcome else "open", "signup": signup}
    status = _LINK_STATUS.get(outcome, 200)
    return render(request, "circles/signups/confirm.html", context, status=status)


# The consultant's queue ---------------------------------------------------------------------------


def _may_use_queue(user) -> bool:
    return user.is_superuser or is_office(user) or is_consultant(user)


def queue_for(user):
    """The sign-ups ``user`` decides: the office its branch's, a consultant their networks'."""
    queryset = SignUp.objects.all()
    if user.is_superuser:
        return queryset
    rule = Q(pk__in=[])
    if is_office(user):
        rule |= Q(branch_id=user.branch_id)
    if is_consultant(user):
        rule |= Q(network__consultant=user, branch_id=user.branch_id)
    return queryset.filter(rule)


def get_signup_for_user(user, signup_id) -> SignUp:
    """403 for whoever has no part in sign-ups (a member); 404 for a sign-up outside their queue."""
    if not _may_use_queue(user):
        raise PermissionDenied
    signup = (
        queue_for(user)
        .select_related("network__consultant", "branch", "workplace", "person")
        .filter(pk=signup_id)
    ).first()
    if signup is None:
        raise Http404
    return signup


@login_required
def signup_queue(request):
    if not _may_use_queue(request.user):
        raise PermissionDenied
    signups = list(
        queue_for(request.user)
        .filter(status=SignUp.Status.PENDING)
        .select_related("network", "workplace")
        .order_by("confirmed_at", "pk")
    )
    found = services.matches(signups)
    rows = [(signup, found[signup.pk]) for signup in signups]
    return render(request, "circles/signups/queue.html", {"rows": rows})


@login_required
def signup_detail(request, signup_id):
    """One pending sign-up: accept (choose the member and workplace) or decline with a message."""
    signup = get_signup_for_user(request.user, signup_id)
    matched = services.matches([signup])[signup.pk]
    accept_form = AcceptForm(signup=signup, matched=matched)
    decline_form = DeclineForm()
    if request.method == "POST" and signup.status == SignUp.Status.PENDING:
        if "_accept" in request.POST:
            accept_form = AcceptForm(request.POST, signup=signup, matched=matched)
            if accept_form.is_valid():
                try:
                    services.signup_accept(signup=signup, by=request.user, **accept_form.service_kwargs())
                except ValidationError as error:
                    accept_form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        _("%(name)s er optaget i %(network)s.")
                        % {"name": signup.name, "network": signup.network.name},
                    )
                    return redirect("circles:signup_queue")
        elif "_decline" in request.POST:
            decline_form = DeclineForm(request.POST)
            if decline_form.is_valid():
                try:
                    services.signup_decline(
                        signup=signup, by=request.user, message=decline_form.cleaned_data["message"]
                    )
                except ValidationError as error:
                    decline_form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        _("Tilmeldingen fra %(name)s er afvist, og der er sendt besked.")
                        % {"name": signup.name},
                    )
                    return redirect("circles:signup_queue")
    return render(
        request,
        "circles/signups/detail.html",
        {
            "signup": signup,
            "matched": matched,
            "accept_form": accept_form,
            "decline_form": decline_form,
            "pending": signup.status == SignUp.Status.PENDING,
        },
    )
