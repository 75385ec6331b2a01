"""Odd values in an admin address or form get a Danish answer, never a 500.

Every registered changelist is asked with each of its filters set to values the database cannot hold
(integers past 64 bits, a year whose next year does not exist), and every autocomplete field is posted
with values that are no id. The test client re-raises a server error, so a 500 fails the test.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse

from circles.models import Meeting
from netvaerk.admin import SafeChangelist
from tests import factories
from tests.circles.test_admin_scoping import _inputs

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
HUGE = ["99999999999999999999", "-99999999999999999999", "9223372036854775808"]
NOT_AN_ID = ["abc", "1.0", "99999999999999999999"]
MESSAGE = "Filteret i adressen kunne ikke bruges"


def _url(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.fixture
def superuser(client, network, coordinator):
    factories.MeetingFactory(network=network)
    user = factories.UserFactory(is_staff=True, is_superuser=True, branch=network.branch)
    client.force_login(user)
    return user


def _filter_parameters(client, model):
    changelist = client.get(_url(model, "changelist")).context["cl"]
    names = {"id"}
    for spec in changelist.filter_specs:
        names.update(spec.expected_parameters())
    return sorted(names)


def _assert_answered(client, url, params):
    response = client.get(url, params)
    assert response.status_code in (200, 302), (params, response.status_code)
    if response.status_code == 302:
        assert response.url.endswith("?e=1"), response.url
        shown = client.get(response.url)
        assert shown.status_code == 200
        assert MESSAGE in shown.content.decode(), params
    return response.status_code


@pytest.mark.postgres
@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_a_filter_value_past_the_columns_range_is_refused_in_danish(client, superuser, model):
    url = _url(model, "changelist")
    refused = 0
    for name in _filter_parameters(client, model):
        for value in HUGE:
            refused += _assert_answered(client, url, {name: value}) == 302
    if isinstance(admin.site._registry[model], SafeChangelist):
        assert refused, "at least the id filter is refused"


def _date_hierarchy_cases(model_admin):
    field = model_admin.date_hierarchy
    if not field:
        return []
    refused, shown = 302, 200
    return [
        ({f"{field}__year": "9999"}, refused),
        ({f"{field}__year": "10000"}, refused),
        ({f"{field}__year": "0"}, refused),
        ({f"{field}__year": "99999999999999999999"}, refused),
        ({f"{field}__year": "²"}, refused),
        ({f"{field}__year": "2026", f"{field}__month": "13"}, refused),
        ({f"{field}__year": "2026", f"{field}__month": "2", f"{field}__day": "31"}, refused),
        # the last month and day whose next one still exists
        ({f"{field}__year": "9998", f"{field}__month": "12"}, shown),
        ({f"{field}__year": "9998", f"{field}__month": "12", f"{field}__day": "31"}, shown),
    ]


HIERARCHIES = [
    (model, params, status)
    for model, model_admin in REGISTERED
    for params, status in _date_hierarchy_cases(model_admin)
]


@pytest.mark.parametrize(("model", "params", "status"), HIERARCHIES)
def test_a_date_filter_past_the_calendar_is_refused_in_danish(client, superuser, model, params, status):
    assert _assert_answered(client, _url(model, "changelist"), params) == status


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_ordinary_filters_still_work(client, superuser, model):
    url = _url(model, "changelist")
    assert client.get(url, {"id": "1"}).status_code == 200
    model_admin = admin.site._registry[model]
    if model_admin.date_hierarchy:
        assert client.get(url, {f"{model_admin.date_hierarchy}__year": "2026"}).status_code == 200


def _autocomplete_fields(page):
    """Posted names of the add page's autocomplete fields: in the form and in a new inline row."""
    names = [
        page.context["adminform"].form.add_prefix(name)
        for name, field in page.context["adminform"].form.fields.items()
        if isinstance(getattr(field.widget, "widget", field.widget), AutocompleteSelect)
    ]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.empty_form.fields.items():
            if isinstance(getattr(field.widget, "widget", field.widget), AutocompleteSelect):
                names.append(f"{formset.prefix}-0-{name}")
    return names


_ANYONE = type("R", (), {"user": type("U", (), {"is_active": True, "has_perm": lambda *args: True})()})()
ADDABLE = [
    model
    for model, model_admin in REGISTERED
    if (model_admin.autocomplete_fields or model_admin.inlines) and model_admin.has_add_permission(_ANYONE)
]


@pytest.mark.parametrize("model", ADDABLE, ids=lambda m: m._meta.label)
@pytest.mark.parametrize("value", NOT_AN_ID)
def test_an_autocomplete_field_posted_with_no_id_is_an_invalid_choice(client, superuser, model, value):
    page = client.get(_url(model, "add"))
    data = _inputs(page)
    names = _autocomplete_fields(page)
    assert names, f"{model.__name__} has no autocomplete field to try"
    for formset in (inline.formset for inline in page.context["inline_admin_formsets"]):
        data[f"{formset.prefix}-TOTAL_FORMS"] = ["1"]
    count = model.objects.count()
    response = client.post(_url(model, "add"), {**data, **dict.fromkeys(names, value)})
    assert response.status_code == 200
    assert model.objects.count() == count


def test_a_filter_that_fails_twice_gets_a_danish_page(client, superuser):
    response = client.get(_url(Meeting, "changelist"), {"e": "1", "starts_at__year": "9999"})
    assert response.status_code == 200
    assert "Filteret i adressen kunne ikke bruges" in response.content.decode()
