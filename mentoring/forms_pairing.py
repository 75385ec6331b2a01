"""Forms of the pairing: log a session, claim its release time, end the pairing, give feedback.

The rules live in ``services/pairings.py`` (and the claims rules in ``circles``); the forms turn text
into values and give the first Danish message. The claim form follows ``circles/forms/claims.py``:
Danish decimal comma, and a signed token against stale and replayed forms.
"""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from circles.models import Employer
from circles.services.claims import TEXT_MAX as PAYROLL_MAX
from circles.services.claims import hours_text

from .models import SESSION_MINUTES_MAX, SESSION_THEMES, TEXT_MAX, Session
from .services.pairings import REASON_MAX

FORM_SALT = "mentoring.session_claim.form"
FORM_MAX_AGE = 12 * 60 * 60
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


def claim_form_token(*, user, session) -> str:
    return signing.dumps({"u": user.pk, "s": session.pk}, salt=FORM_SALT)


class SessionClaimForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    hours = forms.DecimalField(
        label=_("Timer"),
        localize=True,
        max_digits=4,
        decimal_places=2,
        error_messages={
            "required": _("Skriv antal timer."),
            "invalid": _("Skriv antal timer som et tal, fx 1,5."),
            "max_digits": _("Skriv antal timer som et tal, fx 1,5."),
            "max_whole_digits": _("Skriv antal timer som et tal, fx 1,5."),
            "max_decimal_places": _("Antal timer kan højst have to decimaler, fx 1,25."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
    )
    employer = forms.ModelChoiceField(
        label=_("Arbejdsgiver, der sender regningen"),
        queryset=Employer.objects.none(),
        error_messages={
            "required": _("Vælg den arbejdsgiver, hvis lønkontor sender regningen for frikøbet."),
            "invalid_choice": _("Vælg en af kredsens arbejdsgivere."),
        },
    )
    payroll_office = forms.CharField(
        label=_("Lønkontor (hvis det ikke er arbejdsgiverens eget)"),
        max_length=PAYROLL_MAX,
        required=False,
        error_messages={"null_characters_not_allowed": NUL},
    )
    leave_noted = forms.BooleanField(
        label=_("Jeg har noteret fraværet (tjenestefrihed til mentorsamtalen) på min arbejdsplan"),
        error_messages={"required": _("Sæt kryds ved, at fraværet er noteret på din arbejdsplan.")},
    )

    def __init__(self, *args, user, session, branch, cap, employer=None, **kwargs):
        self.user, self.session = user, session
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(branch=branch).order_by("name")
        self.fields["hours"].help_text = _("Kredsen betaler højst %(cap)s timer pr. samtale.") % {
            "cap": hours_text(cap)
        }
        if not self.is_bound:
            self.initial["form_token"] = claim_form_token(user=user, session=session)
            if employer is not None:
                self.initial["employer"] = employer.pk

    def clean_form_token(self):
        value = self.cleaned_data.get("form_token") or ""
        try:
            data = signing.loads(value, salt=FORM_SALT, max_age=FORM_MAX_AGE)
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("Formularen har været åben for længe. Den er hentet igen: udfyld den og send igen.")
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                _("Formularen er ugyldig. Den er hentet igen: udfyld den og send igen.")
            ) from None
        if data != {"u": self.user.pk, "s": self.session.pk}:
            raise forms.ValidationError(_("Formularen hører til en anden samtale. Udfyld den igen."))
        return value


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
