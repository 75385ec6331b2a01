"""Forms for the networks' voice: supervision requests, the leave letter and the office's replies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models.voice import REQUEST_TEXT_MAX
from ..services.voice import PREFERRED_DATES_MAX

TOO_LONG = _("Teksten må højst være %(limit_value)d tegn (den er %(show_value)d).")


class SupervisionForm(forms.Form):
    about = forms.CharField(
        label=_("Hvad drejer det sig om?"),
        max_length=REQUEST_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Fx netværkets møder, dagsordenen eller driften. Skriv ikke personfølsomme oplysninger."),
        error_messages={
            "required": _("Skriv, hvad I gerne vil have supervision i."),
            "max_length": TOO_LONG,
        },
    )
    preferred_dates = forms.CharField(
        label=_("Foretrukne datoer"),
        max_length=PREFERRED_DATES_MAX,
        required=False,
        help_text=_("Fx “uge 12 eller 14, helst eftermiddag”."),
        error_messages={"max_length": TOO_LONG},
    )


class LeaveLetterForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
