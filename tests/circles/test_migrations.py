"""Migration 0003 gives every existing employer the branch that uses it, copying a shared one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("circles", "0002_invitation_for_consultant")]
AFTER = [("circles", "0004_hardening")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_employers_get_the_branch_that_uses_them():
    old = _migrate(BEFORE)
    Branch, Employer, Workplace = (old.get_model("circles", n) for n in ("Branch", "Employer", "Workplace"))
    Person, Mandate, Network = (old.get_model("circles", n) for n in ("Person", "Mandate", "Network"))
    west = Branch.objects.create(name="Vest", union="SL", office_email="vest@example.org")
    east = Branch.objects.create(name="Øst", union="SL", office_email="oest@example.org")
    viborg = Employer.objects.create(kind="municipality", name="Viborg Kommune")
    region = Employer.objects.create(kind="region", name="Region Midtjylland")
    unused = Employer.objects.create(kind="private", name="Privat A/S")
    hedebo = Workplace.objects.create(
        employer=viborg, name="Hedebo", work_area="housing", municipality="Viborg"
    )
    ward = Workplace.objects.create(
        employer=region, name="Afsnit 4", work_area="psychiatry", municipality="Holstebro"
    )
    anna = Person.objects.create(branch=west, name="Anna", email="a@example.org", member_number="1")
    bo = Person.objects.create(branch=east, name="Bo", email="b@example.org", member_number="2")
    Mandate.objects.create(person=anna, role="tr", workplace=hedebo, elected_on="2024-01-01")
    Mandate.objects.create(person=anna, role="tr", workplace=ward, elected_on="2024-01-01")
    Mandate.objects.create(person=bo, role="tr", workplace=ward, elected_on="2024-01-01")
    Network.objects.create(branch=east, kind="tr", name="Region øst", employer=region, minimum_meetings=4)

    try:
        new = _migrate(AFTER)
        Employer = new.get_model("circles", "Employer")
        Mandate = new.get_model("circles", "Mandate")
        Network = new.get_model("circles", "Network")
        assert Employer.objects.get(name="Viborg Kommune").branch_id == west.pk
        assert Employer.objects.get(name="Privat A/S", pk=unused.pk).branch_id == west.pk  # the first branch
        regions = {e.branch_id: e for e in Employer.objects.filter(name="Region Midtjylland")}
        assert set(regions) == {west.pk, east.pk}
        # every mandate and network now points at an employer of its own branch
        for mandate in Mandate.objects.select_related("person", "workplace__employer"):
            assert mandate.workplace.employer.branch_id == mandate.person.branch_id
        assert Network.objects.get(name="Region øst").employer_id == regions[east.pk].pk
    finally:
        _migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
