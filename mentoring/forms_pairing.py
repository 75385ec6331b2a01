"""Forms of the pairing: log a session, claim its release time, end the pairing, give feedback.

The rules live in ``services/pairings.py`` (and the claims rules in ``circles``); the forms turn text
into values and give the first Danish message. The claim form follows ``circles/forms/claims.py``:
Danish decimal comma, and a signed token against stale and replayed forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from circles.forms.claims import ReleaseTimeFields, SignedForm
from circles.services.claims import hours_text

from .models import SESSION_MINUTES_MAX, SESSION_THEMES, TEXT_MAX, Session
from .services.pairings import REASON_MAX

FORM_SALT = "mentoring.session_claim.form"
NUL = _("Teksten indeholder ugyldige tegn.")


class SessionForm(forms.Form):
    held_on = forms.DateField(
        label=_("Dato"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Skriv datoen for samtalen."), "invalid": _("Skriv en gyldig dato.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighed (minutter)"),
        min_value=5,
        max_value=SESSION_MINUTES_MAX,
        error_messages={
            "required": _("Skriv, hvor mange minutter samtalen varede."),
            "invalid": _("Skriv varigheden i hele minutter."),
            "min_value": _("En samtale varer mellem 5 minutter og 8 timer."),
            "max_value": _("En samtale varer mellem 5 minutter og 8 timer."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    mode = forms.ChoiceField(
        label=_("Form"),
        choices=Session.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vælg, om samtalen var online, over telefon eller et fysisk møde."),
            "invalid_choice": _("Vælg, om samtalen var online, over telefon eller et fysisk møde."),
        },
    )
    themes = forms.MultipleChoiceField(
        label=_("Emner"),
        choices=SESSION_THEMES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Idéer fra ordningen; vælg dem, der passer, og skriv andre emner nedenfor."),
        error_messages={"invalid_choice": _("Vælg emner fra listen.")},
    )
    topics = forms.CharField(
        label=_("Andre emner og noter"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skriv ikke fortroligt indhold her; kun I to og kredskontoret kan se det."),
        error_messages={
            "max_length": _("Andre emner og noter må højst fylde %(limit_value)d tegn."),
            "null_characters_not_allowed": NUL,
        },
    )


class SessionClaimForm(ReleaseTimeFields, SignedForm):
    """Release time for one mentor session: the claims' own fields and signed token (circles.forms.claims)."""

    salt = FORM_SALT
    other_object_message = _("Formularen hører til en anden samtale. Udfyld den igen.")
    leave_noted = forms.BooleanField(
        label=_("Jeg har noteret fraværet (tjenestefrihed til mentorsamtalen) på min arbejdsplan"),
        error_messages={"required": _("Sæt kryds ved, at fraværet er noteret på din arbejdsplan.")},
    )

    def __init__(self, *args, user, session, branch, cap, employer=None, **kwargs):
        self.user, self.session = user, session
        super().__init__(*args, **kwargs)
        self.set_employers(branch.pk, employer)
        self.fields["hours"].help_text = _("Kredsen betaler højst %(cap)s timer pr. samtale.") % {
            "cap": hours_text(cap)
        }
        self.sign()

    def token_payload(self) -> dict:
        return {"u": self.user.pk, "s": self.session.pk}


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse (frivillig)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kun kredskontoret ser begrundelsen."),
        error_messages={
            "max_length": _("Begrundelsen må højst fylde %(limit_value)d tegn."),
            "null_characters_not_allowed": NUL,
        },
    )


RECOMMEND_CHOICES = [("yes", _("Ja")), ("no", _("Nej")), ("unknown", _("Ved ikke"))]
RECOMMEND_VALUES = {"yes": True, "no": False, "unknown": None}


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Hvordan vil du samlet vurdere forløbet? (1 = dårligt, 5 = rigtig godt)"),
        choices=[(str(value), str(value)) for value in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vælg en samlet vurdering fra 1 til 5."),
            "invalid_choice": _("Vælg en samlet vurdering fra 1 til 5."),
        },
    )
    useful = forms.CharField(
        label=_("Hvad var godt?"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("Svaret må højst fylde %(limit_value)d tegn."),
            "null_characters_not_allowed": NUL,
        },
    )
    improve = forms.CharField(
        label=_("Hvad kan gøres bedre?"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("Svaret må højst fylde %(limit_value)d tegn."),
            "null_characters_not_allowed": NUL,
        },
    )
    recommend = forms.ChoiceField(
        label=_("Vil du anbefale mentorordningen til andre?"),
        choices=RECOMMEND_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Svar ja, nej eller ved ikke.")},
    )

    def clean_recommend(self):
        return RECOMMEND_VALUES.get(self.cleaned_data.get("recommend") or "unknown")
