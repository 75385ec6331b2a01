from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..services.minutes import RETURN_COMMENT_MAX, check_return_comment, check_text


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("Referat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Enkel formatering: tom linje mellem afsnit, **fed**, *kursiv* og punkter med “- ”."),
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
