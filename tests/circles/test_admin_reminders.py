"""The office sees its branch's reminders and tunes their days; nothing of another branch."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles.models import Branch, Reminder
from circles.services import reminders
from tests import factories

pytestmark = pytest.mark.django_db

REMINDERS = reverse("admin:circles_reminder_changelist")
OVERVIEW = reverse("admin:circles_networkoverview_changelist")


def _branch_url(branch):
    return reverse("admin:circles_branch_change", args=[branch.pk])


def _reminder(branch, network=None, reason="Netværket har intet møde i dette kvartal."):
    return Reminder.objects.create(
        kind=Reminder.Kind.CADENCE,
        key=f"test:{Reminder.objects.count()}:{branch.pk}",
        branch=branch,
        network=network,
        recipient="Karen Koordinator <koordinator@example.org>",
        reason=reason,
    )


def test_the_office_lists_its_branchs_reminders_read_only(client, office, network, other_branch):
    ours = _reminder(network.branch, network)
    theirs = _reminder(other_branch, reason="Den anden kreds' påmindelse")
    client.force_login(office)
    page = client.get(REMINDERS).content.decode()
    assert ours.reason in page and theirs.reason not in page
    assert reverse("admin:circles_reminder_add") not in page
    assert client.get(reverse("admin:circles_reminder_add")).status_code == 403
    detail = client.get(reverse("admin:circles_reminder_change", args=[ours.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:circles_reminder_change", args=[theirs.pk])).status_code == 302
    assert (
        client.post(reverse("admin:circles_reminder_delete", args=[ours.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Reminder.objects.count() == 2


def test_a_coordinator_without_staff_role_cannot_see_reminders(client, coordinator):
    client.force_login(coordinator)
    assert client.get(REMINDERS).status_code == 302  # to the admin login


def test_the_overview_shows_each_networks_last_reminder_and_why(client, office, network, coordinator):
    reminders.run("cadence", today=date(2027, 4, 1))
    client.force_login(office)
    page = client.get(OVERVIEW).content.decode()
    assert "Seneste påmindelse" in page
    assert f"{network.name}: netværket har intet møde i dette kvartal" in page


def test_the_overview_is_a_fixed_number_of_queries(client, office, branch):
    def load(count):
        for _index in range(count):
            network = factories.NetworkFactory(branch=branch)
            _reminder(branch, network)
            _reminder(branch, network, reason="Senere")

    client.force_login(office)
    load(2)
    client.get(OVERVIEW)
    with CaptureQueriesContext(connection) as small:
        assert client.get(OVERVIEW).status_code == 200
    load(10)
    with CaptureQueriesContext(connection) as large:
        page = client.get(OVERVIEW).content.decode()
    assert page.count("Senere") == 12
    assert len(small) == len(large)


def _settings_post(branch, **changes):
    data = {
        "name": branch.name,
        "union": branch.union,
        "office_email": branch.office_email,
        "meeting_reminder_days": 7,
        "meeting_last_reminder_days": 1,
        "cadence_mid_quarter": "on",
        "minutes_reminder_days": 7,
        "minutes_office_days": 21,
        "returned_minutes_days": 14,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_office_edits_its_branchs_reminder_settings_and_nothing_else(client, office, branch):
    client.force_login(office)
    page = client.get(_branch_url(branch)).content.decode()
    assert "Påmindelser" in page and 'name="meeting_reminder_days"' in page and 'name="name"' not in page
    response = client.post(
        _branch_url(branch),
        _settings_post(
            branch,
            name="Omdøbt",
            office_email="fup@example.org",
            meeting_reminder_days=10,
            meeting_last_reminder_days="",
            cadence_mid_quarter=None,
        ),
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert (branch.name, branch.office_email) == (
        "Kreds Midt- og Vestjylland",
        "kontor" + branch.office_email[6:],
    )
    assert branch.meeting_reminder_days == 10
    assert branch.meeting_last_reminder_days is None and branch.cadence_mid_quarter is False


def test_bad_reminder_days_get_a_danish_message_and_nothing_is_saved(client, office, branch):
    client.force_login(office)
    response = client.post(_branch_url(branch), _settings_post(branch, meeting_reminder_days=90))
    assert response.status_code == 200
    assert "højst ligge 60 dage før" in response.content.decode()
    response = client.post(_branch_url(branch), _settings_post(branch, minutes_reminder_days="abc"))
    assert response.status_code == 200 and "Indtast et heltal" in response.content.decode()
    branch.refresh_from_db()
    assert branch.meeting_reminder_days == 7 and branch.minutes_reminder_days == 7


def test_another_branchs_settings_are_out_of_reach(client, office, other_branch):
    client.force_login(office)
    assert client.get(_branch_url(other_branch)).status_code == 302
    client.post(_branch_url(other_branch), _settings_post(other_branch, meeting_reminder_days=30))
    other_branch.refresh_from_db()
    assert other_branch.meeting_reminder_days == 7
    assert client.get(reverse("admin:circles_branch_add")).status_code == 403
    assert Branch.objects.count() == 2


def test_the_consultant_sees_but_cannot_change_the_branch(client, consultant, branch):
    client.force_login(consultant)
    page = client.get(_branch_url(branch)).content.decode()
    assert 'name="meeting_reminder_days"' not in page
    client.post(_branch_url(branch), _settings_post(branch, meeting_reminder_days=30))
    branch.refresh_from_db()
    assert branch.meeting_reminder_days == 7
