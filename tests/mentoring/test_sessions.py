"""The session log (either party, within the pairing's period, bounded input) and release time per
session for the mentor and the new TR through the claims rules (the hour cap, the age limit)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from circles.models import ReleaseClaim
from mentoring.models import Session
from mentoring.services.pairings import session_claim_file, session_log
from tests.mentoring.pairing_kit import reload, start_pairing

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def pairing(branch):
    return start_pairing(branch, today=today() - timedelta(days=60))


def log_url(pairing):
    return f"/mentor/forloeb/{pairing.pk}/samtale/"


def form(day, **extra):
    return {"held_on": day.isoformat(), "duration_minutes": "90", "mode": "online", **extra}


def a_session(pairing, by=None, days_ago=10, minutes=90):
    return session_log(
        pairing=pairing,
        by=by or pairing.mentee.user,
        held_on=today() - timedelta(days=days_ago),
        duration_minutes=minutes,
        mode="phone",
        themes=["pay_negotiation"],
    )


@pytest.mark.parametrize("party", ["mentor", "mentee"])
def test_either_party_logs_a_session_with_themes_from_the_seed(client, pairing, party):
    user = getattr(pairing, party).user
    client.force_login(user)
    page = client.get(log_url(pairing)).content.decode()
    assert "Den første lokale lønforhandling" in page and "Etiske udfordringer" in page
    response = client.post(
        log_url(pairing),
        form(
            today() - timedelta(days=3), themes=["pay_negotiation", "ethics"], topics="Årshjulet og TR-rollen"
        ),
    )
    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.logged_by, session.duration_minutes, session.mode) == (user, 90, "online")
    assert session.themes == ["pay_negotiation", "ethics"]
    page = client.get(f"/mentor/forloeb/{pairing.pk}/").content.decode()
    assert (
        "Den første lokale lønforhandling, Etiske udfordringer" in page and "Årshjulet og TR-rollen" in page
    )


def test_the_office_and_the_consultant_read_the_log_but_do_not_write_it(client, pairing, office, consultant):
    a_session(pairing)
    for user in (office, consultant):
        client.force_login(user)
        page = client.get(f"/mentor/forloeb/{pairing.pk}/")
        assert page.status_code == 200 and "Telefon" in page.content.decode()
        assert client.post(log_url(pairing), form(today())).status_code == 403
    assert Session.objects.count() == 1


def test_outsiders_get_404_and_members_of_the_branch_403(client, pairing, outsider, other_office, member):
    urls = [f"/mentor/forloeb/{pairing.pk}/", log_url(pairing)]
    for user, status in ((outsider, 404), (other_office, 404), (member, 403)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == status, (user, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page
    assert client.get("/mentor/forloeb/999999/").status_code == 302


BAD = [
    ({"held_on": "1999-12-31"}, "Datoen skal ligge mellem år 2000 og 2099"),
    ({"held_on": "2100-01-01"}, "Datoen skal ligge mellem år 2000 og 2099"),
    ({"held_on": "31-12-2026"}, "Skriv en gyldig dato"),
    ({"duration_minutes": "4"}, "mellem 5 minutter og 8 timer"),
    ({"duration_minutes": "481"}, "mellem 5 minutter og 8 timer"),
    ({"duration_minutes": "1,5"}, "hele minutter"),
    ({"mode": "brevdue"}, "online, over telefon eller et fysisk møde"),
    ({"themes": ["lunch", "ufo"]}, "Vælg emner fra listen"),
    ({"topics": "noter\x00med nul"}, "ugyldigt tegn (NUL)"),  # refused by the middleware already
    ({"topics": "x" * 4001}, "højst fylde 4000 tegn"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_session_input_gets_a_danish_message_and_changes_nothing(client, pairing, change, message):
    client.force_login(pairing.mentor.user)
    response = client.post(log_url(pairing), {**form(today() - timedelta(days=1)), **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_a_day_outside_the_period_or_in_the_future_is_refused(client, pairing):
    client.force_login(pairing.mentee.user)
    for day, message in (
        (pairing.started_on - timedelta(days=1), "Datoen skal ligge i forløbets periode"),
        (today() + timedelta(days=1), "først skrives, når den har fundet sted"),
    ):
        response = client.post(log_url(pairing), form(day))
        assert response.status_code == 400 and message in response.content.decode()
    assert not Session.objects.exists()


def test_the_service_refuses_nul_bytes_and_long_text(pairing):
    for topics in ("a\x00b", "x" * 4001):
        with pytest.raises(ValidationError):
            session_log(
                pairing=pairing,
                by=pairing.mentor.user,
                held_on=today(),
                duration_minutes=60,
                mode="online",
                topics=topics,
            )
    assert not Session.objects.exists()


def test_a_session_before_the_start_or_after_the_end_is_refused(pairing):
    with pytest.raises(ValidationError, match="forløbets periode"):
        a_session(pairing, days_ago=61)
    from mentoring.services.pairings import pairing_end

    pairing_end(pairing=pairing, party="mentor")
    pairing = reload(pairing)
    a_session(pairing, days_ago=0)  # the day it ended still counts
    with pytest.raises(ValidationError, match="år 2000 og 2099"):
        session_log(
            pairing=pairing,
            by=pairing.mentor.user,
            held_on=date(1999, 1, 1),
            duration_minutes=60,
            mode="online",
        )
    assert Session.objects.count() == 1


def test_nobody_else_logs_a_session_through_the_service(pairing, office):
    with pytest.raises(ValidationError, match="Kun mentoren og den nye TR"):
        a_session(pairing, by=office)
    assert not Session.objects.exists()


# Release time per session -----------------------------------------------------------------------


def claim_url(session):
    return f"/mentor/samtale/{session.pk}/frikoeb/"


def claim_form(client, session, **data):
    page = client.get(claim_url(session))
    token = page.context["form"].initial["form_token"]
    employer = page.context["form"].fields["employer"].queryset.first()
    return {"form_token": token, "hours": "1,5", "employer": employer.pk, "leave_noted": "on", **data}


def test_mentor_and_new_tr_each_file_release_time_for_a_session(
    client, pairing, django_capture_on_commit_callbacks
):
    session = a_session(pairing)
    for person in (pairing.mentor, pairing.mentee):
        client.force_login(person.user)
        page = client.get(claim_url(session))
        assert page.status_code == 200 and page.context["form"].initial["hours"] == Decimal("1.5")
        response = client.post(claim_url(session), claim_form(client, session))
        assert response.status_code == 302, response.content.decode()
    claims = ReleaseClaim.objects.order_by("pk")
    assert [claim.claimant for claim in claims] == [pairing.mentor, pairing.mentee]
    for claim in claims:
        assert (claim.kind, claim.hours, claim.work_date) == (
            "mentor_session",
            Decimal("1.5"),
            session.held_on,
        )
        assert claim.reference == f"mentor-session:{session.pk}"
    # the pairing page shows each party their own claim's status
    client.force_login(pairing.mentee.user)
    assert "Indsendt (1,5 t)" in client.get(f"/mentor/forloeb/{pairing.pk}/").content.decode()


def test_a_second_claim_for_the_same_session_is_refused(pairing):
    session = a_session(pairing)
    session_claim_file(session=session, by=pairing.mentor.user, hours="1", leave_noted=True)
    with pytest.raises(ValidationError, match="allerede søgt frikøb til denne mentorsession"):
        session_claim_file(session=session, by=pairing.mentor.user, hours="1", leave_noted=True)
    assert ReleaseClaim.objects.count() == 1


def test_the_branchs_hour_cap_holds_per_session(client, pairing, branch):
    branch.release_hours_cap = Decimal("1.5")
    branch.save()
    session = a_session(pairing, minutes=180)
    client.force_login(pairing.mentor.user)
    assert client.get(claim_url(session)).context["form"].initial["hours"] == Decimal("1.5")
    response = client.post(claim_url(session), claim_form(client, session, hours="2"))
    assert response.status_code == 400
    assert "Kredsen betaler højst 1,5 timers frikøb pr. gang" in response.content.decode()
    assert not ReleaseClaim.objects.exists()


def test_a_session_older_than_the_claim_age_limit_cannot_be_claimed(pairing, branch):
    branch.claim_max_age_days = 30
    branch.save()
    session = a_session(pairing, days_ago=31)
    with pytest.raises(ValidationError, match="senest 30 dage efter"):
        session_claim_file(session=session, by=pairing.mentee.user, hours="1", leave_noted=True)
    assert not ReleaseClaim.objects.exists()


def test_bad_claim_input_is_refused_in_danish(client, pairing):
    session = a_session(pairing)
    client.force_login(pairing.mentee.user)
    for change, message in (
        ({"hours": "mange"}, "Skriv antal timer som et tal"),
        ({"hours": "0"}, "Antal timer skal være over 0"),
        ({"leave_noted": ""}, "fraværet er noteret"),
        ({"payroll_office": "Løn\x00kontor"}, "ugyldigt tegn (NUL)"),
        ({"payroll_office": "x" * 161}, "161"),
    ):
        response = client.post(claim_url(session), claim_form(client, session, **change))
        assert response.status_code == 400, change
        assert message in response.content.decode(), change
    assert not ReleaseClaim.objects.exists()


def test_claim_page_access(client, pairing, office, member, outsider):
    session = a_session(pairing)
    for user, status in ((office, 403), (member, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(claim_url(session)).status_code == status
        assert client.post(claim_url(session), {"hours": "1"}).status_code == status
    assert not ReleaseClaim.objects.exists()


def test_a_claim_form_for_another_session_is_refused(client, pairing):
    first, second = a_session(pairing, days_ago=10), a_session(pairing, days_ago=5)
    client.force_login(pairing.mentor.user)
    data = claim_form(client, first)
    response = client.post(claim_url(second), data, follow=True)
    assert "hører til en anden samtale" in response.content.decode()
    assert not ReleaseClaim.objects.exists()


def test_the_parties_pages_queries_do_not_grow(client, branch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from tests.mentoring.factories import MentorFactory
    from tests.mentoring.pairing_kit import programme_in

    mentor = MentorFactory(person__branch=branch, capacity=5, person__user=factories.UserFactory()).person
    programme = programme_in(branch)
    first = start_pairing(branch, today=today() - timedelta(days=60), programme=programme, mentor=mentor)
    client.force_login(mentor.user)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    detail = f"/mentor/forloeb/{first.pk}/"
    a_session(first, by=mentor.user)
    small = (queries("/mentor/forloeb/"), queries(detail))
    for number in range(4):
        start_pairing(
            branch,
            today=today() - timedelta(days=60),
            programme=programme,
            mentor=mentor,
            mentee_name=f"Ny{number} TR",
        )
        session = a_session(first, by=mentor.user, days_ago=20 + number)
        session_claim_file(session=session, by=mentor.user, hours="1", leave_noted=True)
    assert (queries("/mentor/forloeb/"), queries(detail)) == small
