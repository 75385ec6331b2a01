"""Forms of the matching pages: ask for a mentor (staff, coordinator, the new TR) and be a mentor."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CAPACITY_MAX, TEXT_MAX, Mentor

NOTE_MAX = TEXT_MAX


def _note_field(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("Teksten må højst være %(limit_value)d tegn (den er %(show_value)d).")
        },
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person.name} ({person.member_number})"


class RequestCreateForm(forms.Form):
    """The consultant, office or coordinator asks for a mentor for a new TR of their scope."""

    programme = forms.ModelChoiceField(label=_("Mentorordning"), queryset=None, empty_label=None)
    mentee = PersonChoiceField(label=_("Ny TR"), queryset=None)
    note = _note_field(_("Ønsker og bemærkninger"), _("Fx ønsker til arbejdsområde, kommune eller mødeform."))

    def __init__(self, *args, programmes, mentees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["mentee"].queryset = mentees


class SelfRequestForm(forms.Form):
    """The new TR's own "Jeg vil gerne have en mentor" (the link in the welcome mail)."""

    programme = forms.ModelChoiceField(
        label=_("Mentorordning"), queryset=None, empty_label=None, widget=forms.RadioSelect
    )
    note = _note_field(
        _("Dine ønsker (valgfrit)"),
        _("Fx om mentoren skal være fra din kommune eller dit arbejdsområde, og om I helst mødes online."),
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes:
            self.fields["programme"].initial = programmes[0].pk
        if len(programmes) == 1:
            self.fields["programme"].widget = forms.HiddenInput()
            self.fields["programme"].initial = programmes[0].pk


class MentorForm(forms.ModelForm):
    """A member's own willingness and capacity ("Jeg vil gerne være mentor")."""

    capacity = forms.TypedChoiceField(
        label=_("Højst antal mentees ad gangen"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, CAPACITY_MAX + 1)],
        initial=1,
    )

    class Meta:
        model = Mentor
        fields = ["willing", "capacity", "note"]
        labels = {"willing": _("Jeg vil gerne være mentor for en ny TR")}
        widgets = {"note": forms.TextInput()}
        error_messages = {"note": {"max_length": _("Noten må højst være %(limit_value)d tegn.")}}
