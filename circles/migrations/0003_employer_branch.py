"""Employers belong to a branch: each existing one goes to the branch that uses it.

The data step runs in its own migration: PostgreSQL refuses to ALTER a table with pending trigger
events in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models


def give_employers_a_branch(apps, schema_editor):
    """Each employer goes to the branch that uses it. One used by several branches is copied per branch
    (with the workplaces that branch's mandates point at), so no branch edits another's row."""
    Branch = apps.get_model("circles", "Branch")
    Employer = apps.get_model("circles", "Employer")
    Workplace = apps.get_model("circles", "Workplace")
    Network = apps.get_model("circles", "Network")
    Mandate = apps.get_model("circles", "Mandate")
    first_branch = Branch.objects.order_by("pk").first()
    for employer in Employer.objects.order_by("pk"):
        users = set(Network.objects.filter(employer=employer).values_list("branch_id", flat=True))
        users |= set(
            Mandate.objects.filter(workplace__employer=employer).values_list("person__branch_id", flat=True)
        )
        if not users:
            if first_branch is None:
                raise RuntimeError("Create a branch before migrating: employers must belong to one.")
            users = {first_branch.pk}
        owner, *others = sorted(users)
        employer.branch_id = owner
        employer.save(update_fields=["branch"])
        for branch_id in others:
            copy = Employer.objects.create(branch_id=branch_id, kind=employer.kind, name=employer.name)
            Network.objects.filter(employer=employer, branch_id=branch_id).update(employer=copy)
            for workplace in Workplace.objects.filter(
                employer=employer, mandates__person__branch_id=branch_id
            ).distinct():
                twin = Workplace.objects.create(
                    employer=copy,
                    name=workplace.name,
                    work_area=workplace.work_area,
                    municipality=workplace.municipality,
                )
                Mandate.objects.filter(workplace=workplace, person__branch_id=branch_id).update(workplace=twin)


class Migration(migrations.Migration):

    dependencies = [
        ('circles', '0002_invitation_for_consultant'),
    ]

    operations = [
        migrations.AddField(
            model_name='employer',
            name='branch',
            field=models.ForeignKey(help_text='Den kreds, der vedligeholder arbejdsgiveren og dens arbejdspladser.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='employers', to='circles.branch', verbose_name='kreds'),
        ),
        migrations.AlterField(
            model_name='employer',
            name='name',
            field=models.CharField(max_length=120, verbose_name='navn'),
        ),
        migrations.RunPython(give_employers_a_branch, migrations.RunPython.noop),
    ]
