"""The office's meeting admin acts through the meeting services, like the coordinator's pages.

Moving a meeting raises its calendar version and mails the update, the action "Aflys møde" sends the
cancel, status is the services' to change, attendance is recorded by the service from the network's
people only, and bad input is a Danish form error, never a 500.
"""

from datetime import UTC, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles.models import AgendaItem, Attendance, Invitation, Meeting
from circles.services.meetings import meeting_invite
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:circles_meeting_changelist")
ADD = reverse("admin:circles_meeting_add")


def change_url(meeting):
    return reverse("admin:circles_meeting_change", args=[meeting.pk])


def form_data(meeting=None, *, when=None, agenda=(), attendance=(), **fields):
    """The POST of the add or change page: the meeting's fields, its agenda rows and attendance rows."""
    when = timezone.localtime(when or meeting.starts_at)
    data = {
        "starts_at_0": when.strftime("%Y-%m-%d"),
        "starts_at_1": when.strftime("%H:%M"),
        "duration_minutes": str(meeting.duration_minutes if meeting else 120),
        "place": meeting.place if meeting else "Kredskontoret",
        "online_url": meeting.online_url if meeting else "",
        "theme": meeting.theme if meeting else "",
        "follows_group_meeting": meeting.follows_group_meeting if meeting else "",
        "_save": "Gem",
    }
    existing = list(meeting.agenda.all()) if meeting else []
    rows = [{"id": item.pk, "position": item.position, "title": item.title} for item in existing]
    rows += [{"position": n, "title": title} for n, title in enumerate(agenda, start=len(rows) + 1)]
    data.update({"agenda-TOTAL_FORMS": str(len(rows)), "agenda-INITIAL_FORMS": str(len(existing))})
    for index, row in enumerate(rows):
        data.update({f"agenda-{index}-{key}": value for key, value in row.items()})
        if meeting:
            data[f"agenda-{index}-meeting"] = meeting.pk
    if meeting:
        present = list(meeting.attendance.all())
        people = [row.person_id for row in present] + list(attendance)
        data.update(
            {"attendance-TOTAL_FORMS": str(len(people)), "attendance-INITIAL_FORMS": str(len(present))}
        )
        for index, person_id in enumerate(people):
            data[f"attendance-{index}-person"] = person_id
            data[f"attendance-{index}-meeting"] = meeting.pk
            if index < len(present):
                data[f"attendance-{index}-id"] = present[index].pk
    data.update(fields)
    return data


def whole_minutes(moment):
    return moment.replace(second=0, microsecond=0)


@pytest.fixture
def invited(network, coordinator, member, django_capture_on_commit_callbacks):
    """A planned meeting three weeks ahead; the coordinator and the member are invited and said yes."""
    meeting = factories.MeetingFactory(
        network=network, starts_at=whole_minutes(timezone.now() + timedelta(days=21))
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting_invite(meeting=meeting, by=coordinator)
    Invitation.objects.filter(meeting=meeting).update(response="yes", responded_at=timezone.now())
    return meeting


@pytest.fixture
def past(network, coordinator, member):
    return factories.MeetingFactory(
        network=network, starts_at=whole_minutes(timezone.now() - timedelta(hours=3))
    )


def ics_of(row):
    calendar = Calendar.from_ical(row.attachments[0]["content"])
    return calendar, calendar.walk("VEVENT")[0]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# moving and cancelling ---------------------------------------------------------------------------


def test_moving_a_meeting_in_the_admin_sends_the_update(
    client, office, invited, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    new_start = timezone.localtime(invited.starts_at).replace(hour=9, minute=30) + timedelta(days=1)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(invited), form_data(invited, when=new_start), follow=True)
    assert response.status_code == 200
    invited.refresh_from_db()
    assert invited.sequence == 1 and invited.starts_at == new_start
    assert invited.updated_by == office
    updates = OutboundEmail.objects.filter(
        key__startswith=f"meeting-request:{invited.pk}:", key__endswith=":1"
    )
    assert sorted(row.to for row in updates) == sorted(
        [f"Karen Koordinator <{coordinator.email}>", f"Mads Medlem <{member.email}>"]
    )
    for row in updates:
        calendar, event = ics_of(row)
        assert str(calendar["method"]) == "REQUEST" and int(event["sequence"]) == 1
        assert event.decoded("dtstart").astimezone(UTC) == new_start.astimezone(UTC)
        assert row.subject.startswith("Ændret:")
    # the answers were given for the old time
    assert set(Invitation.objects.values_list("response", flat=True)) == {""}
    assert any("svarene til den gamle tid er nulstillet" in text for text in messages_of(response))
    assert len(mailoutbox) == 4  # the two invitations and the two updates, delivered


def test_changing_only_the_theme_in_the_admin_sends_nothing(client, office, invited):
    client.force_login(office)
    response = client.post(change_url(invited), form_data(invited, theme="Nyt tema"))
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.theme == "Nyt tema" and invited.sequence == 0
    assert not OutboundEmail.objects.filter(subject__startswith="Ændret").exists()


def test_status_is_read_only_in_the_admin(client, office, invited):
    client.force_login(office)
    page = client.get(change_url(invited)).content.decode()
    assert 'name="status"' not in page
    client.post(change_url(invited), form_data(invited, status="cancelled", sequence="7"))
    invited.refresh_from_db()
    assert invited.status == Meeting.Status.PLANNED and invited.sequence == 0


def test_cancelling_in_the_admin_sends_the_cancel(
    client, office, invited, past, coordinator, member, django_capture_on_commit_callbacks
):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST,
            {"action": "cancel_meetings", "_selected_action": [invited.pk]},
            follow=True,
        )
    invited.refresh_from_db()
    assert invited.status == Meeting.Status.CANCELLED and invited.sequence == 1
    assert invited.updated_by == office
    cancels = OutboundEmail.objects.filter(template="circles/meeting_cancelled")
    assert cancels.count() == 2
    for row in cancels:
        calendar, event = ics_of(row)
        assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert any("1 møde er aflyst" in text for text in messages_of(response))

    # a cancelled meeting is not cancelled twice: a Danish message, not a 500
    response = client.post(
        CHANGELIST, {"action": "cancel_meetings", "_selected_action": [invited.pk]}, follow=True
    )
    assert response.status_code == 200
    assert any("Mødet er aflyst" in text for text in messages_of(response))
    assert OutboundEmail.objects.filter(template="circles/meeting_cancelled").count() == 2


def test_an_invited_meeting_is_cancelled_not_deleted(client, office, invited, network):
    client.force_login(office)
    assert (
        client.post(reverse("admin:circles_meeting_delete", args=[invited.pk]), {"post": "yes"}).status_code
        == 403
    )
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [invited.pk], "post": "yes"}
    )
    assert Meeting.objects.filter(pk=invited.pk).exists() and response.status_code in {200, 302}
    draft = factories.MeetingFactory(network=network)  # never invited: may go
    client.post(reverse("admin:circles_meeting_delete", args=[draft.pk]), {"post": "yes"})
    assert not Meeting.objects.filter(pk=draft.pk).exists()


def test_a_held_or_cancelled_meeting_cannot_be_moved_in_the_admin(client, office, invited):
    Meeting.objects.filter(pk=invited.pk).update(status=Meeting.Status.CANCELLED)
    client.force_login(office)
    client.post(change_url(invited), form_data(invited, when=invited.starts_at + timedelta(days=3)))
    invited.refresh_from_db()
    assert invited.starts_at == Meeting.objects.get().starts_at and invited.sequence == 0
    assert not OutboundEmail.objects.filter(subject__startswith="Ændret").exists()


def test_moving_a_meeting_into_the_past_is_a_form_error(client, office, invited):
    client.force_login(office)
    response = client.post(change_url(invited), form_data(invited, when=timezone.now() - timedelta(days=2)))
    assert response.status_code == 200
    assert "ligger i fortiden" in response.content.decode()
    assert Meeting.objects.get().sequence == 0


# adding ------------------------------------------------------------------------------------------


def test_adding_a_meeting_in_the_admin_plans_it(client, office, network):
    client.force_login(office)
    when = timezone.now() + timedelta(days=30)
    response = client.post(ADD, form_data(when=when, network=network.pk, agenda=["Velkomst", "Runde"]))
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.created_by == meeting.updated_by == office
    assert meeting.status == Meeting.Status.PLANNED
    assert [item.title for item in meeting.agenda.all()] == ["Velkomst", "Runde"]


def test_the_office_records_a_held_meeting(client, office, network):
    client.force_login(office)
    data = form_data(when=timezone.now() - timedelta(days=3), network=network.pk, record_held="on")
    assert client.post(ADD, data).status_code == 302
    assert Meeting.objects.get().status == Meeting.Status.HELD


def test_another_branchs_network_cannot_get_a_meeting(client, office, other_branch):
    theirs = factories.NetworkFactory(branch=other_branch)
    client.force_login(office)
    response = client.post(ADD, form_data(when=timezone.now() + timedelta(days=30), network=theirs.pk))
    assert response.status_code == 200 and not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("day", "time"),
    [("0001-01-01", "00:30"), ("1999-12-31", "23:30"), ("2100-01-01", "00:30"), ("9999-12-31", "23:59")],
)
def test_a_meeting_outside_2000_2099_is_a_form_error_in_the_admin(
    client, office, network, invited, day, time
):
    client.force_login(office)
    when = {"starts_at_0": day, "starts_at_1": time}
    added = client.post(ADD, {**form_data(invited, network=network.pk), **when, "agenda-TOTAL_FORMS": "0"})
    assert added.status_code == 200 and "mellem år 2000 og 2099" in added.content.decode()
    assert Meeting.objects.count() == 1
    changed = client.post(change_url(invited), {**form_data(invited), **when})
    assert changed.status_code == 200 and "mellem år 2000 og 2099" in changed.content.decode()
    invited.refresh_from_db()
    assert invited.sequence == 0 and 2000 <= invited.starts_at.year <= 2099


def test_a_long_agenda_is_refused_in_the_admin(client, office, invited):
    client.force_login(office)
    response = client.post(change_url(invited), form_data(invited, agenda=[f"Punkt {n}" for n in range(31)]))
    assert response.status_code == 200
    assert "højst have 30 punkter" in response.content.decode()
    assert not AgendaItem.objects.exists()
    response = client.post(change_url(invited), form_data(invited, agenda=["x" * 200] * 21))
    assert "højst fylde 4.000 tegn" in response.content.decode()
    assert not AgendaItem.objects.exists()


# attendance --------------------------------------------------------------------------------------


def test_attendance_in_the_admin_is_recorded_by_the_service(client, office, past, member):
    client.force_login(office)
    response = client.post(change_url(past), form_data(past, attendance=[member.person.pk]))
    assert response.status_code == 302
    assert list(Attendance.objects.values_list("person_id", flat=True)) == [member.person.pk]
    past.refresh_from_db()
    assert past.updated_by == office


def test_the_attendance_inline_offers_only_the_networks_people(client, office, past, member, coordinator):
    stranger = factories.PersonFactory(branch=past.network.branch, name="Sofie Udenfor Netværket")
    client.force_login(office)
    page = client.get(change_url(past)).content.decode()
    assert member.person.name in page and coordinator.person.name in page
    assert stranger.name not in page
    response = client.post(change_url(past), form_data(past, attendance=[stranger.pk]))
    assert response.status_code == 200 and not Attendance.objects.exists()


def test_another_branchs_person_in_the_attendance_inline_is_refused(
    client, office, past, member, other_branch
):
    theirs = factories.PersonFactory(branch=other_branch, name="Bent Fremmedkreds")
    client.force_login(office)
    moved = timezone.localtime(past.starts_at) - timedelta(hours=1)
    data = form_data(past, when=moved, attendance=[member.person.pk, theirs.pk], theme="Ændret tema")
    response = client.post(change_url(past), data)
    assert response.status_code == 200
    assert "Bent Fremmedkreds" not in response.content.decode()
    assert not Attendance.objects.exists()
    past.refresh_from_db()
    assert past.theme != "Ændret tema" and past.starts_at != moved


def test_attendance_for_a_coming_meeting_is_a_form_error(client, office, invited, member):
    client.force_login(office)
    response = client.post(change_url(invited), form_data(invited, attendance=[member.person.pk]))
    assert response.status_code == 200
    assert "først registreres, når mødet er begyndt" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_service_refusal_while_saving_is_a_message_and_nothing_is_written(
    client, office, invited, monkeypatch
):
    """A meeting cancelled between opening and saving the page: the service says no, all is rolled back."""
    from django.core.exceptions import ValidationError

    from circles.services import meetings as services

    def refuse(**kwargs):
        raise ValidationError("Mødet er aflyst.")

    monkeypatch.setattr(services, "meeting_update", refuse)
    client.force_login(office)
    data = form_data(invited, place="Nyt sted", agenda=["Velkomst"])
    response = client.post(change_url(invited), data, follow=True)
    assert response.status_code == 200
    assert "Mødet er aflyst." in messages_of(response)
    invited.refresh_from_db()
    assert invited.place != "Nyt sted" and not AgendaItem.objects.exists()
