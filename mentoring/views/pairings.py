"""The pairing's pages: "Mine mentorforløb", one pairing with its session log, logging a session,
claiming its release time, and the two e-mailed links (end the pairing, give feedback).

Access (``get_pairing_for_user``): the two parties, the branch's office and consultants see a pairing;
whoever else belongs to the branch gets 403, everybody else 404. Feedback is never shown here: the
office reads it in the admin. The e-mailed links need no login; GET and HEAD only show a page, a POST
of the button changes state, and a link that cannot be used shows a Danish page (410).
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from circles.models.claims import HOURS_ABSOLUTE_MAX
from circles.permissions import person_for
from circles.roles import is_consultant, is_office
from circles.services.claims import default_employer, hours_text

from ..forms_pairing import EndForm, FeedbackForm, SessionClaimForm, SessionForm
from ..models import SESSION_THEMES, Pairing, PairingLink, Session
from ..services import pairings as services

THEMES = dict(SESSION_THEMES)
# same-origin: the link (with its token) never leaves the site in a Referer; "no-referrer" would make
# Chromium send "Origin: null" with the button's POST, which the CSRF check refuses
LINK_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex"}


# Access -------------------------------------------------------------------------------------------


def _is_branch_staff(user, branch_id) -> bool:
    return (is_office(user) or is_consultant(user)) and user.branch_id == branch_id


def can_see_pairing(user, pairing: Pairing) -> bool:
    if user.is_superuser:
        return True
    return services.party_of(user, pairing) is not None or _is_branch_staff(user, pairing.programme.branch_id)


def get_pairing_for_user(user, pairing_id, *, party: bool = False) -> Pairing:
    """The pairing ``user`` may see (``party``: only its mentor and new TR). 404 for outsiders, 403 for
    whoever belongs to the pairing's branch without a role in it."""
    pairing = get_object_or_404(
        Pairing.objects.select_related("programme__branch", "mentor", "mentee"), pk=pairing_id
    )
    if not can_see_pairing(user, pairing):
        person = person_for(user)
        branch_id = pairing.programme.branch_id
        if user.branch_id == branch_id or (person is not None and person.branch_id == branch_id):
            raise PermissionDenied
        raise Http404
    if party and services.party_of(user, pairing) is None:
        raise PermissionDenied
    return pairing


def get_session_for_user(user, session_id) -> Session:
    """A session of a pairing the user is a party of (the claims are the parties' own)."""
    session = get_object_or_404(Session.objects.select_related("pairing"), pk=session_id)
    session.pairing = get_pairing_for_user(user, session.pairing_id, party=True)
    return session


def _hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))


def _error(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# Pages for the logged-in parties ------------------------------------------------------------------


@login_required
def pairing_mine(request):
    """'Mine mentorforløb': the user's pairings as mentor or new TR, with sessions and hours."""
    person = person_for(request.user)
    pairings = []
    if person is not None:
        pairings = list(
            Pairing.objects.filter(Q(mentor=person) | Q(mentee=person))
            .select_related("programme", "mentor", "mentee")
            .annotate(session_count=Count("sessions"), minutes=Sum("sessions__duration_minutes"))
            .order_by("-started_on", "-pk")
        )
    for pairing in pairings:
        pairing.hours = hours_text(_hours(pairing.minutes))
        pairing.my_role = _("mentor") if pairing.mentor_id == person.pk else _("ny TR")
        pairing.other = pairing.mentee if pairing.mentor_id == person.pk else pairing.mentor
    return render(request, "mentoring/pairings/mine.html", {"pairings": pairings})


@login_required
def pairing_detail(request, pairing_id):
    pairing = get_pairing_for_user(request.user, pairing_id)
    party = services.party_of(request.user, pairing)
    sessions = list(pairing.sessions.select_related("logged_by").order_by("-held_on", "-pk"))
    claims = {}
    if party is not None:
        claims = services.session_claims(sessions, services.party_person(pairing, party))
    for session in sessions:
        session.theme_labels = [THEMES[key] for key in session.themes if key in THEMES]
        session.my_claim = claims.get(session.pk)
        if session.my_claim is not None:
            session.my_claim.hours_shown = hours_text(session.my_claim.hours)
    total = sum((session.duration_minutes for session in sessions), 0)
    form = None
    if party is not None and pairing.status == Pairing.Status.ACTIVE:
        form = SessionForm()
    first, last = services.session_period(pairing)
    return render(
        request,
        "mentoring/pairings/detail.html",
        {
            "pairing": pairing,
            "programme": pairing.programme,
            "party": party,
            "sessions": sessions,
            "total_hours": hours_text(_hours(total)),
            "form": form,
            "period_first": first,
            "period_last": last,
            "end_form": EndForm() if party and pairing.status == Pairing.Status.ACTIVE else None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def session_log(request, pairing_id):
    pairing = get_pairing_for_user(request.user, pairing_id, party=True)
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_log(
                pairing=pairing,
                by=request.user,
                held_on=data["held_on"],
                duration_minutes=data["duration_minutes"],
                mode=data["mode"],
                themes=data["themes"],
                topics=data["topics"],
            )
        except ValidationError as error:
            _error(form, error)
        else:
            messages.success(request, _("Samtalen er skrevet i forløbets log."))
            return redirect("mentoring:pairing_detail", pairing.pk)
    first, last = services.session_period(pairing)
    return render(
        request,
        "mentoring/pairings/session_form.html",
        {"pairing": pairing, "form": form, "period_first": first, "period_last": last},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def session_claim(request, session_id):
    """Release time for one session, filed by the mentor or the new TR for themselves."""
    session = get_session_for_user(request.user, session_id)
    pairing = session.pairing
    party = services.party_of(request.user, pairing)
    person = services.party_person(pairing, party)
    branch = person.branch
    cap = min(branch.release_hours_cap, HOURS_ABSOLUTE_MAX)
    existing = services.session_claims([session], person).get(session.pk)
    form = SessionClaimForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        session=session,
        branch=branch,
        cap=cap,
        employer=default_employer(person, branch),
    )
    if not form.is_bound:
        form.initial["hours"] = min(_hours(session.duration_minutes), cap)
    if request.method == "POST":
        if "form_token" in form.errors:
            for message in form.errors["form_token"]:
                messages.error(request, message)
            return redirect("mentoring:session_claim", session.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.session_claim_file(
                    session=session,
                    by=request.user,
                    hours=data["hours"],
                    employer=data["employer"],
                    payroll_office=data["payroll_office"],
                    leave_noted=data["leave_noted"],
                )
            except ValidationError as error:
                _error(form, error)
            else:
                messages.success(request, _("Dit krav om frikøb er sendt til kredskontoret."))
                return redirect("mentoring:pairing_detail", pairing.pk)
    return render(
        request,
        "mentoring/pairings/session_claim.html",
        {
            "pairing": pairing,
            "session": session,
            "form": form,
            "cap": hours_text(cap),
            "existing": existing,
            "existing_hours": hours_text(existing.hours) if existing else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def pairing_end(request, pairing_id):
    """A logged-in party ends the pairing from its page (the same service as the e-mailed link)."""
    pairing = get_pairing_for_user(request.user, pairing_id, party=True)
    form = EndForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("mentoring:pairing_detail", pairing.pk)
    try:
        services.pairing_end(
            pairing=pairing,
            party=services.party_of(request.user, pairing),
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Forløbet er afsluttet. Den anden part og kredskontoret har fået besked.")
        )
    return redirect("mentoring:pairing_detail", pairing.pk)


# The e-mailed links (no login) --------------------------------------------------------------------


def _link_page(request, template, context, *, status=200):
    response = render(request, template, context, status=status)
    for name, value in LINK_HEADERS.items():
        response[name] = value
    return response


def _refused(request, state, link):
    return _link_page(
        request,
        "mentoring/pairings/link_refused.html",
        {
            "state": state,
            "link": link,
            "pairing": link.pairing if link else None,
            "programme": link.pairing.programme if link else None,
        },
        status=410,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pairing_end_link(request, token):
    link, state = services.link_lookup(token, PairingLink.Purpose.END)
    if state != services.LinkState.OK:
        return _refused(request, state, link)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pairing = services.pairing_end_by_link(token, reason=form.cleaned_data["reason"])
        except services.LinkRefused as refused:
            return _refused(request, refused.state, refused.link or link)
        except ValidationError as error:
            _error(form, error)
        else:
            return _link_page(
                request,
                "mentoring/pairings/end_done.html",
                {"pairing": pairing, "programme": pairing.programme, "party": link.party},
            )
    pairing = link.pairing
    other = services.party_person(pairing, services.other_party(link.party))
    return _link_page(
        request,
        "mentoring/pairings/end_link.html",
        {"pairing": pairing, "programme": pairing.programme, "form": form, "other": other},
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pairing_feedback_link(request, token):
    link, state = services.link_lookup(token, PairingLink.Purpose.FEEDBACK)
    if state != services.LinkState.OK:
        return _refused(request, state, link)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_submit(
                token,
                rating=data["rating"],
                useful=data["useful"],
                improve=data["improve"],
                recommend=data["recommend"],
            )
        except services.LinkRefused as refused:
            return _refused(request, refused.state, refused.link or link)
        except ValidationError as error:
            _error(form, error)
        else:
            return _link_page(
                request,
                "mentoring/pairings/feedback_done.html",
                {"pairing": link.pairing, "programme": link.pairing.programme},
            )
    return _link_page(
        request,
        "mentoring/pairings/feedback_link.html",
        {"pairing": link.pairing, "programme": link.pairing.programme, "form": form, "party": link.party},
        status=400 if form.is_bound else 200,
    )
