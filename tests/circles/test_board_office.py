"""The TR networks' points for the board (seed 000 §2), the office's side: all points across the
branch's networks, filtered by topic and period, marked taken up / answered with a reply that goes
back to the coordinator, and exported for the board meeting."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from circles.models import BoardPoint, BoardTopic, Branch, Minutes
from circles.roles import OFFICE
from circles.services import voice as services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
LIST = reverse("admin:circles_boardpoint_changelist")
EXPORT = reverse("admin:circles_boardpoint_export")


def change_page(point):
    return reverse("admin:circles_boardpoint_change", args=[point.pk])


def topic(branch, name):
    services.ensure_board_topics(branch)
    return BoardTopic.objects.get(branch=branch, name=name)


def minutes_of(network, when, status=Minutes.Status.SUBMITTED):
    meeting = factories.MeetingFactory(network=network, starts_at=when)
    sent = status != Minutes.Status.DRAFT
    decided = status in (Minutes.Status.APPROVED, Minutes.Status.RETURNED)
    return Minutes.objects.create(
        meeting=meeting,
        text="Referat",
        status=status,
        submitted_at=when if sent else None,
        decided_at=when if decided else None,
    )


def point(minutes, topic, title, text="Tekst"):
    return BoardPoint.objects.create(
        minutes=minutes, network=minutes.meeting.network, topic=topic, title=title, text=text
    )


@pytest.fixture
def skive(branch):
    """A second TR network in the branch, with its own coordinator."""
    network = factories.NetworkFactory(branch=branch, name="TR-netværk Skive Kommune")
    person = factories.PersonFactory(
        branch=branch,
        name="Sofie Skive",
        email="sofie@example.org",
        user=factories.UserFactory(username="sofie"),
    )
    factories.MembershipFactory(network=network, person=person)
    network.coordinator = person
    network.save()
    return network


@pytest.fixture
def points(branch, network, coordinator, skive, other_branch):
    education, meetings = topic(branch, "Uddannelse"), topic(branch, "Mødeaktivitet")
    march = minutes_of(network, datetime(2026, 3, 5, 16, 0, tzinfo=CPH))
    september = minutes_of(skive, datetime(2026, 9, 10, 16, 0, tzinfo=CPH), status=Minutes.Status.APPROVED)
    draft = minutes_of(network, datetime(2026, 10, 1, 16, 0, tzinfo=CPH), status=Minutes.Status.DRAFT)
    returned = minutes_of(skive, datetime(2026, 10, 8, 16, 0, tzinfo=CPH), status=Minutes.Status.RETURNED)
    other_network = factories.NetworkFactory(branch=other_branch, name="TR-netværk Aarhus")
    other = minutes_of(other_network, datetime(2026, 3, 5, 16, 0, tzinfo=CPH))
    return {
        "viborg": point(march, education, "Flere pladser på TR-grunduddannelsen"),
        "skive": point(
            september, meetings, "Møder på Skive & Viborg 'skiftevis'", text="Lang tekst\nmed to linjer"
        ),
        "draft": point(draft, education, "Kladde: endnu ikke sendt"),
        "returned": point(returned, education, "Returneret: rettes"),
        "other": point(other, topic(other_branch, "Uddannelse"), "Aarhus' hemmelige punkt"),
    }


def titles(response):
    return {p.title for p in response.context["cl"].result_list}


def test_office_sees_the_sent_points_of_all_its_networks(client, office, points):
    client.force_login(office)
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == {points["viborg"].title, points["skive"].title}
    html = response.content.decode()
    assert "Kladde: endnu ikke sendt" not in html and "Aarhus" not in html and "Returneret" not in html


def test_export_has_both_networks_points_parsed_back(client, office, points):
    client.force_login(office)
    response = client.get(EXPORT)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Netværk", "Mødedato", "Emne", "Overskrift", "Tekst", "Status", "Svar", "Besvaret")
    body = {row[3]: row for row in rows[1:]}
    assert set(body) == {points["viborg"].title, points["skive"].title}
    viborg = body[points["viborg"].title]
    assert viborg[0] == "TR-netværk Viborg Kommune" and viborg[2] == "Uddannelse" and viborg[5] == "Ny"
    assert viborg[1].date() == date(2026, 3, 5)  # a real date cell, not text
    skive = body[points["skive"].title]
    assert skive[0] == "TR-netværk Skive Kommune" and skive[4] == "Lang tekst\nmed to linjer"


def test_export_follows_the_lists_filters(client, office, points, branch):
    client.force_login(office)
    education = topic(branch, "Uddannelse")
    response = client.get(f"{EXPORT}?topic__id__exact={education.pk}")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    assert [row[3] for row in rows] == [points["viborg"].title]


def test_export_action_exports_the_selected(client, office, points):
    client.force_login(office)
    response = client.post(
        LIST, {"action": "export_selected", "_selected_action": [points["skive"].pk, points["other"].pk]}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    assert [row[3] for row in rows] == [points["skive"].title]  # another branch's id is not exported


def test_filter_by_topic_lists_only_the_branchs_topics(client, office, points, branch, other_branch):
    client.force_login(office)
    meetings = topic(branch, "Mødeaktivitet")
    response = client.get(f"{LIST}?topic__id__exact={meetings.pk}")
    assert titles(response) == {points["skive"].title}
    choices = [
        choice
        for spec in response.context["cl"].filter_specs
        for choice in getattr(spec, "lookup_choices", [])
    ]
    other_topic = topic(other_branch, "Uddannelse")
    assert (other_topic.pk, "Uddannelse") not in choices and (meetings.pk, "Mødeaktivitet") in choices
    assert "TR-netværk Aarhus" not in response.content.decode()


def test_filter_by_network_and_status(client, office, points, skive):
    client.force_login(office)
    assert titles(client.get(f"{LIST}?network__id__exact={skive.pk}")) == {points["skive"].title}
    services.point_mark(point=points["viborg"], status="taken_up", reply="", by=office)
    assert titles(client.get(f"{LIST}?status__exact=taken_up")) == {points["viborg"].title}


def test_filter_by_period(client, office, points):
    client.force_login(office)
    field = "minutes__meeting__starts_at"
    march = client.get(f"{LIST}?{field}__year=2026&{field}__month=3")
    assert titles(march) == {points["viborg"].title}
    autumn = client.get(f"{LIST}?{field}__gte=2026-07-01T00:00%2B02:00&{field}__lt=2027-01-01T00:00%2B01:00")
    assert titles(autumn) == {points["skive"].title}
    bad = client.get(f"{LIST}?{field}__year=99999", follow=True)
    assert bad.status_code == 200  # a period the database cannot hold is refused with a message


def test_office_answers_and_the_reply_reaches_the_coordinator(client, office, points, coordinator, network):
    client.force_login(office)
    viborg = points["viborg"]
    form = client.get(change_page(viborg))
    assert form.status_code == 200 and viborg.title in form.content.decode()
    reply = "Bestyrelsen har sat 4 ekstra pladser af & beder jer melde 'navne' ind"
    response = client.post(change_page(viborg), {"status": "answered", "reply": reply})
    assert response.status_code == 302
    viborg.refresh_from_db()
    assert viborg.status == BoardPoint.Status.ANSWERED and viborg.reply == reply
    assert viborg.replied_by == office and viborg.replied_at
    mail = OutboundEmail.objects.get(template="circles/board_reply")
    assert coordinator.person.email in mail.to and viborg.title in mail.subject
    assert reply in mail.body_text and "&amp;" not in mail.body_text and "&#x27;" not in mail.body_text
    assert reverse("circles:minutes_detail", args=[viborg.minutes.meeting_id]) in mail.body_text
    # the coordinator reads the reply on the network page
    client.force_login(coordinator)
    page = client.get(network.get_absolute_url()).content.decode()
    assert "Bestyrelsen har sat 4 ekstra pladser af &amp; beder jer" in page


def test_marking_the_same_twice_mails_once(office, points):
    services.point_mark(point=points["viborg"], status="taken_up", reply="", by=office)
    services.point_mark(point=points["viborg"], status="taken_up", reply="", by=office)
    assert OutboundEmail.objects.filter(template="circles/board_reply").count() == 1
    services.point_mark(point=points["viborg"], status="answered", reply="Svar", by=office)
    services.point_mark(point=points["viborg"], status="answered", reply="Svar", by=office)
    services.point_mark(point=points["viborg"], status="answered", reply="Rettet svar", by=office)
    assert OutboundEmail.objects.filter(template="circles/board_reply").count() == 3
    with pytest.raises(ValidationError):  # an answered point is never set back
        services.point_mark(point=points["viborg"], status="taken_up", reply="", by=office)


def test_taken_up_by_action(client, office, points):
    client.force_login(office)
    client.post(
        LIST, {"action": "mark_taken_up", "_selected_action": [points["viborg"].pk, points["other"].pk]}
    )
    points["viborg"].refresh_from_db()
    points["other"].refresh_from_db()
    assert points["viborg"].status == BoardPoint.Status.TAKEN_UP
    assert points["other"].status == BoardPoint.Status.NEW  # another branch's id in the POST is ignored
    mail = OutboundEmail.objects.get(template="circles/board_reply")
    assert "taget" in mail.subject


@pytest.mark.parametrize(
    "data",
    [
        {"status": "answered", "reply": ""},
        {"status": "answered", "reply": "   "},
        {"status": "answered", "reply": "x" * 2001},
        {"status": "new", "reply": "Svar"},
        {"status": "done", "reply": "Svar"},
        {"reply": "Svar"},
    ],
)
def test_bad_marks_are_refused_and_change_nothing(client, office, points, data):
    client.force_login(office)
    response = client.post(change_page(points["viborg"]), data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    points["viborg"].refresh_from_db()
    assert points["viborg"].status == BoardPoint.Status.NEW and points["viborg"].reply == ""
    assert not OutboundEmail.objects.exists()


def test_the_service_refuses_what_the_form_would(office, points, other_office):
    with pytest.raises(ValidationError):
        services.point_mark(point=points["viborg"], status="answered", reply="Sv\x00ar", by=office)
    with pytest.raises(ValidationError):  # the draft's point has not reached the office
        services.point_mark(point=points["draft"], status="taken_up", reply="", by=office)
    with pytest.raises(PermissionDenied):
        services.point_mark(point=points["viborg"], status="taken_up", reply="", by=other_office)
    assert not BoardPoint.objects.exclude(status=BoardPoint.Status.NEW).exists()


def test_a_coordinator_never_sees_another_networks_points(
    client, points, coordinator, skive, consultant, other_office
):
    secret = points["skive"]
    # the admin: a coordinator has no way in, the branch's consultant is refused, another office gets 404
    client.force_login(coordinator)
    for url in (LIST, change_page(secret), EXPORT):
        response = client.get(url)
        assert response.status_code in (302, 403, 404) and secret.title not in response.content.decode()
    client.force_login(consultant)
    assert client.get(LIST).status_code == 403 and client.get(change_page(secret)).status_code == 403
    assert client.get(EXPORT).status_code == 403
    client.force_login(other_office)
    assert client.get(change_page(secret)).status_code in (302, 404)
    assert titles(client.get(LIST)) == {points["other"].title}
    # the front end: Skive's network, minutes and supervision pages are not Karen's to see
    client.force_login(coordinator)
    for url in (
        skive.get_absolute_url(),
        reverse("circles:minutes_detail", args=[secret.minutes.meeting_id]),
        reverse("circles:supervision", args=[skive.pk]),
    ):
        assert client.get(url).status_code == 404
    own = client.get(points["viborg"].network.get_absolute_url()).content.decode()
    assert points["viborg"].title in own and "Skive &amp; Viborg" not in own
    assert "Skive & Viborg" not in client.get(reverse("home")).content.decode()


def test_members_do_not_see_the_points_on_the_network_page(client, points, member, network):
    client.force_login(member)
    assert points["viborg"].title not in client.get(network.get_absolute_url()).content.decode()


def test_point_list_query_count_does_not_grow(client, office, branch, network, skive):
    education = topic(branch, "Uddannelse")

    def add(count):
        for index in range(count):
            minutes = minutes_of(
                network if index % 2 else skive,
                datetime(2026, 1 + index % 12, 1 + index % 27, 16, tzinfo=CPH),
            )
            point(minutes, education, f"Punkt {index}")

    client.force_login(office)
    add(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    add(45)
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST)
    assert len(response.context["cl"].result_list) == 50
    assert len(small) == len(large) <= 15, [query["sql"][:120] for query in large.captured_queries]


def test_topics_the_office_keeps(client, office, branch, other_branch):
    client.force_login(office)
    listed = client.get(reverse("admin:circles_boardtopic_changelist"))
    assert {t.name for t in listed.context["cl"].result_list} == {
        "Uddannelse",
        "Mødeaktivitet",
        "Arbejdsvilkår",
        "Andet",
    }  # every branch starts with the seed's topics, and sees only its own
    response = client.post(
        reverse("admin:circles_boardtopic_add"),
        {"branch": other_branch.pk, "name": "Løn", "position": 5, "active": "on"},
    )
    assert response.status_code == 302
    assert BoardTopic.objects.get(name="Løn").branch == branch  # saved as the office's own branch
    assert "Løn" not in [t.name for t in services.board_topics(other_branch)]


def test_a_new_branch_saved_in_the_admin_gets_the_default_topics(client, admin_user):
    Group.objects.get(name=OFFICE)  # the roles exist
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:circles_branch_add"),
        {
            "name": "Kreds Nord",
            "union": "Socialpædagogerne",
            "office_email": "nord@example.org",
            "meeting_reminder_days": 7,
            "meeting_last_reminder_days": 1,
            "cadence_mid_quarter": "on",
            "minutes_reminder_days": 7,
            "minutes_office_days": 21,
            "returned_minutes_days": 14,
            "leave_letter": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    nord = Branch.objects.get(name="Kreds Nord")
    assert list(BoardTopic.objects.filter(branch=nord).values_list("name", flat=True)) == [
        "Uddannelse",
        "Mødeaktivitet",
        "Arbejdsvilkår",
        "Andet",
    ]


def test_the_office_edits_the_letter_and_the_managers(client, office, branch):
    client.force_login(office)
    page = client.get(reverse("admin:circles_branch_change", args=[branch.pk])).content.decode()
    assert 'name="leave_letter"' in page
    workplace = factories.WorkplaceFactory(employer__branch=branch)
    page = client.get(reverse("admin:circles_workplace_change", args=[workplace.pk])).content.decode()
    assert 'name="manager_email"' in page and 'name="manager_name"' in page


def test_points_for_office_are_the_sent_points_of_the_branch(points, branch, other_branch):
    assert set(services.points_for_office(branch)) == {points["viborg"], points["skive"]}
    assert set(services.points_for_office(other_branch)) == {points["other"]}
