"""Employers and workplaces belong to one branch: another branch's office cannot see or touch them."""

import pytest
from django.urls import reverse

from circles.models import Employer, Workplace
from tests import factories

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:circles_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def their_employer(other_branch):
    employer = factories.EmployerFactory(branch=other_branch, name="Aarhus Kommune", kind="municipality")
    factories.WorkplaceFactory(employer=employer, name="Bostedet Fjordbakken")
    return employer


def test_one_branchs_office_cannot_rename_another_branchs_employer(client, office, their_employer):
    client.force_login(office)
    response = client.post(
        _url(Employer, "change", their_employer.pk),
        {"branch": office.branch_id, "kind": "municipality", "name": "Omdøbt af en anden kreds"},
    )
    assert response.status_code == 302 and response.url == reverse("admin:index")
    their_employer.refresh_from_db()
    assert (their_employer.name, their_employer.branch_id) == ("Aarhus Kommune", their_employer.branch_id)


def test_another_branchs_employer_and_workplace_are_not_found(client, office, their_employer):
    client.force_login(office)
    workplace = their_employer.workplaces.get()
    for model, obj in [(Employer, their_employer), (Workplace, workplace)]:
        assert their_employer.name not in client.get(_url(model, "changelist")).content.decode()
        assert client.get(_url(model, "change", obj.pk)).status_code == 302
        assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 302
    assert Employer.objects.filter(pk=their_employer.pk).exists()
    assert Workplace.objects.filter(pk=workplace.pk).exists()


def test_the_office_adds_an_employer_to_its_own_branch_whatever_the_post_says(client, office, other_branch):
    client.force_login(office)
    page = client.get(_url(Employer, "add")).content.decode()
    assert other_branch.name not in page
    response = client.post(
        _url(Employer, "add"), {"branch": other_branch.pk, "kind": "region", "name": "Region Midtjylland"}
    )
    assert response.status_code == 302
    assert Employer.objects.get(name="Region Midtjylland").branch_id == office.branch_id


def test_two_branches_may_each_have_an_employer_of_the_same_name(client, office, their_employer):
    client.force_login(office)
    response = client.post(_url(Employer, "add"), {"kind": "municipality", "name": "Aarhus Kommune"})
    assert response.status_code == 302
    assert Employer.objects.filter(name="Aarhus Kommune").count() == 2


def test_a_second_employer_of_the_same_name_in_one_branch_gets_a_danish_answer(client, office):
    factories.EmployerFactory(branch=office.branch, name="Viborg Kommune")
    client.force_login(office)
    response = client.post(_url(Employer, "add"), {"kind": "municipality", "name": "Viborg Kommune"})
    assert response.status_code == 200
    assert "Kredsen har allerede en arbejdsgiver med det navn." in response.content.decode()
    assert Employer.objects.filter(name="Viborg Kommune").count() == 1


def test_a_workplace_can_only_belong_to_our_branchs_employers(client, office, their_employer):
    client.force_login(office)
    ours = factories.EmployerFactory(branch=office.branch, name="Viborg Kommune")
    data = {"name": "Bostedet Søndergade", "work_area": "housing", "municipality": "Viborg"}
    refused = client.post(_url(Workplace, "add"), {**data, "employer": their_employer.pk})
    assert refused.status_code == 200
    assert their_employer.name not in refused.content.decode()
    assert not Workplace.objects.filter(name="Bostedet Søndergade").exists()
    assert client.post(_url(Workplace, "add"), {**data, "employer": ours.pk}).status_code == 302
    assert Workplace.objects.get(name="Bostedet Søndergade").employer == ours


def test_a_superuser_sees_and_chooses_every_branch(client, branch, other_branch, their_employer):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert their_employer.name in client.get(_url(Employer, "changelist")).content.decode()
    response = client.post(
        _url(Employer, "add"), {"branch": branch.pk, "kind": "region", "name": "Region Nordjylland"}
    )
    assert response.status_code == 302
    assert Employer.objects.get(name="Region Nordjylland").branch == branch
