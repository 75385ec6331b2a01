"""The matching pages: open mentor requests, one request with its ranked suggestions and offers, asking
for a mentor (staff, coordinator, or the new TR by the signed link in the welcome mail), and a
member's own "Jeg vil gerne være mentor"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles.models import Mandate, MentorPrompt, Person
from circles.permissions import person_for
from circles.services.mandates import MENTOR_REQUEST_SALT
from circles.views import show_errors

from ..forms_matching import MentorForm, RequestCreateForm, SelfRequestForm
from ..models import Mentor, MentorRequest, Offer, Pairing
from ..permissions import (
    get_request_for_user,
    may_handle_requests,
    may_use_prompt,
    mentees_for_user,
    programmes_for_user,
    requests_for_user,
    user_branch_id,
)
from ..services import matching
from ..services.eligibility import capacity_left, programme_has_room
from ..services.offers import offer_send

SELF_MAX_AGE = 60 * 24 * 60 * 60  # 60 days: the welcome mail's link (circles.services.mandates)
PAGE_SIZE = 50


# Staff and coordinators -----------------------------------------------------------------------------


@login_required
def request_list(request):
    """The open mentor requests of the user's branch (office, consultants) or networks (coordinator)."""
    if not may_handle_requests(request.user):
        raise PermissionDenied
    show_all = request.GET.get("vis") == "alle"
    requests = requests_for_user(request.user).select_related("programme", "mentee", "network")
    if not show_all:
        requests = requests.filter(status__in=MentorRequest.OPEN_STATUSES)
    open_offers = Offer.objects.filter(status__in=Offer.OPEN_STATUSES).select_related("mentor")
    requests = requests.prefetch_related(Prefetch("offers", queryset=open_offers, to_attr="open_offers"))
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "mentoring/matching/request_list.html",
        {"page": page, "show_all": show_all, "may_create": programmes_for_user(request.user).exists()},
    )


@login_required
def request_detail(request, request_id):
    """One request: the ranked suggestions with their reasons, a "Send tilbud" per mentor, the offers."""
    mentor_request = get_request_for_user(request.user, request_id)
    is_open = mentor_request.status == MentorRequest.Status.OPEN
    offers = list(mentor_request.offers.select_related("mentor", "sent_by").order_by("-created_at", "-pk"))
    return render(
        request,
        "mentoring/matching/request_detail.html",
        {
            "mentor_request": mentor_request,
            "suggestions": matching.suggestions(mentor_request) if is_open else [],
            "is_open": is_open,
            "may_withdraw": mentor_request.status in MentorRequest.OPEN_STATUSES,
            "has_room": programme_has_room(mentor_request.programme),
            "offers": offers,
        },
    )


@login_required
@require_POST
def request_offer(request, request_id):
    """ "Send tilbud" to one of the suggested mentors (``offers.offer_send`` mails the link)."""
    mentor_request = get_request_for_user(request.user, request_id)
    mentor_id = request.POST.get("mentor", "")
    suggestion = None
    if mentor_id.isdigit() and len(mentor_id) < 12:
        suggestion = next(
            (s for s in matching.suggestions(mentor_request) if s.person.pk == int(mentor_id)), None
        )
    if suggestion is None:
        messages.error(request, _("Mentoren er ikke blandt forslagene til dette ønske (længere)."))
        return redirect("mentoring:request_detail", mentor_request.pk)
    try:
        offer_send(
            request=mentor_request,
            mentor=suggestion.person,
            by=request.user,
            reasons=suggestion.reasons_text[:500],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(
            request, _("Tilbuddet med %(mentor)s er sendt.") % {"mentor": suggestion.person.name}
        )
    return redirect("mentoring:request_detail", mentor_request.pk)


@login_required
@require_POST
def request_withdraw(request, request_id):
    mentor_request = get_request_for_user(request.user, request_id)
    try:
        matching.request_withdraw(request=mentor_request, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Ønsket om mentor er trukket tilbage."))
    return redirect("mentoring:request_detail", mentor_request.pk)


def _prompt_from(request):
    """The mentor prompt named in ``?prompt=`` (or the POST), if the user may act on it; 404 otherwise."""
    value = request.POST.get("prompt") or request.GET.get("prompt") or ""
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise PermissionDenied
    prompt = get_object_or_404(
        MentorPrompt.objects.select_related("network", "person"), pk=int(value), done_at__isnull=True
    )
    if not may_use_prompt(request.user, prompt):
        if user_branch_id(request.user) == prompt.network.branch_id:
            raise PermissionDenied
        raise Http404
    return prompt


@login_required
def request_create(request):
    """ "Find en mentor": the consultant, office or coordinator asks for a mentor for a new TR."""
    if not may_handle_requests(request.user):
        raise PermissionDenied
    prompt = _prompt_from(request)
    programmes = programmes_for_user(request.user)
    branch_id = user_branch_id(request.user)
    if prompt is not None:
        branch_id = prompt.network.branch_id
        programmes = programmes.filter(branch_id=branch_id)
    active_tr = Mandate.objects.active().filter(role__in=Mandate.TR_ROLES).values("person_id")
    mentees = mentees_for_user(request.user, branch_id).filter(pk__in=active_tr)
    if prompt is not None:
        mentees = Person.objects.filter(pk=prompt.person_id)  # the prompt's new TR, nobody else
    initial = {"mentee": prompt.person_id} if prompt is not None else {}
    form = RequestCreateForm(
        request.POST or None, programmes=programmes, mentees=mentees.order_by("name"), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        mentee = form.cleaned_data["mentee"]
        if prompt is None:  # the new TR's open prompt on a meeting is settled by this request too
            prompt = next(
                (
                    open_prompt
                    for open_prompt in MentorPrompt.objects.filter(person=mentee, done_at__isnull=True)
                    .select_related("network")
                    .order_by("pk")
                    if may_use_prompt(request.user, open_prompt)
                ),
                None,
            )
        try:
            created = matching.request_create(
                programme=form.cleaned_data["programme"],
                mentee=mentee,
                source=MentorRequest.Source.OFFICE,
                by=request.user,
                note=form.cleaned_data["note"],
                prompt=prompt,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Ønsket om mentor til %(person)s er oprettet.") % {"person": created.mentee.name}
            )
            return redirect("mentoring:request_detail", created.pk)
    return render(
        request,
        "mentoring/matching/request_create.html",
        {"form": form, "prompt": prompt, "no_programme": not programmes.exists()},
    )


# The new TR's own link ------------------------------------------------------------------------------


def request_self(request, signed):
    """ "Jeg vil gerne have en mentor", from the welcome mail. No login: the link is signed (the person's
    id, 60 days). GET only shows the form; the POST of its button creates the request, once."""
    try:
        person_id = signing.TimestampSigner(salt=MENTOR_REQUEST_SALT).unsign(signed, max_age=SELF_MAX_AGE)
    except signing.SignatureExpired:
        return _self_page(request, "expired")
    except signing.BadSignature:
        return _self_page(request, "invalid")
    person = Person.objects.select_related("branch").filter(pk=person_id, anonymised_at__isnull=True).first()
    if person is None:
        return _self_page(request, "invalid")
    if Pairing.objects.filter(mentee=person, status=Pairing.Status.ACTIVE).exists():
        return _self_page(request, "paired", person=person)
    if MentorRequest.objects.filter(mentee=person, status__in=MentorRequest.OPEN_STATUSES).exists():
        return _self_page(request, "already", person=person)
    programmes = list(person.branch.mentor_programmes.filter(active=True).order_by("name"))
    if not programmes:
        return _self_page(request, "no_programme", person=person)
    form = SelfRequestForm(
        request.POST or None, programmes=person.branch.mentor_programmes.filter(active=True).order_by("name")
    )
    if request.method == "POST" and form.is_valid():
        try:
            matching.request_create(
                programme=form.cleaned_data["programme"],
                mentee=person,
                source=MentorRequest.Source.SELF,
                by=None,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            if MentorRequest.objects.filter(mentee=person, status__in=MentorRequest.OPEN_STATUSES).exists():
                return _self_page(request, "already", person=person)
            for message in error.messages:
                form.add_error(None, message)
        else:
            return _self_page(request, "created", person=person)
    return render(
        request,
        "mentoring/matching/request_self.html",
        {"form": form, "person": person, "programmes": programmes},
    )


def _self_page(request, state: str, person: Person | None = None):
    return render(request, "mentoring/matching/request_self_state.html", {"state": state, "person": person})


# Be a mentor -------------------------------------------------------------------------------------


@login_required
def mentor_me(request):
    """ "Jeg vil gerne være mentor": a member with a login sets their own willingness and capacity."""
    person = person_for(request.user)
    if person is None:
        raise PermissionDenied
    mentor = Mentor.objects.filter(person=person).first()
    form = MentorForm(request.POST or None, instance=mentor or Mentor(person=person, willing=False))
    if request.method == "POST" and form.is_valid():
        try:
            matching.mentor_set(
                person=person,
                willing=form.cleaned_data["willing"],
                capacity=form.cleaned_data["capacity"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Dine mentorindstillinger er gemt."))
            return redirect("mentoring:mentor_me")
    has_tr = Mandate.objects.active().filter(person=person, role__in=Mandate.TR_ROLES).exists()
    return render(
        request,
        "mentoring/matching/mentor_me.html",
        {
            "form": form,
            "person": person,
            "has_tr": has_tr,
            "trained": person.tr_training_completed_on is not None,
            "places": capacity_left(person) if mentor is not None else None,
        },
    )
