from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..forms.meetings import AttendanceForm, MeetingForm, PlanFormSet
from ..models import Invitation, Meeting, MentorPrompt, Minutes, ReleaseClaim
from ..permissions import can_manage_network, get_meeting_for_user, get_network_for_user, person_for
from ..services import meetings as services
from ..services.mandates import mentor_prompt_done as prompt_done
from ..services.mandates import open_mentor_prompts
from . import show_errors


@login_required
def meeting_plan(request, network_id):
    network = get_network_for_user(request.user, network_id, manage=True)
    if request.method == "POST":
        formset = PlanFormSet(request.POST, prefix="m")
        if formset.is_valid():
            drafts = [
                form.draft(record_held=form.cleaned_data.get("record_held", False))
                for form in formset.forms
                if form.has_changed()
            ]
            try:
                planned = services.meeting_plan(network=network, by=request.user, drafts=drafts)
            except ValidationError as error:
                show_errors(request, error)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d møde er planlagt.", "%(count)d møder er planlagt.", len(planned))
                    % {"count": len(planned)},
                )
                if len(planned) == 1:
                    return redirect(planned[0])
                return redirect(_network_page_for(network, planned))
    else:
        try:
            count = min(max(int(request.GET.get("antal", 1)), 1), 12)
        except ValueError:
            count = 1
        formset = PlanFormSet(prefix="m", initial=[{"duration_minutes": 120}] * count)
    return render(request, "circles/meetings/plan.html", {"network": network, "formset": formset})


def _network_page_for(network, meetings) -> str:
    """The network page of the year the (first of the) meetings lie in: next year's plan shows next year."""
    year = min(timezone.localtime(meeting.starts_at).year for meeting in meetings)
    url = network.get_absolute_url()
    return url if year == timezone.localdate().year else f"{url}?aar={year}"


@login_required
def meeting_detail(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id)
    can_manage = can_manage_network(request.user, meeting.network)
    invitations = meeting.invitations.select_related("person", "user").order_by("person__name")
    answers = {value: 0 for value, _label in Invitation.Response.choices}
    for invitation in invitations:
        answers[invitation.response] += 1
    try:
        minutes = meeting.minutes
    except Minutes.DoesNotExist:
        minutes = None
    attendance = list(meeting.attendance.select_related("person").order_by("person__name"))
    return render(
        request,
        "circles/meetings/detail.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "agenda": meeting.agenda.all(),
            "invitations": invitations if can_manage else None,
            "answers": answers,
            "attendance": attendance,
            "minutes": minutes,
            "can_manage": can_manage,
            "started": meeting.starts_at <= timezone.now(),
            "my_invitation": services.invitation_for_user(meeting, request.user),
            "open_for_answers": _open_for_answers(meeting),
            "mentor_prompts": open_mentor_prompts(meeting) if can_manage else [],
            **_claim_entries(request.user, meeting, attendance),
        },
    )


def _claim_entries(user, meeting, attendance) -> dict:
    """ "Søg frikøb" for the coordinator (with their claim, if filed: one query), "Søg kørsel" for the
    coordinator and those registered as attending (read off the attendance list already fetched)."""
    person = person_for(user)
    if person is None or meeting.status == Meeting.Status.CANCELLED:
        return {}
    is_coordinator = meeting.network.coordinator_id == person.pk
    attended = any(row.person_id == person.pk for row in attendance)
    entries = {"may_claim_mileage": is_coordinator or attended, "may_claim_release": is_coordinator}
    if is_coordinator:
        entries["release_claim"] = (
            ReleaseClaim.objects.filter(
                kind=ReleaseClaim.Kind.PREPARATION,
                meeting=meeting,
                claimant=person,
                status__in=ReleaseClaim.OPEN,
            )
            .order_by("-pk")
            .first()
        )
    return entries


@login_required
@require_POST
def mentor_prompt_done(request, meeting_id, prompt_id):
    """'Markér som klaret' on the next meeting's "Tilbyd en mentor til …"."""
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    prompt = get_object_or_404(
        MentorPrompt.objects.select_related("person"), pk=prompt_id, network_id=meeting.network_id
    )
    try:
        prompt_done(prompt=prompt, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(
            request, _("Mentortilbuddet til %(person)s er markeret som klaret.") % {"person": prompt.person}
        )
    return redirect(meeting)


@login_required
def meeting_edit(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    if meeting.status != Meeting.Status.PLANNED:
        messages.error(request, _("Kun planlagte møder kan ændres."))
        return redirect(meeting)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            change = services.meeting_update(meeting=meeting, by=request.user, draft=form.draft())
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, change.message())
            return redirect(meeting)
    return render(
        request, "circles/meetings/edit.html", {"meeting": meeting, "network": meeting.network, "form": form}
    )


@login_required
def meeting_cancel(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    if meeting.status != Meeting.Status.PLANNED:
        messages.error(request, _("Kun planlagte møder kan aflyses."))
        return redirect(meeting)
    if request.method == "POST":
        try:
            services.meeting_cancel(meeting=meeting, by=request.user)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Mødet er aflyst, og de inviterede har fået besked."))
        return redirect(meeting)
    return render(request, "circles/meetings/cancel.html", {"meeting": meeting, "network": meeting.network})


@login_required
@require_POST
def meeting_invite(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    try:
        count = services.meeting_invite(meeting=meeting, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "Invitationen er sendt til %(count)d person.",
                "Invitationen er sendt til %(count)d personer.",
                count,
            )
            % {"count": count},
        )
    return redirect(meeting)


@login_required
def meeting_attendance(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    if meeting.starts_at > timezone.now() or meeting.status == Meeting.Status.CANCELLED:
        messages.error(
            request, _("Fremmøde kan først registreres, når mødet er begyndt, og ikke for et aflyst møde.")
        )
        return redirect(meeting)
    candidates = list(services.attendance_candidates(meeting))
    present = set(meeting.attendance.values_list("person_id", flat=True))
    from_answers = False
    if not present:  # pre-fill from the answers
        present = set(
            meeting.invitations.filter(response=Invitation.Response.YES, person__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        from_answers = bool(present)
    form = AttendanceForm(request.POST or None, candidates=candidates, initial={"present": sorted(present)})
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(
                meeting=meeting,
                by=request.user,
                person_ids=form.cleaned_data["present"],
                mark_held=form.cleaned_data["mark_held"],
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Fremmødet er gemt."))
            return redirect(meeting)
    return render(
        request,
        "circles/meetings/attendance.html",
        {"meeting": meeting, "network": meeting.network, "form": form, "from_answers": from_answers},
    )


def _open_for_answers(meeting) -> bool:
    return meeting.status == Meeting.Status.PLANNED and meeting.starts_at > timezone.now()


def _answer(request, invitation, *, by) -> None:
    """The button pressed on the answer page (``by`` None: the link is the key) or the meeting page."""
    choice = request.POST.get("svar")
    if choice not in {"kommer", "kommer-ikke"}:
        messages.error(request, _("Vælg “Jeg kommer” eller “Jeg kommer ikke”."))
        return
    try:
        services.invitation_answer(
            invitation=invitation,
            coming=choice == "kommer",
            by=by,
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Tak, dit svar er registreret."))


@login_required
@require_POST
def meeting_answer(request, meeting_id):
    """A logged-in member answers their own invitation on the meeting page (no mail link needed)."""
    meeting = get_meeting_for_user(request.user, meeting_id)
    invitation = services.invitation_for_user(meeting, request.user)
    if invitation is None:
        return render(
            request,
            "circles/meetings/not_invited.html",
            {"meeting": meeting, "network": meeting.network},
            status=403,
        )
    _answer(request, invitation, by=request.user)
    return redirect(meeting)


def rsvp(request, token):
    """The answer link from the invitation mail: GET shows the meeting, only the button press records."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404(
            _("Linket er ugyldigt eller erstattet af et nyere. Brug linket i den seneste mail om mødet.")
        )
    if request.method == "POST":
        _answer(request, invitation, by=None)
        return redirect("circles:rsvp", token=token)
    meeting = invitation.meeting
    return render(
        request,
        "circles/meetings/rsvp.html",
        {
            "invitation": invitation,
            "meeting": meeting,
            "network": meeting.network,
            "open": _open_for_answers(meeting),
        },
    )
