import re
from datetime import UTC, datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import MEETING_YEARS
from ..services.meetings import (
    AGENDA_MAX_CHARS,
    AGENDA_MAX_ITEMS,
    AGENDA_TITLE_MAX,
    MeetingDraft,
    agenda_too_long_message,
    agenda_too_many_message,
    in_meeting_years,
    meeting_years_message,
)

AGENDA_LINE = re.compile(r"^(?P<title>.*?)\s*(?:\((?P<minutes>\d{1,3})\s*(?:min\.?|minutter)?\))?\s*$")


def parse_agenda(text: str) -> list[tuple[str, int | None]]:
    """One item per line; minutes in brackets at the end: "Tema: vold og trusler (30 min)"."""
    items = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•* ").strip()
        if not line:
            continue
        match = AGENDA_LINE.match(line)
        title, minutes = match["title"].strip(), match["minutes"]
        if not title:
            raise forms.ValidationError(
                _("Et dagsordenspunkt mangler en titel: “%(line)s”.") % {"line": line}
            )
        if len(title) > AGENDA_TITLE_MAX:
            raise forms.ValidationError(
                _("Et dagsordenspunkt må højst være %(count)d tegn.") % {"count": AGENDA_TITLE_MAX}
            )
        minutes = int(minutes) if minutes else None
        if minutes is not None and not 1 <= minutes <= 480:
            raise forms.ValidationError(_("Minutter til et punkt skal være mellem 1 og 480."))
        items.append((title, minutes))
        if len(items) > AGENDA_MAX_ITEMS:
            raise forms.ValidationError(agenda_too_many_message())
    return items


def agenda_text(meeting) -> str:
    return "\n".join(
        f"{item.title} ({item.minutes_allotted} min)" if item.minutes_allotted else item.title
        for item in meeting.agenda.all()
    )


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Dato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        label=_("Starttid"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighed (minutter)"),
        initial=120,
        min_value=15,
        max_value=480,
        error_messages={
            "min_value": _("Et møde varer mindst 15 minutter."),
            "max_value": _("Et møde varer højst 8 timer (480 minutter)."),
        },
    )
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Link til onlinemøde"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Skriv et gyldigt link, fx https://moede.example.org/netvaerk.")},
    )
    theme = forms.CharField(label=_("Tema"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Dagsorden"),
        required=False,
        max_length=AGENDA_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Ét punkt pr. linje, højst 30 punkter; minutter i parentes til sidst, "
            "fx “Tema: vold og trusler (30 min)”."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda"].error_messages["max_length"] = agenda_too_long_message()

    follows_group_meeting = forms.CharField(
        label=_("Efter kommunegruppemøde"),
        max_length=200,
        required=False,
        help_text=_("Valgfrit, fx “Kommunegruppemøde i Randers kl. 14”."),
    )

    def clean_agenda(self):
        return parse_agenda(self.cleaned_data["agenda"])

    def clean(self):
        cleaned = super().clean()
        day, start = cleaned.get("date"), cleaned.get("time")
        if day and not MEETING_YEARS[0] <= day.year <= MEETING_YEARS[1]:
            self.add_error("date", meeting_years_message())
        elif day and start:
            local = datetime.combine(day, start)
            zone = timezone.get_current_timezone()
            aware = local.replace(tzinfo=zone)
            # a wall-clock time skipped by the spring DST change does not exist
            if not in_meeting_years(aware):
                self.add_error("date", meeting_years_message())
            elif aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
                self.add_error("time", _("Klokkeslættet findes ikke den dag (skift til sommertid)."))
            else:
                cleaned["starts_at"] = aware
        if not cleaned.get("place") and not cleaned.get("online_url") and not self.has_error("online_url"):
            raise forms.ValidationError(_("Angiv et mødested eller et link til onlinemødet."))
        return cleaned

    def draft(self, *, record_held: bool = False) -> MeetingDraft:
        return MeetingDraft.from_form(
            self.cleaned_data, agenda=self.cleaned_data["agenda"], record_held=record_held
        )

    @classmethod
    def initial_for(cls, meeting) -> dict:
        local = timezone.localtime(meeting.starts_at)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes,
            "place": meeting.place,
            "online_url": meeting.online_url,
            "theme": meeting.theme,
            "agenda": agenda_text(meeting),
            "follows_group_meeting": meeting.follows_group_meeting,
        }


class PlanMeetingForm(MeetingForm):
    record_held = forms.BooleanField(
        label=_("Registrér et afholdt møde"),
        required=False,
        help_text=_("Til et møde, der allerede har fundet sted: det oprettes som afholdt."),
    )

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        if starts_at is None:
            return cleaned
        now = timezone.now()
        if cleaned.get("record_held") and starts_at > now:
            self.add_error("record_held", _("Et afholdt møde kan ikke ligge i fremtiden."))
        elif not cleaned.get("record_held") and starts_at < now:
            self.add_error(
                "date",
                _(
                    "Mødet ligger i fortiden. Sæt kryds i “Registrér et afholdt møde”, hvis det har fundet sted."
                ),
            )
        return cleaned


class BasePlanFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(_("Udfyld mindst ét møde."))


PlanFormSet = forms.formset_factory(
    PlanMeetingForm, formset=BasePlanFormSet, extra=0, min_num=1, max_num=12, validate_max=True
)


class GroundRulesForm(forms.Form):
    ground_rules = forms.CharField(
        label=_("Leveregler"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Én regel pr. linje."),
    )


class AttendanceForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label=_("Mødt"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    mark_held = forms.BooleanField(label=_("Markér mødet som afholdt"), required=False, initial=True)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(person.pk, person.name) for person in candidates]
