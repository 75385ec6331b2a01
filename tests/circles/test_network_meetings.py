"""All of a network's meetings and minutes through the years, filtered (django-filter)."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Invitation, Meeting, Minutes
from circles.services.meetings import hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 17, tzinfo=timezone.get_current_timezone())


def held(network, when, minutes_status=None):
    meeting = factories.MeetingFactory(network=network, starts_at=when, status=Meeting.Status.HELD)
    if minutes_status:
        extra = {"submitted_at": when} if minutes_status != Minutes.Status.DRAFT else {}
        if minutes_status in (Minutes.Status.APPROVED, Minutes.Status.RETURNED):
            extra["decided_at"] = when
        Minutes.objects.create(meeting=meeting, text="Referat", status=minutes_status, **extra)
    return meeting


def url(network, **query):
    return reverse("circles:network_meetings", args=[network.pk]), query


def rows(response):
    return response.content.decode().count("list-group-item-action")


def test_coordinator_and_member_see_every_year_newest_first(client, network, coordinator, member):
    old = held(network, at(2024, 3, 5), Minutes.Status.APPROVED)
    new = held(network, at(2025, 9, 1))
    for user in (coordinator, member):
        client.force_login(user)
        content = client.get(reverse("circles:network_meetings", args=[network.pk])).content.decode()
        assert content.index("1. september 2025") < content.index("5. marts 2024")
        assert "Referat: godkendt" in content
        assert old.get_absolute_url() in content and new.get_absolute_url() in content


def test_outsider_and_other_office_get_404(client, network, outsider, other_office):
    held(network, at(2025, 1, 10))
    for user in (outsider, other_office):
        client.force_login(user)
        assert client.get(reverse("circles:network_meetings", args=[network.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, network):
    response = client.get(reverse("circles:network_meetings", args=[network.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"aar": "2024"}, {"2024-approved", "2024-none"}),
        ({"aar": "2025", "referat": "mangler"}, {"2025-draft", "2025-returned"}),
        ({"referat": "indsendt"}, {"2025-submitted"}),
        ({"referat": "godkendt"}, {"2024-approved"}),
        ({"status": "cancelled"}, {"2025-cancelled"}),
        ({"referat": "mangler"}, {"2024-none", "2025-draft", "2025-returned"}),
    ],
)
def test_filters(client, network, coordinator, query, expected):
    meetings = {
        "2024-approved": held(network, at(2024, 2, 1), Minutes.Status.APPROVED),
        "2024-none": held(network, at(2024, 5, 1)),
        "2025-draft": held(network, at(2025, 2, 1), Minutes.Status.DRAFT),
        "2025-returned": held(network, at(2025, 3, 1), Minutes.Status.RETURNED),
        "2025-submitted": held(network, at(2025, 4, 1), Minutes.Status.SUBMITTED),
        "2025-cancelled": factories.MeetingFactory(
            network=network, starts_at=at(2025, 5, 1), status=Meeting.Status.CANCELLED
        ),
    }
    client.force_login(coordinator)
    content = client.get(reverse("circles:network_meetings", args=[network.pk]), query).content.decode()
    shown = {name for name, meeting in meetings.items() if meeting.get_absolute_url() in content}
    assert shown == expected


def test_a_year_without_meetings_is_refused_in_danish_and_the_rest_still_filters(
    client, network, coordinator
):
    held(network, at(2025, 2, 1), Minutes.Status.APPROVED)
    held(network, at(2025, 3, 1))
    client.force_login(coordinator)
    response = client.get(
        reverse("circles:network_meetings", args=[network.pk]),
        {"aar": "1800", "referat": "godkendt", "side": "x"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Marker en gyldig valgmulighed. 1800 er ikke en af de tilgængelige valgmuligheder." in content
    assert rows(response) == 1


def test_pages_of_25_keep_the_filter(client, network, coordinator):
    for day in range(1, 31):
        held(network, at(2025, 1, day))
    held(network, at(2024, 1, 1))
    client.force_login(coordinator)
    first = client.get(reverse("circles:network_meetings", args=[network.pk]), {"aar": "2025"})
    assert rows(first) == 25 and "aar=2025&amp;side=2" in first.content.decode()
    second = client.get(reverse("circles:network_meetings", args=[network.pk]), {"aar": "2025", "side": "2"})
    assert rows(second) == 5 and "Side 2 af 2" in second.content.decode()


def test_query_count_is_the_same_at_10_and_100_meetings(client, network, coordinator, member):
    def add(count):
        for index in range(count):
            meeting = held(
                network, at(2020 + index % 6, 1 + index % 12, 1 + index % 27), Minutes.Status.APPROVED
            )
            Invitation.objects.create(
                meeting=meeting, person=member.person, token_hash=hash_token(str(meeting.pk)), response="yes"
            )

    client.force_login(coordinator)
    add(10)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("circles:network_meetings", args=[network.pk])).status_code == 200
    add(90)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("circles:network_meetings", args=[network.pk]))
    assert rows(response) == 25
    assert len(small) == len(large) <= 15, [q["sql"][:120] for q in large.captured_queries]
