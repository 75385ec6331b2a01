"""The POST forms on a page, parsed from its HTML (as a browser would submit them)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

FILLABLE = {
    "text",
    "textarea",
    "email",
    "url",
    "search",
    "tel",
    "password",
    "date",
    "datetime-local",
    "time",
    "number",
    "select",
    "month",
}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: (name, value)

    @property
    def fillable(self) -> list[Field]:
        return [f for f in self.fields if f.kind in FILLABLE]


class _Parser(HTMLParser):
    def __init__(self, url):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self.form = Form(action=urljoin(self.url, attrs.get("action") or self.url))
                self.forms.append(self.form)
            return
        if self.form is None or not attrs.get("name") or "disabled" in attrs:
            return
        if tag == "button" and (attrs.get("type") or "submit").lower() == "submit":
            self.form.buttons.append((attrs["name"], attrs.get("value") or ""))
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "image"}:
                self.form.buttons.append((attrs["name"], attrs.get("value") or ""))
                return
            if kind in {"button", "reset", "file"}:
                return
            self.form.fields.append(Field(attrs["name"], kind, attrs.get("value") or ""))
        elif tag == "textarea":
            self.form.fields.append(Field(attrs["name"], "textarea"))
        elif tag == "select":
            self.select = Field(attrs["name"], "select")
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select.options.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def post_forms(html: str, url: str) -> list[Form]:
    parser = _Parser(url)
    parser.feed(html)
    return parser.forms
