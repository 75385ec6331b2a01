"""The coordinator's forms for release time and mileage. The rules live in services/claims.py; the
forms only turn text into numbers (Danish decimal comma) and carry a signed token against stale and
replayed forms."""

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Employer, ReleaseClaim
from ..models.claims import KM_MAX
from ..services.claims import TEXT_MAX, hours_text

FORM_SALT = "circles.claims.form"
FORM_MAX_AGE = 12 * 60 * 60  # a form left open overnight is filled in again


def form_token(*, user, meeting) -> str:
    return signing.dumps({"u": user.pk, "m": meeting.pk}, salt=FORM_SALT)


class SignedForm(forms.Form):
    """A form that carries a signed note of who opened it for what: a form left open too long, or
    sent back for another object or by another user, is refused with a Danish message."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    salt = FORM_SALT
    other_object_message = _("Formularen hører til et andet møde. Udfyld den igen.")

    def token_payload(self) -> dict:
        raise NotImplementedError

    def sign(self) -> None:
        """Call at the end of ``__init__``, once ``token_payload`` can be made."""
        if not self.is_bound:
            self.initial["form_token"] = signing.dumps(self.token_payload(), salt=self.salt)

    def clean_form_token(self):
        value = self.cleaned_data.get("form_token") or ""
        try:
            data = signing.loads(value, salt=self.salt, max_age=FORM_MAX_AGE)
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("Formularen har været åben for længe. Den er hentet igen: udfyld den og send igen.")
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                _("Formularen er ugyldig. Den er hentet igen: udfyld den og send igen.")
            ) from None
        if data != self.token_payload():
            raise forms.ValidationError(self.other_object_message)
        return value


class ClaimFormBase(SignedForm):
    def __init__(self, *args, user, meeting, **kwargs):
        self.user, self.meeting = user, meeting
        super().__init__(*args, **kwargs)
        self.sign()

    def token_payload(self) -> dict:
        return {"u": self.user.pk, "m": self.meeting.pk}


class ReleaseTimeFields(forms.Form):
    """What every release-time claim asks (meeting preparation, a mentor session): the hours, and
    the employer whose payroll office bills the branch. ``leave_noted`` is each form's own wording."""

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
        label=_("Lønkontor (hvis det ikke er arbejdsgiverens eget)"), max_length=TEXT_MAX, required=False
    )

    def set_employers(self, branch_id, employer=None) -> None:
        self.fields["employer"].queryset = Employer.objects.filter(branch_id=branch_id).order_by("name")
        if employer is not None and not self.is_bound:
            self.initial["employer"] = employer.pk


class PreparationClaimForm(ReleaseTimeFields, ClaimFormBase):
    leave_noted = forms.BooleanField(
        label=_("Jeg har noteret fraværet (tjenestefrihed til TR-arbejde) på min arbejdsplan"),
        error_messages={"required": _("Sæt kryds ved, at fraværet er noteret på din arbejdsplan.")},
    )

    def __init__(self, *args, cap, employer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap
        self.set_employers(self.meeting.network.branch_id, employer)
        self.fields["hours"].label = _("Timer til forberedelse")
        self.fields["hours"].help_text = _(
            "Til forberedelse og koordinering, ikke til selve mødet. Højst %(cap)s timer."
        ) % {"cap": hours_text(cap)}


class MileageClaimForm(ClaimFormBase):
    work_date = forms.DateField(
        label=_("Dato for kørslen"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Skriv datoen for kørslen."), "invalid": _("Skriv en gyldig dato.")},
    )
    route_from = forms.CharField(label=_("Fra"), max_length=TEXT_MAX)
    route_to = forms.CharField(label=_("Til"), max_length=TEXT_MAX)
    km = forms.IntegerField(
        label=_("Antal km i alt (tur/retur)"),
        min_value=1,
        max_value=KM_MAX,
        error_messages={
            "required": _("Skriv antal kilometer."),
            "invalid": _("Skriv antal kilometer som et helt tal."),
            "min_value": _("Antal kilometer skal være mindst 1."),
            "max_value": _("Antal kilometer kan højst være 2.000."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )
    workplace_declined = forms.BooleanField(
        label=_("Min arbejdsplads har afvist at betale kørslen"),
        error_messages={
            "required": _(
                "Kørsel skal først søges hos arbejdspladsen. Sæt kryds, hvis arbejdspladsen har afvist at betale."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["work_date"] = min(timezone.localdate(self.meeting.starts_at), timezone.localdate())


class MyClaimsFilter(forms.Form):
    aar = forms.IntegerField(label=_("År"), min_value=2000, max_value=2099, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Alle"))] + list(ReleaseClaim.Status.choices), required=False
    )
