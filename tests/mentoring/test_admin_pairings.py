"""The office's view of the pairs in the admin: scoped to the branch, sessions and hours, feedback
read-only, ending through ``pairing_end``, and the evaluation export (CSV and XLSX read back)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mentoring.models import Feedback, Session
from mentoring.services.pairings import pairing_end, session_log
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring.factories import MentorFactory
from tests.mentoring.pairing_kit import programme_in, reload, start_pairing

pytestmark = pytest.mark.django_db
LIST = reverse("admin:mentoring_pairing_changelist")
EXPORT = reverse("admin:mentoring_pairing_evaluation")


class DanishExcel(csv.Dialect):
    delimiter = ";"
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


def change_url(pairing):
    return reverse("admin:mentoring_pairing_change", args=[pairing.pk])


@pytest.fixture
def pairing(branch):
    pairing = start_pairing(branch, today=timezone.localdate() - timedelta(days=90))
    for days_ago, minutes in ((60, 90), (30, 105)):
        session_log(
            pairing=pairing,
            by=pairing.mentee.user,
            held_on=timezone.localdate() - timedelta(days=days_ago),
            duration_minutes=minutes,
            mode="online",
            themes=["annual_plan"],
            topics='=HYPERLINK("http://example.org")',
        )
    return pairing


def test_the_office_sees_its_pairs_with_sessions_hours_and_feedback_count(
    client, office, pairing, other_branch
):
    their_mentor = MentorFactory(person__branch=other_branch, person__user=factories.UserFactory()).person
    elsewhere = start_pairing(other_branch, mentor=their_mentor, mentee_name="Ole Andenkreds")
    Feedback.objects.create(pairing=pairing, party="mentor", rating=4)
    client.force_login(office)
    response = client.get(LIST)
    assert list(response.context["cl"].result_list) == [pairing]
    row = response.content.decode()
    assert "Mette Mentor" in row and ">2<" in row and "3,25" in row and "1/2" in row
    assert "Ole Andenkreds" not in row
    assert client.get(change_url(elsewhere)).status_code in (302, 404)


def test_the_change_page_shows_sessions_and_feedback_read_only(client, office, pairing):
    Feedback.objects.create(pairing=pairing, party="mentee", rating=5, useful="Gode samtaler om årshjulet")
    client.force_login(office)
    page = client.get(change_url(pairing)).content.decode()
    assert "Gode samtaler om årshjulet" in page and "Årshjulet" in page
    assert 'name="feedback-0-rating"' not in page and 'name="sessions-0-held_on"' not in page


def test_the_office_ends_a_pairing_through_the_service(client, office, pairing):
    client.force_login(office)
    assert "Afslut forløbet" in client.get(change_url(pairing)).content.decode()
    response = client.post(change_url(pairing), {"_end": "1", "reason": "Mentor er fratrådt"}, follow=True)
    assert "Forløbet er afsluttet" in response.content.decode()
    pairing = reload(pairing)
    assert (pairing.status, pairing.ended_by, pairing.end_reason) == (
        "ended_early",
        "office",
        "Mentor er fratrådt",
    )
    assert OutboundEmail.objects.filter(template="mentoring/pairing_ended").count() == 2
    assert OutboundEmail.objects.filter(template="mentoring/pairing_feedback").count() == 2
    again = client.post(change_url(pairing), {"_end": "1"}, follow=True)
    assert "allerede afsluttet" in again.content.decode()
    assert OutboundEmail.objects.filter(template="mentoring/pairing_ended").count() == 2


def test_a_bad_reason_in_the_admin_changes_nothing(client, office, pairing):
    client.force_login(office)
    response = client.post(change_url(pairing), {"_end": "1", "reason": "x" * 2001}, follow=True)
    assert "højst fylde 2000 tegn" in response.content.decode()
    assert reload(pairing).status == "active"


def test_the_consultant_reads_pairs_but_neither_ends_them_nor_reads_feedback(client, consultant, pairing):
    Feedback.objects.create(pairing=pairing, party="mentee", rating=5, useful="Hemmeligt svar")
    client.force_login(consultant)
    assert list(client.get(LIST).context["cl"].result_list) == [pairing]
    page = client.get(change_url(pairing)).content.decode()
    assert "Hemmeligt svar" not in page and 'name="_end"' not in page
    assert client.post(change_url(pairing), {"_end": "1"}).status_code == 403
    assert reload(pairing).status == "active"


def export(client, pairing, fmt):
    return client.get(EXPORT, {"programme": pairing.programme_id, "format": fmt})


def with_feedback(pairing):
    pairing_end(pairing=pairing, party="mentee")
    Feedback.objects.create(
        pairing=pairing, party="mentor", rating=4, useful="Godt", improve="Mere tid", recommend=True
    )
    Feedback.objects.create(pairing=pairing, party="mentee", rating=5, useful="=1+1", recommend=None)


def test_the_csv_opens_in_a_danish_excel(client, office, pairing):
    with_feedback(pairing)
    client.force_login(office)
    response = export(client, pairing, "csv")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.csv"')
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), dialect=DanishExcel))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["Mentor"] == "Mette Mentor" and record["Ny TR"] == "Nikolaj Ny"
    assert record["Status"] == "Afsluttet før tid" and record["Afsluttet af"] == "Ny TR"
    assert record["Samtaler"] == "2" and record["Timer"] == "3,25"
    assert record["Mentor: vurdering (1-5)"] == "4" and record["Mentor: hvad kan gøres bedre"] == "Mere tid"
    assert (
        record["Mentor: anbefaler ordningen"] == "Ja" and record["Ny TR: anbefaler ordningen"] == "Ved ikke"
    )
    assert record["Ny TR: hvad var godt"] == "'=1+1"  # never a formula
    assert record["Startet"] == pairing.started_on.strftime("%d.%m.%Y")


def test_the_xlsx_has_pairs_sessions_and_feedback(client, office, pairing):
    with_feedback(pairing)
    client.force_login(office)
    response = export(client, pairing, "xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Par", "Samtaler", "Evalueringer"]
    pairs = list(book["Par"].iter_rows(values_only=True))
    assert pairs[0][0] == "Evaluering: Mentorordning for nye TR"
    record = dict(zip(pairs[1], pairs[2], strict=True))
    assert record["Samtaler"] == 2 and float(record["Timer"]) == 3.25
    assert record["Startet"].date() == pairing.started_on
    sessions = list(book["Samtaler"].iter_rows(values_only=True))
    assert len(sessions) == 3 and sessions[1][3] == 90 and sessions[1][5] == "Årshjulet"
    assert all(not str(row[6]).startswith("=") for row in sessions[1:])
    answers = list(book["Evalueringer"].iter_rows(values_only=True))
    assert sorted(row[3] for row in answers[1:]) == [4, 5]
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_the_export_offers_only_the_branchs_programmes(client, office, other_office, pairing):
    client.force_login(other_office)
    response = export(client, pairing, "csv")
    assert response.status_code == 200 and "Vælg en af kredsens mentorordninger" in response.content.decode()
    assert "Mentorordning for nye TR" not in response.content.decode()
    client.force_login(office)
    assert "Mentorordning for nye TR" in client.get(EXPORT).content.decode()
    assert "Vælg XLSX eller CSV" in export(client, pairing, "pdf").content.decode()


def test_the_admin_list_queries_do_not_grow(client, office, branch):
    def add_pairs(count):
        programme = programme_in(branch, name=f"Ordning {count}")
        mentor = MentorFactory(person__branch=branch, capacity=5, person__user=factories.UserFactory()).person
        for number in range(count):
            pairing = start_pairing(
                branch, programme=programme, mentor=mentor, mentee_name=f"Ny{count}x{number} TR"
            )
            Session.objects.create(
                pairing=pairing, held_on=pairing.started_on, duration_minutes=60, mode="phone"
            )
            Feedback.objects.create(pairing=pairing, party="mentor", rating=3)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    client.force_login(office)
    add_pairs(2)
    small = count_queries()
    add_pairs(12)
    assert count_queries() == small
