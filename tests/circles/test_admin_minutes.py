"""The office's review queue and network overview in the admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Meeting, Minutes
from circles.services import minutes as services
from tests import factories

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:circles_minutes_changelist")
OVERVIEW = reverse("admin:circles_networkoverview_changelist")


def submitted_minutes(network, by, text="Referat", days_ago=3):
    meeting = factories.MeetingFactory(
        network=network, starts_at=timezone.now() - timedelta(days=days_ago), status=Meeting.Status.HELD
    )
    minutes = services.minutes_for(meeting)
    services.minutes_save(meeting=meeting, by=by, text=text, confidential=False, revision=minutes.revision)
    return services.minutes_submit(meeting=meeting, by=by)


def test_queue_opens_on_submitted_minutes(client, office, network, coordinator):
    waiting = submitted_minutes(network, coordinator)
    draft = services.minutes_for(
        factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=9))
    )
    client.force_login(office)
    response = client.get(QUEUE, follow=True)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [waiting] and draft not in shown
    everything = client.get(QUEUE + "?status=alle")
    assert set(everything.context["cl"].result_list) == {waiting, draft}


def test_office_reads_and_approves_one(
    client, office, network, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    minutes = submitted_minutes(network, coordinator, text="**Aftale:** vi mødes igen i marts")
    client.force_login(office)
    page = client.get(reverse("admin:circles_minutes_change", args=[minutes.pk])).content.decode()
    assert "<strong>Aftale:</strong>" in page and "Godkend referatet" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:circles_minutes_change", args=[minutes.pk]), {"_approve": "1"})
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and minutes.decided_by == office and minutes.decided_at
    assert mailoutbox[-1].subject.endswith("er godkendt")


def test_return_needs_a_comment(client, office, network, coordinator):
    minutes = submitted_minutes(network, coordinator)
    client.force_login(office)
    response = client.post(
        reverse("admin:circles_minutes_change", args=[minutes.pk]),
        {"_return": "1", "comment": ""},
        follow=True,
    )
    assert "Skriv en kommentar" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED
    client.post(
        reverse("admin:circles_minutes_change", args=[minutes.pk]),
        {"_return": "1", "comment": "Mangler dato"},
    )
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.RETURNED and minutes.return_comment == "Mangler dato"


def test_bulk_approve(client, office, network, coordinator):
    batch = [submitted_minutes(network, coordinator, days_ago=n) for n in (2, 3, 4)]
    client.force_login(office)
    response = client.post(
        QUEUE + "?status=submitted",
        {"action": "approve", "_selected_action": [m.pk for m in batch]},
        follow=True,
    )
    assert "3 referater er godkendt" in response.content.decode()
    assert set(Minutes.objects.values_list("status", flat=True)) == {"approved"}


def test_bulk_return_asks_for_a_comment_first(client, office, network, coordinator):
    batch = [submitted_minutes(network, coordinator, days_ago=n) for n in (2, 3)]
    client.force_login(office)
    data = {"action": "send_back", "_selected_action": [m.pk for m in batch]}
    page = client.post(QUEUE, data)
    assert page.status_code == 200 and "Kommentar til koordinatoren" in page.content.decode()
    empty = client.post(QUEUE, {**data, "comment": ""})
    assert "Skriv en kommentar" in empty.content.decode()
    assert set(Minutes.objects.values_list("status", flat=True)) == {"submitted"}
    client.post(QUEUE, {**data, "comment": "Brug skabelonen"})
    assert set(Minutes.objects.values_list("status", flat=True)) == {"returned"}


def test_office_of_another_branch_sees_no_minutes_of_ours(client, other_office, network, coordinator):
    minutes = submitted_minutes(network, coordinator)
    client.force_login(other_office)
    assert list(client.get(QUEUE, follow=True).context["cl"].result_list) == []
    assert client.get(reverse("admin:circles_minutes_change", args=[minutes.pk])).status_code == 302
    assert (
        client.post(reverse("admin:circles_minutes_change", args=[minutes.pk]), {"_approve": "1"}).status_code
        == 302
    )
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED


def test_queue_query_count_is_the_same_at_10_and_100(client, office, network, coordinator):
    client.force_login(office)
    for n in range(10):
        submitted_minutes(network, coordinator, days_ago=n + 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE + "?status=submitted").status_code == 200
    for n in range(90):
        submitted_minutes(network, coordinator, days_ago=n + 20)
    with CaptureQueriesContext(connection) as large:
        response = client.get(QUEUE + "?status=submitted")
    assert response.context["cl"].result_count == 100
    assert len(small) == len(large) <= 15, [q["sql"][:100] for q in large.captured_queries]


def test_overview_shows_behind_networks(client, office, network, coordinator, branch):
    on_target = factories.NetworkFactory(branch=branch, name="Netværk i mål", minimum_meetings=1)
    this_year = timezone.now().replace(month=1, day=15)
    factories.MeetingFactory(network=on_target, starts_at=this_year, status=Meeting.Status.HELD)
    factories.MeetingFactory(network=network, starts_at=this_year, status=Meeting.Status.HELD)
    client.force_login(office)
    rows = {n.name: n for n in client.get(OVERVIEW).context["cl"].result_list}
    assert (
        rows[network.name].held_count,
        rows[network.name].minimum_meetings,
        rows[network.name].behind,
    ) == (1, 4, True)
    assert rows["Netværk i mål"].behind is False
    assert rows[network.name].outstanding == 1  # a held meeting without approved minutes
    behind = [n.name for n in client.get(OVERVIEW + "?bagud=ja").context["cl"].result_list]
    assert behind == [network.name]


def test_overview_query_count_does_not_grow(client, office, branch):
    client.force_login(office)

    def add(count):
        for _ in range(count):
            net = factories.NetworkFactory(branch=branch)
            factories.MeetingFactory(
                network=net, status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=1)
            )

    add(5)
    with CaptureQueriesContext(connection) as small:
        client.get(OVERVIEW)
    add(45)
    with CaptureQueriesContext(connection) as large:
        client.get(OVERVIEW)
    assert len(small) == len(large)


def test_overview_is_the_branch_only(client, other_office, network):
    client.force_login(other_office)
    assert network.name not in client.get(OVERVIEW).content.decode()
