"""The pairing's start and its end by either party (issue 10, "The pairing")."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from mentoring.models import Feedback, Pairing, PairingLink
from mentoring.services.pairings import add_months, pairing_end
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from tests.mentoring.pairing_kit import link_in, mail_to, mails, reload, start_pairing, token_of

pytestmark = pytest.mark.django_db

START = date(2027, 1, 31)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 3, 15), 12) == date(2028, 3, 15)
    assert add_months(date(2027, 12, 1), 1) == date(2028, 1, 1)
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)


def test_start_runs_the_programmes_term_with_an_end_link_for_each_party(branch):
    pairing = start_pairing(branch, today=START)
    assert (pairing.status, pairing.started_on, pairing.ends_on) == ("active", START, date(2028, 1, 31))
    links = PairingLink.objects.filter(pairing=pairing, purpose="end")
    assert sorted(links.values_list("party", flat=True)) == ["mentee", "mentor"]
    assert all(link.used_at is None and link.expires_at is not None for link in links)


def test_the_new_tr_is_told_to_make_the_first_contact_and_gets_the_mentors_details(branch):
    pairing = start_pairing(branch, today=START)
    row = mail_to("nikolaj@example.org", "mentoring/pairing_started_mentee")
    text = row.body_text
    assert "Det er dig, der tager den første kontakt" in text
    mentor = pairing.mentor
    workplace = mentor.mandates.get().workplace
    for detail in (mentor.name, mentor.email, "20 30 40 50", workplace.name, workplace.employer.name):
        assert detail in text
    # the frame: the period as dates, the frequency, the contact
    assert "31. januar 2028" in text and "Kirsten Konsulent, mentor@kreds.example.org" in text
    assert "&amp;" not in text and "&#x27;" not in text and "&quot;" not in text


def test_the_mentor_gets_the_new_trs_details_and_both_get_their_own_end_link(branch):
    pairing = start_pairing(branch, today=START)
    mentor_mail = mail_to("mette@example.org", "mentoring/pairing_started_mentor")
    mentee_mail = mail_to("nikolaj@example.org", "mentoring/pairing_started_mentee")
    assert pairing.mentee.email in mentor_mail.body_text and "60 70 80 90" in mentor_mail.body_text
    parties = {}
    for party, row in (("mentor", mentor_mail), ("mentee", mentee_mail)):
        link = link_in(row, "end_url")
        assert link.startswith("/mentor/afslut/")
        parties[party] = PairingLink.objects.get(token_hash=tokens.digest(token_of(link))).party
    assert parties == {"mentor": "mentor", "mentee": "mentee"}


def test_no_raw_token_is_stored_in_any_table(branch):
    start_pairing(branch, today=START)
    raw = [
        token_of(link_in(row, "end_url")) for row in mails(template__startswith="mentoring/pairing_started")
    ]
    assert len(raw) == 2
    with connection.cursor() as cursor:
        for table in ("mentoring_pairinglink", "outbox_outboundemail"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = repr(cursor.fetchall())
            assert not any(token in dump for token in raw), table


@pytest.mark.parametrize("party", ["mentor", "mentee"])
def test_either_party_ends_the_pairing_and_the_other_the_office_and_the_contact_are_told(branch, party):
    pairing = start_pairing(branch, today=START)
    with time_machine.travel("2027-05-02 10:00 +02:00", tick=False):
        pairing_end(pairing=pairing, party=party, reason="Vi passede ikke sammen")
    pairing = reload(pairing)
    assert (pairing.status, pairing.ended_by, pairing.ended_on) == ("ended_early", party, date(2027, 5, 2))
    assert pairing.end_reason == "Vi passede ikke sammen"
    ender, other = (pairing.mentor, pairing.mentee) if party == "mentor" else (pairing.mentee, pairing.mentor)
    told = mail_to(other.email, "mentoring/pairing_ended")
    assert f"{ender.name} har afsluttet jeres mentorforløb" in told.body_text
    assert not OutboundEmail.objects.filter(to__contains=ender.email, template="mentoring/pairing_ended")
    office = mail_to(branch.office_email, "mentoring/pairing_ended_office")
    contact = mail_to("mentor@kreds.example.org", "mentoring/pairing_ended_office")
    assert f"/admin/mentoring/pairing/{pairing.pk}/change/" in office.body_text
    # the reason is for the office's eyes in the admin, not in any mail
    for row in mails():
        assert "passede ikke sammen" not in row.body_text + row.body_html
    assert contact.pk != office.pk
    # both parties get a feedback link
    for person in (pairing.mentor, pairing.mentee):
        link = link_in(mail_to(person.email, "mentoring/pairing_feedback"), "feedback_url")
        assert link.startswith("/mentor/evaluering/")
    assert PairingLink.objects.filter(pairing=pairing, purpose="feedback").count() == 2
    # every end link is dead now
    assert not PairingLink.objects.filter(pairing=pairing, purpose="end", used_at__isnull=True).exists()


def test_the_office_ends_a_pairing_and_both_parties_are_told(branch, office):
    pairing = start_pairing(branch, today=START)
    pairing_end(pairing=pairing, party="office", reason="", by=office)
    assert reload(pairing).ended_by == "office"
    for person in (pairing.mentor, pairing.mentee):
        assert "Kredskontoret har afsluttet" in mail_to(person.email, "mentoring/pairing_ended").body_text
    assert not OutboundEmail.objects.filter(to__contains=branch.office_email).exists()
    mail_to("mentor@kreds.example.org", "mentoring/pairing_ended_office")


def test_a_contact_at_the_office_address_gets_one_mail(branch):
    from tests.mentoring.pairing_kit import programme_in

    programme = programme_in(branch, contact_email=branch.office_email)
    pairing = start_pairing(branch, today=START, programme=programme)
    pairing_end(pairing=pairing, party="mentee")
    assert len(mails(template="mentoring/pairing_ended_office")) == 1


def test_an_ended_pairing_cannot_be_ended_again_and_nothing_more_is_sent(branch):
    pairing = start_pairing(branch, today=START)
    pairing_end(pairing=pairing, party="mentor")
    count = OutboundEmail.objects.count()
    with pytest.raises(ValidationError, match="allerede afsluttet"):
        pairing_end(pairing=pairing, party="mentee")
    assert OutboundEmail.objects.count() == count
    assert reload(pairing).ended_by == "mentor"


@pytest.mark.parametrize("reason", ["nul\x00byte", "x" * 2001])
def test_a_bad_reason_is_refused_in_danish_and_changes_nothing(branch, reason):
    pairing = start_pairing(branch, today=START)
    count = OutboundEmail.objects.count()
    with pytest.raises(ValidationError) as error:
        pairing_end(pairing=pairing, party="mentor", reason=reason)
    assert "Begrundelse" in error.value.messages[0]
    assert reload(pairing).status == "active" and OutboundEmail.objects.count() == count


def test_a_party_can_only_end_as_themselves(branch):
    pairing = start_pairing(branch, today=START)
    with pytest.raises(ValidationError, match="selv er part"):
        pairing_end(pairing=pairing, party="mentor", by=pairing.mentee.user)
    assert reload(pairing).status == "active"


def test_ending_from_the_pairing_page_as_a_logged_in_party(client, branch):
    pairing = start_pairing(branch)
    client.force_login(pairing.mentee.user)
    response = client.post(f"/mentor/forloeb/{pairing.pk}/afslut/", {"reason": "Tak for nu"}, follow=True)
    assert "Forløbet er afsluttet" in response.content.decode()
    assert reload(pairing).ended_by == "mentee"
    mail_to(pairing.mentor.email, "mentoring/pairing_ended")


def test_ending_from_the_pairing_page_office_and_outsider(client, branch, office, outsider, member):
    pairing = start_pairing(branch)
    url = f"/mentor/forloeb/{pairing.pk}/afslut/"
    client.force_login(office)
    assert client.post(url).status_code == 403
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(pairing.mentor.user)
    assert client.get(url).status_code == 405
    assert reload(pairing).status == "active" and not Feedback.objects.exists()


def test_a_second_active_pairing_for_the_same_new_tr_is_refused(branch):
    pairing = start_pairing(branch, today=START)
    assert Pairing.objects.filter(mentee=pairing.mentee, status="active").count() == 1
