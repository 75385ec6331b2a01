"""The office's review queue and network overview in the admin."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
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
    assert set(everything.context["cl"].result_list) == {waiting}  # a draft is the coordinator's own


def test_office_reads_and_approves_one(
    client, office, network, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):  # its mails go out now, not with the approval's
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


# one rule for who reads minutes --------------------------------------------------------------------


def test_the_office_cannot_read_a_draft_in_the_admin(client, office, network, coordinator):
    meeting = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=2))
    minutes = services.minutes_for(meeting)
    services.minutes_save(
        meeting=meeting, by=coordinator, text="Hemmelig kladde", confidential=False, revision=minutes.revision
    )
    client.force_login(office)
    for status in ("draft", "alle"):
        listed = client.get(QUEUE + f"?status={status}").context["cl"].result_list
        assert minutes not in listed
    response = client.get(reverse("admin:circles_minutes_change", args=[minutes.pk]), follow=True)
    assert "Hemmelig kladde" not in response.content.decode()
    assert response.redirect_chain and response.redirect_chain[0][1] == 302


def test_the_office_reviews_the_submitted_version_not_the_working_copy(client, office, network, coordinator):
    minutes = submitted_minutes(network, coordinator, text="Første udgave")
    services.minutes_return(minutes_id=minutes.pk, by=office, comment="Mangler dato")
    pdf = SimpleUploadedFile("kladde.pdf", b"%PDF-1.4\n%%EOF\n")
    minutes.refresh_from_db()
    services.minutes_save(
        meeting=minutes.meeting,
        by=coordinator,
        text="Halvfærdig rettelse",
        confidential=False,
        upload=pdf,
        revision=minutes.revision,
    )
    client.force_login(office)
    page = client.get(reverse("admin:circles_minutes_change", args=[minutes.pk])).content.decode()
    assert "Første udgave" in page and "Version 1, som den blev indsendt" in page
    assert "Halvfærdig rettelse" not in page and "kladde.pdf" not in page


# the review page reads as Danish and names people -------------------------------------------------


def resubmitted_minutes(network, coordinator, office):
    minutes = submitted_minutes(network, coordinator)
    services.minutes_return(minutes_id=minutes.pk, by=office, comment="Mangler dato")
    minutes.refresh_from_db()
    services.minutes_save(
        meeting=minutes.meeting, by=coordinator, text="Rettet", confidential=False, revision=minutes.revision
    )
    return services.minutes_submit(meeting=minutes.meeting, by=coordinator)


def review_page(client, user, minutes):
    client.force_login(user)
    return client.get(reverse("admin:circles_minutes_change", args=[minutes.pk]))


def test_the_review_page_is_titled_with_the_network_and_the_date(client, office, network, coordinator):
    minutes = submitted_minutes(network, coordinator)
    date = timezone.localtime(minutes.meeting.starts_at).strftime("%d.%m.%Y")
    response = review_page(client, office, minutes)
    assert response.context["title"] == f"Referat: {network.name}, {date}"
    page = response.content.decode()
    assert f"<h1>Referat: {network.name}, {date}</h1>" in page
    assert 'name="_approve"' in page and 'name="_save"' not in page  # deciding is the only action


def test_people_are_shown_by_name_not_username(client, office, network, coordinator):
    minutes = resubmitted_minutes(network, coordinator, office)
    page = review_page(client, office, minutes).content.decode()
    assert "Karen Koordinator" in page and ">koordinator<" not in page
    queue = client.get(QUEUE).content.decode()
    assert "Karen Koordinator" in queue and ">koordinator<" not in queue


def test_every_label_on_the_review_page_is_danish(client, office, network, coordinator):
    minutes = resubmitted_minutes(network, coordinator, office)
    page = review_page(client, office, minutes).content.decode()
    labels = {text.strip().rstrip(":").lower() for text in re.findall(r"<(?:th|label)[^>]*>([^<]+)<", page)}
    assert {"indsendt af", "behandlet af", "version", "afgørelse", "kommentar ved retur", "fil"} <= labels
    english = {
        "submitted by",
        "created by",
        "decided by",
        "return comment",
        "attachment",
        "number",
        "decision",
    }
    assert not labels & english


def test_resubmitted_minutes_show_no_old_return_comment(client, office, network, coordinator):
    minutes = resubmitted_minutes(network, coordinator, office)
    assert minutes.return_comment == ""
    page = review_page(client, office, minutes).content.decode()
    assert page.count("Mangler dato") == 1  # only in version 1's history
    assert minutes.versions.get(number=1).return_comment == "Mangler dato"


def test_a_return_comment_is_bounded(client, office, network, coordinator):
    minutes = submitted_minutes(network, coordinator)
    client.force_login(office)
    response = client.post(
        reverse("admin:circles_minutes_change", args=[minutes.pk]),
        {"_return": "1", "comment": "x" * 2001},
        follow=True,
    )
    assert "Kommentaren er for lang (højst 2.000 tegn)" in response.content.decode()
    bulk = client.post(
        QUEUE, {"action": "send_back", "_selected_action": [minutes.pk], "comment": "x" * 2001}
    )
    assert "Kommentaren er for lang" in bulk.content.decode()
    with pytest.raises(ValidationError, match="for lang"):
        services.minutes_return(minutes_id=minutes.pk, by=office, comment="x" * 2001)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED and minutes.return_comment == ""
