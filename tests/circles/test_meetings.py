"""Planning, invitations, answers and attendance, as the coordinator, a member and outsiders."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles.models import Attendance, Invitation, Meeting
from circles.services.meetings import AGENDA_MAX_ITEMS, MeetingDraft, meeting_plan
from netvaerk.outbox.models import OutboundEmail
from netvaerk.tokens import digest as hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def soon(days=14):
    return (timezone.localtime() + timedelta(days=days)).replace(second=0, microsecond=0)


def plan_post(*meetings):
    data = {
        "m-TOTAL_FORMS": str(len(meetings)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "12",
    }
    for index, fields in enumerate(meetings):
        when = fields.pop("when", soon())
        base = {
            "date": when.strftime("%Y-%m-%d"),
            "time": when.strftime("%H:%M"),
            "duration_minutes": "120",
            "place": "Kredskontoret",
            "online_url": "",
            "theme": "Lokal løndannelse",
            "agenda": "Nyt fra kredsen (15 min)\nTema: løn (60)\nRunde",
            "follows_group_meeting": "",
        }
        base.update(fields)
        data.update({f"m-{index}-{key}": value for key, value in base.items() if value is not None})
    return data


@pytest.fixture
def meeting(network):
    return factories.MeetingFactory(network=network, starts_at=soon())


@pytest.fixture
def past_meeting(network):
    return factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(hours=3))


# access -------------------------------------------------------------------------------------------

MANAGE_GET = ["meeting_edit", "meeting_cancel"]
MANAGE_POST = ["meeting_invite"]


@pytest.mark.parametrize("name", ["meeting_plan", "network_rules_edit"])
def test_network_pages_for_each_person(client, network, coordinator, member, outsider, other_office, name):
    url = reverse(f"circles:{name}", args=[network.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    client.force_login(member)
    assert client.get(url).status_code == 403
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", MANAGE_GET)
def test_meeting_management_pages_for_each_person(
    client, meeting, coordinator, member, outsider, other_office, name
):
    url = reverse(f"circles:{name}", args=[meeting.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_attendance_page_for_each_person(client, past_meeting, coordinator, member, outsider, other_office):
    url = reverse("circles:meeting_attendance", args=[past_meeting.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    client.force_login(member)
    assert client.post(url, {"present": [member.person.pk], "mark_held": "on"}).status_code == 403
    assert not Attendance.objects.exists()
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_meeting_detail_is_readable_by_members_not_outsiders(
    client, meeting, coordinator, member, outsider, other_office, office
):
    url = meeting.get_absolute_url()
    for reader in (coordinator, member, office):
        client.force_login(reader)
        assert client.get(url).status_code == 200
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_member_cannot_invite(client, meeting, member):
    client.force_login(member)
    assert client.post(reverse("circles:meeting_invite", args=[meeting.pk])).status_code == 403
    assert not OutboundEmail.objects.exists()


# planning -----------------------------------------------------------------------------------------


def test_coordinator_plans_four_meetings_at_once(client, network, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]),
        plan_post(*({"when": soon(30 * n)} for n in range(1, 5))),
    )
    assert response.status_code == 302
    assert network.meetings.count() == 4
    meeting = network.meetings.first()
    assert meeting.created_by == meeting.updated_by == coordinator
    assert [(item.title, item.minutes_allotted) for item in meeting.agenda.all()] == [
        ("Nyt fra kredsen", 15),
        ("Tema: løn", 60),
        ("Runde", None),
    ]
    assert meeting.created_by == coordinator


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"when": timezone.localtime() - timedelta(days=2)}, "ligger i fortiden"),
        ({"duration_minutes": "10"}, "mindst 15 minutter"),
        ({"duration_minutes": "600"}, "højst 8 timer"),
        ({"place": "", "online_url": ""}, "Angiv et mødested eller et link"),
        ({"online_url": "ikke et link med mellemrum"}, "gyldigt link"),
        ({"date": "31.02.2027"}, "gyldig dato"),
        ({"agenda": "Tema (999 min)"}, "mellem 1 og 480"),
        ({"agenda": "x" * 4001}, "højst fylde 4.000 tegn"),
        ({"agenda": "\n".join(f"Punkt {n}" for n in range(31))}, "højst have 30 punkter"),
        ({"agenda": "x" * 1_000_000}, "højst fylde 4.000 tegn"),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_is_saved(client, network, coordinator, fields, message):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]), plan_post({"when": soon(40)}, dict(fields))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.exists()  # the good first meeting is not saved either


def test_the_service_refuses_a_long_agenda_too(network, coordinator):
    from django.core.exceptions import ValidationError

    many = MeetingDraft(starts_at=soon(), place="x", agenda=[(f"Punkt {n}", None) for n in range(31)])
    long = MeetingDraft(starts_at=soon(), place="x", agenda=[("x" * 200, None)] * 21)
    for draft in (many, long):
        with pytest.raises(ValidationError):
            meeting_plan(network=network, by=coordinator, drafts=[draft])
    assert AGENDA_MAX_ITEMS == 30 and not Meeting.objects.exists()


def test_planning_next_years_meetings_lands_on_next_years_page(client, network, coordinator):
    next_year = timezone.localdate().year + 1
    dates = [
        timezone.localtime().replace(year=next_year, month=month, day=10, hour=16, minute=0)
        for month in (2, 5)
    ]
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]), plan_post(*({"when": when} for when in dates))
    )
    assert response.status_code == 302
    assert response["Location"] == f"{network.get_absolute_url()}?aar={next_year}"


def test_planning_this_years_meetings_lands_on_the_network_page(client, network, coordinator):
    client.force_login(coordinator)
    when = timezone.localtime().replace(month=12, day=30, hour=16, minute=0, second=0, microsecond=0)
    if when <= timezone.localtime():  # the last days of the year: record two held meetings instead
        meetings = [{"when": when - timedelta(days=n + 1), "record_held": "on"} for n in range(2)]
    else:
        meetings = [{"when": when}, {"when": when - timedelta(hours=1)}]
    response = client.post(reverse("circles:meeting_plan", args=[network.pk]), plan_post(*meetings))
    assert response["Location"] == network.get_absolute_url()


def test_a_time_skipped_by_summer_time_is_refused(client, network, coordinator):
    from datetime import date

    year = timezone.localdate().year + 1
    change = max(day for day in range(25, 32) if date(year, 3, day).weekday() == 6)  # last Sunday of March
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]),
        plan_post({"when": soon(), "time": "02:30", "date": f"{year}-03-{change}"}),
    )
    assert "findes ikke den dag" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_meeting_that_happened_can_be_recorded(client, network, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]),
        plan_post({"when": timezone.localtime() - timedelta(days=7), "record_held": "on"}),
    )
    assert response.status_code == 302
    assert network.meetings.get().status == Meeting.Status.HELD


def test_a_recorded_meeting_cannot_be_in_the_future(client, network, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_plan", args=[network.pk]), plan_post({"record_held": "on"})
    )
    assert "kan ikke ligge i fremtiden" in response.content.decode()
    assert not Meeting.objects.exists()


def test_empty_plan_is_refused(client, network, coordinator):
    client.force_login(coordinator)
    post = plan_post({})
    for key in list(post):
        if key.startswith("m-0-") and key != "m-0-duration_minutes":
            post[key] = ""
    response = client.post(reverse("circles:meeting_plan", args=[network.pk]), post)
    assert response.status_code == 200
    assert not Meeting.objects.exists()


# invitations --------------------------------------------------------------------------------------


def invite(client, coordinator, meeting, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("circles:meeting_invite", args=[meeting.pk]), follow=True)


def test_invite_sends_one_mail_per_member_with_a_calendar(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    factories.MembershipFactory(network=meeting.network, left_on=timezone.localdate())  # left: not invited
    response = invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert "Invitationen er sendt til 2 personer" in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [f"Karen Koordinator <{coordinator.email}>", f"Mads Medlem <{member.email}>"]
    )
    for mail in mailoutbox:
        assert len(mail.to) == 1 and not mail.cc and not mail.bcc
        (ics,) = [
            a for a in mail.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"
        ]
        assert "METHOD:REQUEST" in ics.get_payload(decode=True).decode()
        other = member.email if coordinator.email in mail.to[0] else coordinator.email
        assert other not in mail.body and other not in mail.alternatives[0][0]
    assert Invitation.objects.filter(meeting=meeting).count() == 2


def test_inviting_twice_does_not_send_twice(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    response = invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert "Alle medlemmer er allerede inviteret" in response.content.decode()
    assert len(mailoutbox) == 2
    newcomer = factories.MembershipFactory(network=meeting.network).person
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 3 and newcomer.email in mailoutbox[-1].to[0]


def test_the_facilitating_consultant_gets_the_calendar_too(
    client, meeting, coordinator, member, consultant, mailoutbox, django_capture_on_commit_callbacks
):
    consultant.first_name, consultant.last_name = "Dorthe", "Konsulent"
    consultant.save()
    meeting.network.consultant = consultant
    meeting.network.save()
    response = invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert "Invitationen er sendt til 3 personer" in response.content.decode()
    (mail,) = [m for m in mailoutbox if consultant.email in m.to[0]]
    assert mail.to == [f"Dorthe Konsulent <{consultant.email}>"] and "Hej Dorthe Konsulent" in mail.body
    (ics,) = [a for a in mail.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["attendee"]) == f"mailto:{consultant.email}"
    assert member.email not in mail.body and coordinator.email not in mail.body

    # the answer page greets the consultant; inviting again sends nothing new
    client.logout()
    client.post(answer_link(mail), {"svar": "kommer"})
    assert Invitation.objects.get(meeting=meeting, user=consultant).response == Invitation.Response.YES
    client.force_login(coordinator)
    page = client.get(reverse("circles:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Dorthe Konsulent" in page and "(konsulent)" in page
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 3

    # cancelling reaches the consultant as well
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("circles:meeting_cancel", args=[meeting.pk]))
    cancelled = [m for m in mailoutbox[3:] if consultant.email in m.to[0]]
    assert len(cancelled) == 1 and cancelled[0].subject.startswith("Aflyst")


def test_a_consultant_without_an_email_is_not_invited(
    client, meeting, coordinator, member, consultant, mailoutbox, django_capture_on_commit_callbacks
):
    consultant.email = ""
    consultant.save()
    meeting.network.consultant = consultant
    meeting.network.save()
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2 and not Invitation.objects.filter(user=consultant).exists()


def test_moving_the_meeting_sends_an_update_and_cancelling_a_cancel(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    moved = timezone.localtime(meeting.starts_at) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("circles:meeting_edit", args=[meeting.pk]),
            {
                "date": moved.strftime("%Y-%m-%d"),
                "time": moved.strftime("%H:%M"),
                "duration_minutes": "120",
                "place": meeting.place,
                "theme": "Nyt tema",
                "agenda": "",
            },
        )
    assert [m.subject.startswith("Ændret:") for m in mailoutbox] == [False, False, True, True]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("circles:meeting_cancel", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.sequence == 2
    assert [m.subject.startswith("Aflyst") for m in mailoutbox[-2:]] == [True, True]


def test_changing_only_the_theme_sends_nothing(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    local = timezone.localtime(meeting.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("circles:meeting_edit", args=[meeting.pk]),
            {
                "date": local.strftime("%Y-%m-%d"),
                "time": local.strftime("%H:%M"),
                "duration_minutes": "120",
                "place": meeting.place,
                "theme": "Kun nyt tema",
                "agenda": "",
            },
        )
    meeting.refresh_from_db()
    assert meeting.theme == "Kun nyt tema" and meeting.sequence == 0 and len(mailoutbox) == 2


# answers from the mail ----------------------------------------------------------------------------


def answer_link(mail):
    return re.search(r"http://[^/\s]+(/svar/[^/\s]+/)", mail.body).group(1)


def test_answer_link_get_changes_nothing_post_records(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    client.logout()
    mail = next(m for m in mailoutbox if member.email in m.to[0])
    link = answer_link(mail)
    page = client.get(link)
    assert page.status_code == 200 and "Jeg kommer" in page.content.decode()
    invitation = Invitation.objects.get(person=member.person)
    assert invitation.response == "" and invitation.responded_at is None
    token = link.strip("/").split("/")[-1]
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    client.post(link, {"svar": "kommer"})
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.YES
    client.post(link, {"svar": "kommer-ikke"})
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.NO


def test_unknown_or_replaced_answer_link_is_404(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    assert client.get("/svar/not-a-real-token/").status_code == 404
    assert client.post("/svar/not-a-real-token/", {"svar": "kommer"}).status_code == 404
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    old = answer_link(next(m for m in mailoutbox if member.email in m.to[0]))
    meeting.place = "Nyt sted"  # a new round replaces the link
    from circles.services.meetings import MeetingDraft, meeting_update

    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            meeting=meeting, by=coordinator, draft=MeetingDraft(starts_at=meeting.starts_at, place="Nyt sted")
        )
    assert client.get(old).status_code == 404
    assert client.get(answer_link(mailoutbox[-1])).status_code == 200


def test_answer_after_cancel_is_refused(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    link = answer_link(next(m for m in mailoutbox if member.email in m.to[0]))
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    response = client.post(link, {"svar": "kommer"}, follow=True)
    assert "aflyst" in response.content.decode()
    assert Invitation.objects.get(person=member.person).response == ""


# attendance ---------------------------------------------------------------------------------------


def test_attendance_is_prefilled_from_answers_and_marks_held(client, past_meeting, coordinator, member):
    Invitation.objects.create(meeting=past_meeting, person=member.person, token_hash="x" * 64, response="yes")
    client.force_login(coordinator)
    page = client.get(reverse("circles:meeting_attendance", args=[past_meeting.pk]))
    assert page.context["form"].initial["present"] == [member.person.pk]
    client.post(
        reverse("circles:meeting_attendance", args=[past_meeting.pk]),
        {"present": [member.person.pk, coordinator.person.pk], "mark_held": "on"},
    )
    past_meeting.refresh_from_db()
    assert past_meeting.status == Meeting.Status.HELD
    assert set(past_meeting.attendance.values_list("person_id", flat=True)) == {
        member.person.pk,
        coordinator.person.pk,
    }


def test_a_meeting_without_attendance_cannot_be_marked_held(client, past_meeting, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_attendance", args=[past_meeting.pk]), {"mark_held": "on"}, follow=True
    )
    assert "uden registreret fremmøde kan ikke markeres som afholdt" in response.content.decode()
    past_meeting.refresh_from_db()
    assert past_meeting.status == Meeting.Status.PLANNED


def test_attendance_for_a_future_meeting_is_refused(client, meeting, coordinator, member):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_attendance", args=[meeting.pk]), {"present": [member.person.pk]}, follow=True
    )
    assert "først registreres, når mødet er begyndt" in response.content.decode()
    assert not Attendance.objects.exists()


def test_strangers_cannot_be_ticked_off(client, past_meeting, coordinator, outsider):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_attendance", args=[past_meeting.pk]), {"present": [outsider.person.pk]}
    )
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_ground_rules_are_edited_by_the_coordinator(client, network, coordinator):
    client.force_login(coordinator)
    client.post(
        reverse("circles:network_rules_edit", args=[network.pk]), {"ground_rules": "Vi taler om opgaver\n"}
    )
    network.refresh_from_db()
    assert network.ground_rules == "Vi taler om opgaver"


# speed --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, row", [("meeting_detail", "list-group-item d-flex"), ("meeting_attendance", 'name="present"')]
)
def test_meeting_pages_query_count_is_the_same_at_3_and_30_invited(
    client, past_meeting, coordinator, page, row
):
    """The answers list and the attendance list do not cost a query per person."""
    network = past_meeting.network

    def add(count):
        for _ in range(count):
            person = factories.MembershipFactory(network=network).person
            factories.MandateFactory(person=person)
            Invitation.objects.create(
                meeting=past_meeting, person=person, token_hash=hash_token(str(person.pk)), response="yes"
            )

    client.force_login(coordinator)
    url = reverse(f"circles:{page}", args=[past_meeting.pk])
    add(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as large:
        content = client.get(url).content.decode()
    assert content.count(row) >= 30
    assert len(small) == len(large) <= 15, [q["sql"][:120] for q in large.captured_queries]


# answers in the app, answers that no longer hold, secret links ------------------------------------


def test_the_mail_says_how_to_answer_and_the_calendar_asks_no_reply(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    mail = next(m for m in mailoutbox if member.email in m.to[0])
    for body in (mail.body, mail.alternatives[0][0]):
        assert "Brug ikke kalenderens knapper" in body
        assert meeting.get_absolute_url() in body  # the meeting page, to answer when logged in
        assert "/svar/" in body
    (ics,) = [a for a in mail.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert str(calendar["method"]) == "REQUEST"
    attendee = calendar.walk("VEVENT")[0]["attendee"]
    assert attendee.params["RSVP"] == "FALSE"


def test_the_answer_link_is_sealed_in_the_outbox(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    mail = next(m for m in mailoutbox if member.email in m.to[0])
    token = answer_link(mail).strip("/").split("/")[-1]
    assert Invitation.objects.get(person=member.person).token_hash == hash_token(token)
    row = OutboundEmail.objects.get(to__contains=member.email)
    stored = f"{row.key} {row.subject} {row.body_text} {row.body_html} {row.attachments}"
    assert token not in stored and "/svar/" not in stored


def answer_in_app(client, meeting, choice="kommer"):
    return client.post(reverse("circles:meeting_answer", args=[meeting.pk]), {"svar": choice}, follow=True)


def test_an_invited_member_answers_on_the_meeting_page(
    client, meeting, coordinator, member, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Jeg kommer ikke" in page and reverse("circles:meeting_answer", args=[meeting.pk]) in page
    response = answer_in_app(client, meeting)
    assert "Tak, dit svar er registreret" in response.content.decode()
    assert "Du har svaret: Jeg kommer." in response.content.decode()
    assert Invitation.objects.get(person=member.person).response == Invitation.Response.YES
    answer_in_app(client, meeting, "kommer-ikke")
    assert Invitation.objects.get(person=member.person).response == Invitation.Response.NO
    # the coordinator's own invitation is untouched
    assert Invitation.objects.get(person=coordinator.person).response == Invitation.Response.NONE


def test_answering_in_the_app_for_each_person(
    client, meeting, coordinator, member, outsider, other_office, django_capture_on_commit_callbacks
):
    url = reverse("circles:meeting_answer", args=[meeting.pk])
    newcomer = factories.MembershipFactory(network=meeting.network).person  # joins after the invitations
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    newcomer.user = factories.UserFactory(username="nyt-medlem")
    newcomer.save()
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.post(url, {"svar": "kommer"}).status_code == 404
    Invitation.objects.filter(person=newcomer).delete()
    client.force_login(newcomer.user)
    assert "Jeg kommer ikke" not in client.get(meeting.get_absolute_url()).content.decode()
    response = client.post(url, {"svar": "kommer"})
    assert response.status_code == 403 and "ikke inviteret til dette møde" in response.content.decode()
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert not Invitation.objects.exclude(response="").exists()


def test_the_facilitating_consultant_answers_in_the_app(
    client, meeting, coordinator, consultant, django_capture_on_commit_callbacks
):
    meeting.network.consultant = consultant
    meeting.network.save()
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    client.force_login(consultant)
    answer_in_app(client, meeting, "kommer-ikke")
    assert Invitation.objects.get(user=consultant).response == Invitation.Response.NO


def test_answering_in_the_app_after_the_start_is_refused(
    client, meeting, coordinator, member, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    client.force_login(member)
    response = answer_in_app(client, meeting)
    assert "Mødet er begyndt" in response.content.decode()
    assert Invitation.objects.get(person=member.person).response == ""


def test_the_service_refuses_answering_someone_elses_invitation(
    client, meeting, coordinator, member, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    from circles.services.meetings import invitation_answer

    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    theirs = Invitation.objects.get(person=coordinator.person)
    with pytest.raises(ValidationError, match="din egen invitation"):
        invitation_answer(invitation=theirs, coming=False, by=member)
    assert Invitation.objects.get(pk=theirs.pk).response == ""


def edit_post(meeting, **changes):
    local = timezone.localtime(meeting.starts_at)
    data = {
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "duration_minutes": str(meeting.duration_minutes),
        "place": meeting.place,
        "theme": meeting.theme,
        "agenda": "",
    }
    data.update(changes)
    return data


def test_a_new_time_resets_the_answers_and_asks_again(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    Invitation.objects.filter(meeting=meeting).update(response="yes", responded_at=timezone.now())
    later = timezone.localtime(meeting.starts_at) + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("circles:meeting_edit", args=[meeting.pk]),
            edit_post(meeting, date=later.strftime("%Y-%m-%d")),
            follow=True,
        )
    assert "svarene til den gamle tid er nulstillet" in response.content.decode()
    assert set(Invitation.objects.values_list("response", "responded_at")) == {("", None)}
    update = next(m for m in mailoutbox[2:] if member.email in m.to[0])
    assert "svar venligst igen" in update.body
    meeting.refresh_from_db()
    assert meeting.updated_by == coordinator


def test_a_new_place_keeps_the_answers_and_says_so(
    client, meeting, coordinator, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, meeting, django_capture_on_commit_callbacks)
    Invitation.objects.filter(meeting=meeting).update(response="yes", responded_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("circles:meeting_edit", args=[meeting.pk]),
            edit_post(meeting, place="Nyt sted"),
            follow=True,
        )
    assert "svarene gælder stadig" in response.content.decode()
    assert set(Invitation.objects.values_list("response", flat=True)) == {"yes"}
    update = next(m for m in mailoutbox[2:] if member.email in m.to[0])
    assert "Dit svar gælder stadig" in update.body and "svar venligst igen" not in update.body


def test_the_attendance_page_says_prefilled_only_when_it_is(client, past_meeting, coordinator, member):
    url = reverse("circles:meeting_attendance", args=[past_meeting.pk])
    client.force_login(coordinator)
    assert "ud fra svarene" not in client.get(url).content.decode()  # nobody invited
    Invitation.objects.create(meeting=past_meeting, person=member.person, token_hash="y" * 64, response="no")
    assert "ud fra svarene" not in client.get(url).content.decode()  # nobody said yes
    Invitation.objects.filter(meeting=past_meeting).update(response="yes")
    assert "ud fra svarene" in client.get(url).content.decode()
