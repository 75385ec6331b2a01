"""Garbage at every form: a Danish answer, never a 500, and nothing written."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from circles.models import Invitation, Meeting
from tests import factories

pytestmark = pytest.mark.django_db

GARBAGE = [
    {},
    {
        "date": "i morgen",
        "time": "25:99",
        "duration_minutes": "to timer",
        "online_url": "javascript:alert(1)",
    },
    {"m-TOTAL_FORMS": "x", "m-INITIAL_FORMS": "-1"},
    {"m-TOTAL_FORMS": "5000", "m-INITIAL_FORMS": "0"},
    {"present": ["abc", "999999"], "mark_held": "ja"},
    {"text": "x" * 100_001, "revision": "not-a-number", "confidential": "maybe"},
    {"svar": "måske"},
    {"ground_rules": "x" * 5000},
]


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("circles").get_models()}


@pytest.fixture
def endpoints(network, coordinator):
    past = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(hours=2))
    coming = factories.MeetingFactory(network=network)
    Invitation.objects.create(meeting=coming, person=coordinator.person, token_hash="z" * 64)
    return [
        reverse("circles:meeting_plan", args=[network.pk]),
        reverse("circles:network_rules_edit", args=[network.pk]),
        reverse("circles:meeting_edit", args=[coming.pk]),
        reverse("circles:meeting_cancel", args=[past.pk]),
        reverse("circles:meeting_attendance", args=[past.pk]),
        reverse("circles:minutes_edit", args=[past.pk]),
        reverse("circles:minutes_submit", args=[past.pk]),
        reverse("circles:meeting_invite", args=[past.pk]),
        reverse("circles:meeting_answer", args=[coming.pk]),
        "/svar/ugyldigt-token/",
    ]


@pytest.mark.parametrize("payload", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_500s_and_writes_nothing(client, coordinator, member, endpoints, payload):
    client.force_login(coordinator)
    before = row_counts()
    for url in endpoints:
        response = client.post(url, payload)
        assert response.status_code < 500, url
        if response.status_code == 200:
            assert '<html lang="da">' in response.content.decode()
    after = row_counts()
    # the minutes endpoints may create the (empty) draft they edit; nothing else may change
    assert {k: v for k, v in after.items() if k != "circles.Minutes"} == {
        k: v for k, v in before.items() if k != "circles.Minutes"
    }
    assert Meeting.objects.filter(status=Meeting.Status.PLANNED).count() == 1
    assert not Invitation.objects.exclude(response="").exists()


# meeting dates outside 2000–2099 ----------------------------------------------------------------

FAR_DATES = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"]


def meeting_fields(day, **extra):
    return {
        "date": day,
        "time": "00:30",
        "duration_minutes": "120",
        "place": "Kredskontoret",
        "theme": "",
        "agenda": "",
        "follows_group_meeting": "",
        **extra,
    }


@pytest.mark.parametrize("day", FAR_DATES)
def test_planning_a_meeting_outside_2000_2099_is_refused_in_danish(client, network, coordinator, day):
    client.force_login(coordinator)
    post = {"m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0", "m-MIN_NUM_FORMS": "1", "m-MAX_NUM_FORMS": "12"}
    post.update({f"m-0-{key}": value for key, value in meeting_fields(day, record_held="").items()})
    for held in ("", "on"):
        post["m-0-record_held"] = held
        response = client.post(reverse("circles:meeting_plan", args=[network.pk]), post)
        assert response.status_code == 200
        assert "mellem år 2000 og 2099" in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("day", FAR_DATES)
def test_moving_a_meeting_outside_2000_2099_is_refused_in_danish(client, network, coordinator, day):
    meeting = factories.MeetingFactory(network=network)
    client.force_login(coordinator)
    response = client.post(reverse("circles:meeting_edit", args=[meeting.pk]), meeting_fields(day))
    assert response.status_code == 200
    assert "mellem år 2000 og 2099" in response.content.decode()
    assert Meeting.objects.get().starts_at == meeting.starts_at


@pytest.mark.parametrize("year", [1, 1999, 2100, 9999])
def test_the_service_refuses_a_meeting_outside_2000_2099(network, coordinator, year):
    from datetime import datetime

    from django.core.exceptions import ValidationError

    from circles.services.meetings import MeetingDraft, meeting_plan

    draft = MeetingDraft(
        starts_at=datetime(year, 6, 1, 12, 0, tzinfo=timezone.get_current_timezone()), place="x"
    )
    with pytest.raises(ValidationError, match="mellem år 2000 og 2099"):
        meeting_plan(
            network=network,
            by=coordinator,
            drafts=[draft],
        )
    assert not Meeting.objects.exists()
