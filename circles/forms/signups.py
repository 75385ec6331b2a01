"""The public AMR sign-up form and the consultant's accept / decline forms. The rules live in
``circles/services/signups.py``; the form adds what only a form can: a honeypot field and a minimum
fill time carried in a signed timestamp."""

import time

from django import forms
from django.core import signing
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..models import Employer, Network, Person, SignUp, Workplace
from ..services.signups import MESSAGE_MAX, amr_networks

STARTED_SALT = "circles.signups.started"
MIN_FILL_SECONDS = 3  # a person needs more than this to fill in the form; a script does not
MAX_FILL_SECONDS = 24 * 60 * 60
HONEYPOT = "website"


def started_token(at: float | None = None) -> str:
    return signing.dumps(at if at is not None else time.time(), salt=STARTED_SALT)


class _Bounded:
    """Every text field says its limit in Danish."""

    @staticmethod
    def errors(label: str) -> dict:
        return {
            "required": format_lazy(_("Udfyld {field}."), field=label),
            "max_length": _("Højst %(limit_value)d tegn (du har skrevet %(show_value)d)."),
        }


class SignUpForm(forms.Form):
    name = forms.CharField(
        label=_("Navn"),
        max_length=SignUp._meta.get_field("name").max_length,
        error_messages=_Bounded.errors(_("dit navn")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        error_messages={**_Bounded.errors(_("din e-mail")), "invalid": _("Skriv en gyldig e-mailadresse.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=30,
        required=False,
        error_messages=_Bounded.errors(_("telefon")),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    member_number = forms.CharField(
        label=_("Medlemsnummer (hvis du kender det)"),
        max_length=30,
        required=False,
        error_messages=_Bounded.errors(_("medlemsnummer")),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    workplace = forms.ModelChoiceField(
        label=_("Arbejdsplads"),
        queryset=Workplace.objects.none(),
        required=False,
        empty_label=_("– Vælg, eller skriv den nedenfor –"),
        error_messages={"invalid_choice": _("Vælg en arbejdsplads fra listen.")},
    )
    workplace_text = forms.CharField(
        label=_("Arbejdsplads, hvis den ikke er på listen"),
        max_length=SignUp._meta.get_field("workplace_text").max_length,
        required=False,
        error_messages=_Bounded.errors(_("arbejdsplads")),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    municipality = forms.CharField(
        label=_("Kommune, du hører under"),
        max_length=SignUp._meta.get_field("municipality").max_length,
        error_messages=_Bounded.errors(_("kommune")),
        widget=forms.TextInput(attrs={"list": "signup-municipalities", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Du er"),
        choices=SignUp.ROLES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vælg, om du er AMR eller AMR-suppleant."),
            "invalid_choice": _("Vælg, om du er AMR eller AMR-suppleant."),
        },
    )
    network = forms.ModelChoiceField(
        label=_("Netværk"),
        queryset=Network.objects.none(),
        required=False,
        empty_label=_("– Find det ud fra kommunen –"),
        error_messages={"invalid_choice": _("Vælg et af kredsens AMR-netværk.")},
    )
    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at kredsen behandler oplysningerne som beskrevet ovenfor."),
        error_messages={"required": _("Du skal give samtykke, for at vi kan behandle tilmeldingen.")},
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Lad dette felt være tomt"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, branch, now: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.now = now
        self.fields["workplace"].queryset = Workplace.objects.filter(employer__branch=branch).order_by("name")
        self.fields["network"].queryset = amr_networks(branch)
        if not self.is_bound:
            self.initial["started"] = started_token()

    def is_bot(self) -> bool:
        """The honeypot was filled in: a script. It is answered as if all went well."""
        return bool(self.data.get(HONEYPOT))

    def clean_started(self):
        value = self.cleaned_data.get("started") or ""
        try:
            started = float(signing.loads(value, salt=STARTED_SALT, max_age=MAX_FILL_SECONDS))
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("Siden har været åben for længe. Den er hentet igen: udfyld den, og send igen."),
                code="stale",
            ) from None
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                _("Formularen er ugyldig. Den er hentet igen: udfyld den, og send igen."), code="stale"
            ) from None
        elapsed = (self.now or time.time()) - started
        if elapsed > MAX_FILL_SECONDS:
            raise forms.ValidationError(
                _("Siden har været åben for længe. Den er hentet igen: udfyld den, og send igen."),
                code="stale",
            )
        if elapsed < MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("Formularen blev sendt meget hurtigt. Kontrollér oplysningerne, og send igen."),
                code="too_fast",
            )
        return value

    def clean(self):
        data = super().clean()
        if not data.get("workplace") and not (data.get("workplace_text") or "").strip():
            self.add_error("workplace_text", _("Vælg din arbejdsplads på listen, eller skriv den."))
        return data


class AcceptForm(forms.Form):
    """The consultant's choices when accepting: which member, which workplace."""

    person = forms.ModelChoiceField(
        label=_("Medlem"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("– Opret et nyt medlem –"),
        error_messages={"invalid_choice": _("Vælg et af de medlemmer, tilmeldingen matcher.")},
    )
    member_number = forms.CharField(
        label=_("Medlemsnummer (til et nyt medlem)"),
        max_length=30,
        required=False,
        error_messages=_Bounded.errors(_("medlemsnummer")),
    )
    workplace = forms.ModelChoiceField(
        label=_("Arbejdsplads"),
        queryset=Workplace.objects.none(),
        required=False,
        empty_label=_("– Ny arbejdsplads (udfyld nedenfor) –"),
        error_messages={"invalid_choice": _("Vælg en af kredsens arbejdspladser.")},
    )
    new_workplace_employer = forms.ModelChoiceField(
        label=_("Ny arbejdsplads: arbejdsgiver"),
        queryset=Employer.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Vælg en af kredsens arbejdsgivere.")},
    )
    new_workplace_name = forms.CharField(
        label=_("Ny arbejdsplads: navn"),
        max_length=160,
        required=False,
        error_messages=_Bounded.errors(_("navn")),
    )
    new_workplace_area = forms.ChoiceField(
        label=_("Ny arbejdsplads: arbejdsområde"),
        choices=Workplace.WorkArea.choices,
        initial=Workplace.WorkArea.OTHER,
        required=False,
    )

    def __init__(self, *args, signup: SignUp, matched: list[Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(pk__in=[p.pk for p in matched])
        if matched:
            self.fields["person"].empty_label = None
            self.initial.setdefault("person", matched[0].pk)
        else:
            del self.fields["person"]
        self.fields["workplace"].queryset = Workplace.objects.filter(
            employer__branch_id=signup.branch_id
        ).order_by("name")
        self.fields["new_workplace_employer"].queryset = Employer.objects.filter(branch_id=signup.branch_id)
        if signup.workplace_id:
            self.initial.setdefault("workplace", signup.workplace_id)
        else:
            self.initial.setdefault("new_workplace_name", signup.workplace_text)
        if matched or signup.member_number:
            del self.fields["member_number"]

    def clean(self):
        data = super().clean()
        if not data.get("workplace") and not data.get("new_workplace_employer"):
            raise forms.ValidationError(
                _("Vælg arbejdspladsen, eller vælg arbejdsgiveren og skriv navnet på en ny arbejdsplads.")
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"person": data.get("person"), "member_number": data.get("member_number", "")}
        if data.get("workplace"):
            kwargs["workplace"] = data["workplace"]
        else:
            kwargs["new_workplace_employer"] = data["new_workplace_employer"]
            kwargs["new_workplace_name"] = data.get("new_workplace_name", "")
            kwargs["new_workplace_area"] = data.get("new_workplace_area") or Workplace.WorkArea.OTHER
        return kwargs


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=_("Besked til den, der har tilmeldt sig"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Skriv en besked til den, der har tilmeldt sig."),
            "max_length": _("Beskeden må højst være %(limit_value)d tegn (den er %(show_value)d)."),
        },
    )
