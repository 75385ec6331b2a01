"""The evaluation of a programme for the office: its pairs, sessions and each party's feedback.

Three queries whatever the programme's size. CSV (one row per pair, the feedback of both parties in
columns) is for a Danish Excel like the claims export: semicolons, decimal comma, dd.mm.yyyy, UTF-8
with BOM. XLSX has three sheets (pairs, sessions, feedback) with real numbers and dates.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import SESSION_THEMES, Feedback, Pairing, Programme, Session

THEMES = dict(SESSION_THEMES)
PARTIES = (Pairing.Party.MENTOR, Pairing.Party.MENTEE)


def hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))


@dataclass
class Report:
    programme: Programme
    pairs: list[Pairing] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)


def evaluation(programme: Programme) -> Report:
    pairs = list(
        Pairing.objects.filter(programme=programme)
        .select_related("mentor", "mentee")
        .annotate(n_sessions=Count("sessions"), n_minutes=Sum("sessions__duration_minutes"))
        .order_by("started_on", "pk")
    )
    sessions = list(
        Session.objects.filter(pairing__programme=programme)
        .select_related("pairing__mentor", "pairing__mentee")
        .order_by("pairing__started_on", "pairing_id", "held_on", "pk")
    )
    feedback = list(
        Feedback.objects.filter(pairing__programme=programme)
        .select_related("pairing__mentor", "pairing__mentee")
        .order_by("pairing__started_on", "pairing_id", "party")
    )
    by_pair = {(item.pairing_id, item.party): item for item in feedback}
    for pair in pairs:
        pair.hours = hours(pair.n_minutes)
        pair.answers = {party: by_pair.get((pair.pk, party)) for party in PARTIES}
    return Report(programme=programme, pairs=pairs, sessions=sessions, feedback=feedback)


def file_name(programme: Programme) -> str:
    return f"evaluering-{slugify(programme.name) or programme.pk}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: str) -> str:
    """Free text as text: a spreadsheet must not run an answer that starts like a formula."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _safe(row: list) -> list:
    return [cell_text(value) if isinstance(value, str) else value for value in row]


def _recommend(value) -> str:
    return {True: _("Ja"), False: _("Nej")}.get(value, _("Ved ikke"))


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _number(value) -> str:
    return f"{value:f}".replace(".", ",") if value is not None else ""


def pair_headers() -> list[str]:
    headers = [
        _("Mentor"),
        _("Ny TR"),
        _("Status"),
        _("Startet"),
        _("Slutter"),
        _("Afsluttet"),
        _("Afsluttet af"),
        _("Begrundelse"),
        _("Samtaler"),
        _("Timer"),
    ]
    for label in (_("Mentor"), _("Ny TR")):
        headers += [
            _("%(party)s: vurdering (1-5)") % {"party": label},
            _("%(party)s: hvad var godt") % {"party": label},
            _("%(party)s: hvad kan gøres bedre") % {"party": label},
            _("%(party)s: anbefaler ordningen") % {"party": label},
        ]
    return headers


def _pair_row(pair: Pairing, *, text: bool) -> list:
    row = [
        pair.mentor.name,
        pair.mentee.name,
        pair.get_status_display(),
        _day(pair.started_on) if text else pair.started_on,
        _day(pair.ends_on) if text else pair.ends_on,
        _day(pair.ended_on) if text else pair.ended_on,
        pair.get_ended_by_display() if pair.ended_by else "",
        cell_text(pair.end_reason),
        pair.n_sessions,
        _number(pair.hours) if text else pair.hours,
    ]
    for party in PARTIES:
        answer = pair.answers[party]
        if answer is None:
            row += ["", "", "", ""]
        else:
            row += [
                answer.rating,
                cell_text(answer.useful),
                cell_text(answer.improve),
                _recommend(answer.recommend),
            ]
    return row


def export_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(pair_headers())
    for pair in report.pairs:
        writer.writerow(_safe(_pair_row(pair, text=True)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def session_headers() -> list[str]:
    return [
        _("Mentor"),
        _("Ny TR"),
        _("Dato"),
        _("Minutter"),
        _("Form"),
        _("Emner"),
        _("Andre emner og noter"),
    ]


def feedback_headers() -> list[str]:
    return [
        _("Mentor"),
        _("Ny TR"),
        _("Part"),
        _("Vurdering (1-5)"),
        _("Hvad var godt"),
        _("Hvad kan gøres bedre"),
        _("Anbefaler"),
    ]


def export_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    pairs = book.active
    pairs.title = _("Par")
    pairs.append([_("Evaluering: %(programme)s") % {"programme": report.programme.name}])
    pairs["A1"].font = Font(bold=True, size=13)
    pairs.append(pair_headers())
    for pair in report.pairs:
        pairs.append(_safe(_pair_row(pair, text=False)))
        row = pairs.max_row
        for column in ("D", "E", "F"):
            pairs[f"{column}{row}"].number_format = "DD-MM-YYYY"
        pairs[f"J{row}"].number_format = "#,##0.00"

    sessions = book.create_sheet(_("Samtaler"))
    sessions.append(session_headers())
    for session in report.sessions:
        sessions.append(
            _safe(
                [
                    session.pairing.mentor.name,
                    session.pairing.mentee.name,
                    session.held_on,
                    session.duration_minutes,
                    session.get_mode_display(),
                    ", ".join(str(THEMES[key]) for key in session.themes if key in THEMES),
                    cell_text(session.topics),
                ]
            )
        )
        sessions[f"C{sessions.max_row}"].number_format = "DD-MM-YYYY"

    answers = book.create_sheet(_("Evalueringer"))
    answers.append(feedback_headers())
    for item in report.feedback:
        answers.append(
            _safe(
                [
                    item.pairing.mentor.name,
                    item.pairing.mentee.name,
                    item.get_party_display(),
                    item.rating,
                    cell_text(item.useful),
                    cell_text(item.improve),
                    _recommend(item.recommend),
                ]
            )
        )
    for sheet in (pairs, sessions, answers):
        header_row = 2 if sheet is pairs else 1
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
