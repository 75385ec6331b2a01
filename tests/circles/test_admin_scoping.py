"""Every admin form and inline keeps its choices inside the office's branch, on POST too.

The POSTs are built the way a browser builds them: from the inputs of the change page as rendered
for the office. Each foreign key in the form and in every inline row is then pointed at a row of
another branch, one at a time, and must be refused without writing anything or naming the row.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.urls import reverse

from circles.admin.scoping import in_branch
from circles.models import (
    AgendaItem,
    Attendance,
    Employer,
    Mandate,
    Meeting,
    Membership,
    Network,
    Person,
    Workplace,
)
from circles.roles import CONSULTANT
from tests import factories

pytestmark = pytest.mark.django_db

FOREIGN_NAMES = [
    "Bent Fremmedkreds",
    "Fremmed Arbejdsgiver",
    "Fremmed Bosted",
    "Fremmed Netværk",
    "fremmedkonsulent",
]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormInputs(HTMLParser):
    """The name/value pairs a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.pairs, self._select, self._textarea, self._in_form = [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.pairs.append([name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")])
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append([self._select, attrs.get("value", "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.pairs.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _inputs(response):
    parser = _FormInputs()
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.pairs:
        if "__prefix__" not in name:
            data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def foreign(other_branch):
    """One of everything in another branch, each with a name that must never show up for us."""
    person = factories.PersonFactory(branch=other_branch, name="Bent Fremmedkreds")
    employer = factories.EmployerFactory(branch=other_branch, name="Fremmed Arbejdsgiver")
    workplace = factories.WorkplaceFactory(employer=employer, name="Fremmed Bosted")
    network = factories.NetworkFactory(branch=other_branch, name="Fremmed Netværk", employer=employer)
    factories.MembershipFactory(network=network, person=person)
    factories.MandateFactory(person=person, workplace=workplace)
    meeting = factories.MeetingFactory(network=network)
    AgendaItem.objects.create(meeting=meeting, title="Fremmed punkt")
    Attendance.objects.create(meeting=meeting, person=person)
    staff = factories.UserFactory(username="fremmedkonsulent", is_staff=True, branch=other_branch)
    staff.groups.add(Group.objects.get(name=CONSULTANT))
    return other_branch


@pytest.fixture
def ours(network, coordinator, member, consultant):
    """Our branch's rows, each with inline rows, so every formset has a row to change."""
    network.consultant = consultant
    network.save()
    meeting = factories.MeetingFactory(network=network)
    AgendaItem.objects.create(meeting=meeting, title="Velkomst")
    Attendance.objects.create(meeting=meeting, person=coordinator.person)
    return network.branch


def _choices(data, form, formsets):
    """(posted name, field, extra data) for each choice: in the form, an inline's first row, a new row."""
    yield from ((form.add_prefix(name), field, {}) for name, field in form.fields.items())
    for formset in formsets:
        if not formset.forms:
            continue
        first, count = formset.forms[0], formset.total_form_count()
        new = formset.add_prefix(count)
        copied = {
            f"{new}-{name}": data[first.add_prefix(name)]
            for name in first.fields
            if name != "id" and first.add_prefix(name) in data
        }
        copied[f"{formset.prefix}-TOTAL_FORMS"] = [str(count + 1)]
        for name, field in first.fields.items():
            if name == formset.model._meta.pk.name:
                continue  # a row's own id: Django only finds rows of the parent and drops the others
            yield first.add_prefix(name), field, {}
            yield f"{new}-{name}", field, copied


def _foreign_id(model, branch):
    row = model._default_manager.filter(in_branch(model, branch.pk)).order_by("pk").first()
    assert row is not None, f"the fixture has no {model.__name__} in the other branch"
    return str(row.pk)


def _snapshot(obj, formsets):
    rows = [model_to_dict(type(obj).objects.get(pk=obj.pk))]
    for formset in formsets:
        model = formset.model
        rows += [model_to_dict(row) for row in model.objects.filter(**{formset.fk.name: obj}).order_by("pk")]
    return rows


# a saved membership's network and person are fixed; its add form is tested below
EDITABLE = [Person, Mandate, Network, Employer, Workplace, Meeting]


@pytest.mark.parametrize("model", EDITABLE, ids=lambda m: m.__name__)
def test_no_choice_of_another_branch_is_accepted_or_named(client, office, ours, foreign, model):
    client.force_login(office)
    request = type("R", (), {"user": office})()
    obj = admin.site._registry[model].get_queryset(request).order_by("pk").first()
    url = _url(model, "change", obj.pk)
    page = client.get(url)
    form = page.context["adminform"].form
    formsets = [inline.formset for inline in page.context["inline_admin_formsets"]]
    data = _inputs(page)
    saved = client.post(url, {**data, "_continue": "1"})
    assert saved.status_code == 302, "the page as rendered must save"
    tried = []
    for key, field, extra in _choices(data, form, formsets):
        if not isinstance(field, ModelChoiceField) or in_branch(field.queryset.model, foreign.pk) is None:
            continue
        before = _snapshot(obj, formsets)
        posted = {**data, **extra, key: [_foreign_id(field.queryset.model, foreign)], "_continue": "1"}
        response = client.post(url, posted)
        body = response.content.decode()
        if not field.disabled:  # a disabled field (fixed once saved) ignores the POST instead
            assert response.status_code == 200, f"{key} accepted another branch's row"
        assert _snapshot(obj, formsets) == before, f"{key} wrote something"
        assert not [name for name in FOREIGN_NAMES if name in body], f"{key} named another branch's row"
        tried.append(key)
    assert tried, f"{model.__name__}'s change page has no choice to test"


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Membership, {"network": "ours", "person": "foreign", "joined_on": "2026-01-01"}),
        (Membership, {"network": "foreign", "person": "ours", "joined_on": "2026-01-01"}),
        (Mandate, {"person": "foreign", "workplace": "ours", "role": "tr", "elected_on": "2026-01-01"}),
    ],
)
def test_an_add_form_refuses_another_branchs_row_without_naming_it(
    client, office, ours, foreign, model, fields
):
    client.force_login(office)
    rows = {
        "ours": {
            "network": Network.objects.filter(branch=ours).first(),
            "person": Person.objects.filter(branch=ours).first(),
        },
        "foreign": {
            "network": Network.objects.get(name="Fremmed Netværk"),
            "person": Person.objects.get(name="Bent Fremmedkreds"),
        },
    }
    rows["ours"]["workplace"] = Workplace.objects.filter(employer__branch=ours).first()
    data = {name: rows[value][name].pk if value in rows else value for name, value in fields.items()}
    count = model.objects.count()
    response = client.post(_url(model, "add"), data)
    assert response.status_code == 200
    assert model.objects.count() == count
    assert not [name for name in FOREIGN_NAMES if name in response.content.decode()]


def test_autocomplete_offers_only_our_branchs_people(client, office, ours, foreign):
    client.force_login(office)
    params = {"app_label": "circles", "model_name": "attendance", "field_name": "person"}
    ours_found = client.get("/admin/autocomplete/", {**params, "term": "Karen"}).json()["results"]
    theirs_found = client.get("/admin/autocomplete/", {**params, "term": "Bent"}).json()["results"]
    assert [row["text"] for row in ours_found] == ["Karen Koordinator"]
    assert theirs_found == []


def test_the_admin_shortcut_does_not_tell_which_ids_exist(client, office, ours, foreign):
    client.force_login(office)
    theirs = Network.objects.get(name="Fremmed Netværk")
    content_type = ContentType.objects.get_for_model(Network)
    assert client.get(f"/admin/r/{content_type.pk}/{theirs.pk}/").status_code == 404
    assert client.get(f"/admin/r/{content_type.pk}/999999/").status_code == 404


def test_view_on_site_links_straight_to_the_page(client, office, ours):
    client.force_login(office)
    network = Network.objects.filter(branch=ours).first()
    page = client.get(_url(Network, "change", network.pk)).content.decode()
    assert f'href="{network.get_absolute_url()}"' in page
    assert "/admin/r/" not in page


def test_no_admin_uses_raw_id_fields():
    """Django's raw-id widget labels any posted id from the whole table: autocomplete is scoped."""
    admins = list(admin.site._registry.values())
    users = [inline for model_admin in admins for inline in model_admin.inlines]
    assert [type(a).__name__ for a in admins if a.raw_id_fields] == []
    assert [inline.__name__ for inline in users if inline.raw_id_fields] == []
