"""Employer.branch required and names unique per branch; the coordinator rule; meetings in a sane window;
bounded free text."""

import datetime
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('circles', '0003_employer_branch'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
