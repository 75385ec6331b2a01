from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from netvaerk.privacy.log import record

from ..forms.minutes import MinutesForm, board_point_formset
from ..models import BoardPoint, Minutes, MinutesVersion
from ..permissions import (
    can_manage_network,
    can_read_minutes,
    get_meeting_for_user,
    get_minutes_file_for_user,
    get_minutes_for_user,
)
from ..roles import is_office
from ..services import minutes as services
from . import show_errors


@login_required
def minutes_edit(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    if meeting.starts_at > timezone.now():
        messages.error(request, _("Der kan først skrives referat, når mødet er begyndt."))
        return redirect(meeting)
    minutes = services.minutes_or_new(meeting)  # a GET writes nothing: the first save creates the row
    if not minutes.is_editable:
        messages.info(request, _("Referatet er indsendt og låst."))
        return redirect("circles:minutes_detail", meeting_id=meeting.pk)
    network = meeting.network
    with_key_messages = services.has_key_messages(network)
    initial = {
        "text": minutes.text,
        "key_messages": minutes.key_messages,
        "confidential": minutes.confidential,
        "revision": minutes.revision,
    }
    form = MinutesForm(
        request.POST or None, request.FILES or None, initial=initial, key_messages=with_key_messages
    )
    points, handled = _points_form(request, minutes)
    posted_points = points is not None and points.is_bound
    if request.method == "POST" and form.is_valid() and (not posted_points or points.is_valid()):
        data = form.cleaned_data
        try:
            services.minutes_save(
                meeting=meeting,
                by=request.user,
                text=data["text"],
                confidential=data["confidential"],
                upload=data["upload"] or None,
                revision=data["revision"],
                key_messages=data["key_messages"] if with_key_messages else None,
                points=points.points() if posted_points else None,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            if "submit" in request.POST:
                return _submit(request, meeting)
            messages.success(request, _("Referatet er gemt som kladde."))
            return redirect("circles:minutes_edit", meeting_id=meeting.pk)
    return render(
        request,
        "circles/minutes/edit.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "minutes": minutes,
            "form": form,
            "points": points,
            "handled_points": handled,
            "files": _files(minutes),
        },
    )


def _points_form(request, minutes):
    """The points for the board (TR and mixed networks): a formset of the NEW points, and the points
    the office has already taken up or answered, which are shown but not edited. A POST without the
    points part (no management form) leaves the points as they are."""
    network = minutes.meeting.network
    if not services.has_board_points(network):
        return None, []
    saved = list(minutes.board_points.select_related("topic").order_by("pk")) if minutes.pk else []
    handled = [point for point in saved if point.status != BoardPoint.Status.NEW]
    posted = request.method == "POST" and "points-TOTAL_FORMS" in request.POST
    formset = board_point_formset(
        request.POST if posted else None,
        points=[point for point in saved if point.status == BoardPoint.Status.NEW],
        topics=services.board_topics(network, minutes),
        handled=len(handled),
    )
    return formset, handled


def _files(minutes):
    if minutes.pk is None:
        return []
    sent = MinutesVersion.objects.filter(attachment=OuterRef("pk"))
    return minutes.files.annotate(in_version=Exists(sent))


@login_required
@require_POST
def minutes_file_remove(request, file_id):
    attachment = get_minutes_file_for_user(request.user, file_id, manage=True)
    meeting_id = attachment.minutes.meeting_id
    try:
        services.minutes_file_remove(file_id=attachment.pk, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Filen %(name)s er fjernet.") % {"name": attachment.original_name})
    return redirect("circles:minutes_edit", meeting_id=meeting_id)


@login_required
@require_POST
def minutes_submit(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id, manage=True)
    return _submit(request, meeting)


def _submit(request, meeting):
    try:
        services.minutes_submit(meeting=meeting, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("circles:minutes_edit", meeting_id=meeting.pk)
    messages.success(request, _("Referatet er sendt til deltagerne og kredskontoret."))
    return redirect("circles:minutes_detail", meeting_id=meeting.pk)


@login_required
def minutes_detail(request, meeting_id):
    minutes = get_minutes_for_user(request.user, meeting_id)
    meeting = minutes.meeting
    context = {"meeting": meeting, "network": meeting.network, "minutes": minutes}
    if not can_read_minutes(request.user, minutes):
        # returned to the coordinator: whoever was mailed the link is told why it cannot be read now
        return render(request, "circles/minutes/being_corrected.html", context)
    if minutes.confidential:
        record(
            request,
            "read",
            _("Fortroligt referat, møde #%(id)s") % {"id": meeting.pk},
            obj=minutes,
            branch_id=meeting.network.branch_id,
        )
    manage = can_manage_network(request.user, meeting.network)
    history = manage or is_office(request.user)  # the office follows the review
    return render(
        request,
        "circles/minutes/detail.html",
        {
            **context,
            "copy": services.readable_copy(minutes=minutes, user=request.user),
            "versions": minutes.versions.select_related("attachment", "submitted_by") if history else None,
            "can_manage": manage,
            "with_key_messages": services.has_key_messages(meeting.network),
            "points": _points_shown(minutes, manage),
        },
    )


def _points_shown(minutes, manage: bool):
    """The points for the board on the minutes page. Those of a draft or returned minutes are the
    coordinator's working copy: only the coordinator and consultant see them then."""
    if not services.has_board_points(minutes.meeting.network):
        return None
    if not manage and minutes.status not in (Minutes.Status.SUBMITTED, Minutes.Status.APPROVED):
        return None
    return list(minutes.board_points.select_related("topic").order_by("pk"))


@never_cache
@login_required
def minutes_file(request, file_id):
    attachment = get_minutes_file_for_user(request.user, file_id)
    meeting = attachment.minutes.meeting
    record(
        request,
        "download",
        _("Referatfil #%(id)s, møde #%(meeting)s") % {"id": attachment.pk, "meeting": meeting.pk},
        obj=attachment,
        branch_id=meeting.network.branch_id,
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
