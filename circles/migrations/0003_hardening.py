"""Employers belong to a branch; networks keep their coordinator rule; meetings stay in a sane window;
free text is bounded."""

import datetime
import django.db.models.deletion
from django.conf import settings
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
        migrations.RunPython(give_employers_a_branch, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='employer',
            name='branch',
            field=models.ForeignKey(help_text='Den kreds, der vedligeholder arbejdsgiveren og dens arbejdspladser.', on_delete=django.db.models.deletion.PROTECT, related_name='employers', to='circles.branch', verbose_name='kreds'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='senest ændret af'),
        ),
        migrations.AddField(
            model_name='network',
            name='coordinator_elected',
            field=models.BooleanField(default=False, help_text='Sæt kryds, hvis netværket har valgt en anden koordinator end sin FTR. Ellers er netværkets FTR koordinator.', verbose_name='koordinator valgt af netværket'),
        ),
        migrations.AlterField(
            model_name='employer',
            name='name',
            field=models.CharField(max_length=120, verbose_name='navn'),
        ),
        migrations.AlterField(
            model_name='meeting',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='oprettet af'),
        ),
        migrations.AlterField(
            model_name='minutes',
            name='return_comment',
            field=models.TextField(blank=True, max_length=2000, verbose_name='kommentar ved retur'),
        ),
        migrations.AlterField(
            model_name='minutes',
            name='text',
            field=models.TextField(blank=True, max_length=100000, verbose_name='referat'),
        ),
        migrations.AlterField(
            model_name='minutesversion',
            name='return_comment',
            field=models.TextField(blank=True, max_length=2000, verbose_name='kommentar ved retur'),
        ),
        migrations.AlterField(
            model_name='minutesversion',
            name='text',
            field=models.TextField(blank=True, max_length=100000, verbose_name='referat'),
        ),
        migrations.AlterField(
            model_name='network',
            name='ground_rules',
            field=models.TextField(blank=True, max_length=4000, verbose_name='leveregler'),
        ),
        migrations.AddConstraint(
            model_name='employer',
            constraint=models.UniqueConstraint(fields=('branch', 'name'), name='employer_name_unique_per_branch', violation_error_message='Kredsen har allerede en arbejdsgiver med det navn.'),
        ),
        migrations.AddConstraint(
            model_name='meeting',
            constraint=models.CheckConstraint(condition=models.Q(('starts_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('starts_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='meeting_starts_in_window', violation_error_message='Et møde skal ligge mellem år 2000 og 2099.'),
        ),
    ]
