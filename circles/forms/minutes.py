from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import KEY_MESSAGES_MAX
from ..models.voice import POINT_TEXT_MAX
from ..services.minutes import (
    BOARD_POINTS_MAX,
    POINT_TITLE_MAX,
    RETURN_COMMENT_MAX,
    PointInput,
    check_key_messages,
    check_point,
    check_return_comment,
    check_text,
)


class MinutesForm(forms.Form):
    """The working copy. ``key_messages``: the field for AMR and mixed networks (see the service)."""

    text = forms.CharField(
        label=_("Referat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Enkel formatering: tom linje mellem afsnit, **fed**, *kursiv* og punkter med “- ”."),
    )
    key_messages = forms.CharField(
        label=_("Centrale budskaber"),
        required=False,
        max_length=KEY_MESSAGES_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": KEY_MESSAGES_MAX}),
        help_text=_(
            "Ikke fortroligt. Når kredskontoret har godkendt referatet, sendes budskaberne som tekst til "
            "TR i kommunegruppen og til lederne på deltagernes arbejdspladser. Referatet selv sendes ikke. "
            "Skriv ikke navne eller andet, der er sagt i fortrolighed."
        ),
    )
    upload = forms.FileField(
        label=_("Upload referat (PDF, DOCX eller ODT)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )
    confidential = forms.BooleanField(
        label=_("Fortroligt"),
        required=False,
        help_text=_("Kun netværket og kredskontoret kan læse et fortroligt referat."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, key_messages: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not key_messages:
            del self.fields["key_messages"]

    def clean_key_messages(self):
        key_messages = self.cleaned_data["key_messages"].strip()
        check_key_messages(key_messages)
        return key_messages

    def clean_text(self):
        text = self.cleaned_data["text"]
        check_text(text.strip())  # the service's own limit, with its message
        return text

    def clean(self):
        cleaned = super().clean()
        if self.errors.pop("revision", None):  # hidden: its error must show where the user can see it
            raise forms.ValidationError(_("Siden er forældet. Genindlæs siden, og prøv igen."))
        return cleaned

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload and upload.size > settings.MINUTES_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Filen er for stor. Den må højst fylde %(limit)s MB.")
                % {"limit": round(settings.MINUTES_UPLOAD_MAX_BYTES / 1024 / 1024)}
            )
        return upload


class ReturnForm(forms.Form):
    """The office's comment when it sends minutes back (the admin's review page and bulk action)."""

    comment = forms.CharField(
        label=_("Kommentar til koordinatoren"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "maxlength": RETURN_COMMENT_MAX}),
        error_messages={"required": _("Skriv en kommentar, så koordinatoren ved, hvad der skal rettes.")},
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        check_return_comment(comment)
        return comment


class BoardPointForm(forms.Form):
    """One point for the branch board (TR and mixed networks)."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    topic = forms.TypedChoiceField(
        label=_("Emne"),
        coerce=int,
        error_messages={"invalid_choice": _("Vælg et af kredsens emner til punktet.")},
    )
    title = forms.CharField(
        label=_("Overskrift"),
        max_length=POINT_TITLE_MAX,
        widget=forms.TextInput(attrs={"maxlength": POINT_TITLE_MAX}),
    )
    text = forms.CharField(
        label=_("Tekst"),
        max_length=POINT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": POINT_TEXT_MAX}),
    )

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Vælg emne")), *((topic.pk, topic.name) for topic in topics)]

    def clean(self):
        cleaned = super().clean()
        if "title" in cleaned and "text" in cleaned:
            check_point(cleaned["title"], cleaned["text"])
        return cleaned


class BaseBoardPointFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": _("Højst %(num)d punkter til kredsbestyrelsen pr. referat."),
        "missing_management_form": _("Siden er forældet. Genindlæs siden, og prøv igen."),
    }

    def points(self) -> list[PointInput]:
        """The points to keep, in the form's order (deleted and untouched blank rows left out)."""
        kept = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            kept.append(
                PointInput(id=data.get("id"), topic_id=data["topic"], title=data["title"], text=data["text"])
            )
        return kept


def board_point_formset(data=None, *, points, topics, handled: int = 0) -> BaseBoardPointFormSet:
    """The minutes form's points: the editable (NEW) ones, and blank rows up to the bound. The topics
    are read once for all rows."""
    topics = list(topics)
    initial = [{"id": p.pk, "topic": p.topic_id, "title": p.title, "text": p.text} for p in points]
    room = BOARD_POINTS_MAX - handled
    formset_class = forms.formset_factory(
        BoardPointForm,
        formset=BaseBoardPointFormSet,
        extra=max(0, min(2 if not initial else 1, room - len(initial))),
        can_delete=True,
        max_num=max(room, 0),
        validate_max=True,
        absolute_max=BOARD_POINTS_MAX,
    )
    return formset_class(data, initial=initial, prefix="points", form_kwargs={"topics": topics})
