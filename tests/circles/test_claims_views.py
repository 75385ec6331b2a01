"""The coordinator's pages for release time and mileage: access, filing from the meeting page, bad input,
'Mine frikøb og kørsel' and withdrawing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Attendance, MileageRate, ReleaseClaim
from circles.services.claims import claim_file_mileage, claim_file_preparation
from netvaerk.outbox.models import OutboundEmail
from tests import factories

NOW = timezone.make_aware(timezone.datetime(2026, 6, 15, 12, 0))


@pytest.fixture(autouse=True)
def _june(db):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(network, coordinator):
    return factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=3))


@pytest.fixture
def rate(branch):
    return MileageRate.objects.create(
        branch=branch, year=2026, rate=Decimal("3.79"), threshold_km=840, rate_above=Decimal("2.23")
    )


def url(name, *args):
    return reverse(f"circles:{name}", args=args)


def form_data(client, path, **fields):
    """The form as the browser would send it: the hidden token from the page, then the fields."""
    page = client.get(path)
    assert page.status_code == 200
    data = {"form_token": page.context["form"].initial["form_token"]}
    data.update(fields)
    return data


def prep_fields(coordinator, **overrides):
    employer = coordinator.person.mandates.get().workplace.employer
    fields = {"hours": "1,5", "employer": str(employer.pk), "payroll_office": "", "leave_noted": "on"}
    fields.update(overrides)
    return fields


# Access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["claim_preparation", "claim_mileage"])
def test_outsider_gets_404_and_anonymous_goes_to_login(client, meeting, outsider, name):
    assert client.get(url(name, meeting.pk)).status_code == 302
    client.force_login(outsider)
    assert client.get(url(name, meeting.pk)).status_code == 404
    assert client.post(url(name, meeting.pk), {"hours": "1"}).status_code == 404


def test_member_without_the_role_gets_403(client, meeting, member):
    client.force_login(member)
    assert client.get(url("claim_preparation", meeting.pk)).status_code == 403
    assert client.get(url("claim_mileage", meeting.pk)).status_code == 403  # not registered as attending
    assert not ReleaseClaim.objects.exists()


def test_member_who_attended_may_claim_mileage_but_not_release_time(client, meeting, member, rate):
    Attendance.objects.create(meeting=meeting, person=member.person)
    client.force_login(member)
    assert client.get(url("claim_preparation", meeting.pk)).status_code == 403
    path = url("claim_mileage", meeting.pk)
    data = form_data(
        client,
        path,
        work_date="2026-06-12",
        route_from="Skive",
        route_to="Viborg",
        km="60",
        workplace_declined="on",
    )
    assert client.post(path, data).status_code == 302
    assert ReleaseClaim.objects.get().claimant == member.person


def test_a_coordinator_on_another_coordinators_network(client, coordinator, network, branch):
    other = factories.NetworkFactory(branch=branch, kind="amr")  # a TR sits in one TR network only
    other.coordinator = factories.PersonFactory(branch=branch)
    other.save()
    foreign = factories.MeetingFactory(network=other, starts_at=NOW - timedelta(days=1))
    client.force_login(coordinator)
    assert client.get(url("claim_preparation", foreign.pk)).status_code == 404  # not in it at all
    factories.MembershipFactory(network=other, person=coordinator.person)
    assert (
        client.get(url("claim_preparation", foreign.pk)).status_code == 403
    )  # a member there, not its coordinator


# Filing --------------------------------------------------------------------------------------------


def test_coordinator_files_from_the_meeting_page(client, meeting, coordinator, branch):
    client.force_login(coordinator)
    page = client.get(meeting.get_absolute_url())
    claim_url = url("claim_preparation", meeting.pk)
    assert claim_url in page.content.decode() and "Søg frikøb" in page.content.decode()
    form = client.get(claim_url)
    employer = coordinator.person.mandates.get().workplace.employer
    assert form.context["form"].initial["employer"] == employer.pk  # from the coordinator's mandate
    response = client.post(claim_url, form_data(client, claim_url, **prep_fields(coordinator)), follow=True)
    assert response.redirect_chain[-1][0] == url("my_claims")
    assert "Dit krav om frikøb er sendt til kredskontoret." in response.content.decode()
    claim = ReleaseClaim.objects.get()
    assert claim.hours == Decimal("1.5") and claim.employer == employer and claim.amount == Decimal("525.00")
    assert OutboundEmail.objects.get().key == f"claim-filed:{claim.pk}"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Frikøb søgt: 1,50 timer (Indsendt)" in page


def test_meeting_page_offers_nothing_to_a_member_and_nothing_on_a_cancelled_meeting(client, meeting, member):
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert url("claim_preparation", meeting.pk) not in page and url("claim_mileage", meeting.pk) not in page


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-1", "over 0"),
        ("0", "over 0"),
        ("2,5", "højst 2 timers"),
        ("999", "som et tal"),
        ("to", "som et tal"),
        ("1,255", "to decimaler"),
        ("", "Skriv antal timer"),
    ],
)
def test_bad_hours_give_a_danish_message_and_change_nothing(client, meeting, coordinator, hours, message):
    client.force_login(coordinator)
    path = url("claim_preparation", meeting.pk)
    response = client.post(path, form_data(client, path, **prep_fields(coordinator, hours=hours)))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReleaseClaim.objects.exists() and not OutboundEmail.objects.exists()


def test_leave_not_noted_and_foreign_employer_are_refused(client, meeting, coordinator, other_branch):
    client.force_login(coordinator)
    path = url("claim_preparation", meeting.pk)
    fields = prep_fields(coordinator)
    del fields["leave_noted"]
    response = client.post(path, form_data(client, path, **fields))
    assert "noteret på din arbejdsplan" in response.content.decode()
    foreign = factories.EmployerFactory(branch=other_branch)
    response = client.post(
        path, form_data(client, path, **prep_fields(coordinator, employer=str(foreign.pk)))
    )
    assert "Vælg en af kredsens arbejdsgivere." in response.content.decode()
    assert not ReleaseClaim.objects.exists()


def test_double_submit_files_once(client, meeting, coordinator):
    client.force_login(coordinator)
    path = url("claim_preparation", meeting.pk)
    data = form_data(client, path, **prep_fields(coordinator))
    assert client.post(path, data).status_code == 302
    response = client.post(path, data)
    assert response.status_code == 200
    assert "allerede søgt frikøb" in response.content.decode()
    assert ReleaseClaim.objects.count() == 1 and OutboundEmail.objects.count() == 1


def test_stale_or_forged_form_is_refused(client, meeting, coordinator, network):
    client.force_login(coordinator)
    path = url("claim_preparation", meeting.pk)
    data = form_data(client, path, **prep_fields(coordinator))
    with time_machine.travel(NOW + timedelta(hours=13), tick=False):
        response = client.post(path, data, follow=True)
    assert "Formularen har været åben for længe" in response.content.decode()
    response = client.post(path, {**data, "form_token": "forged"}, follow=True)
    assert "Formularen er ugyldig" in response.content.decode()
    other = factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=1))
    response = client.post(url("claim_preparation", other.pk), data, follow=True)
    assert "hører til et andet møde" in response.content.decode()
    assert not ReleaseClaim.objects.exists()


def test_too_old_meeting_says_why(client, network, coordinator):
    old = factories.MeetingFactory(network=network, starts_at=NOW - timedelta(days=120))
    client.force_login(coordinator)
    path = url("claim_preparation", old.pk)
    response = client.post(path, form_data(client, path, **prep_fields(coordinator)))
    assert "senest 90 dage" in response.content.decode()
    assert not ReleaseClaim.objects.exists()


@pytest.mark.parametrize(
    ("km", "message"),
    [
        ("0", "mindst 1"),
        ("-3", "mindst 1"),
        ("2001", "højst være 2.000"),
        ("ti", "helt tal"),
        ("1,5", "helt tal"),
    ],
)
def test_bad_km_give_a_danish_message(client, meeting, coordinator, rate, km, message):
    client.force_login(coordinator)
    path = url("claim_mileage", meeting.pk)
    data = form_data(
        client,
        path,
        work_date="2026-06-12",
        route_from="Skive",
        route_to="Viborg",
        km=km,
        workplace_declined="on",
    )
    response = client.post(path, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ReleaseClaim.objects.exists()


def test_mileage_without_rate_says_so(client, meeting, coordinator):
    client.force_login(coordinator)
    path = url("claim_mileage", meeting.pk)
    data = form_data(
        client,
        path,
        work_date="2026-06-12",
        route_from="Skive",
        route_to="Viborg",
        km="60",
        workplace_declined="on",
    )
    assert "kilometersatser for 2026" in client.post(path, data).content.decode()


# Mine frikøb og kørsel ------------------------------------------------------------------------------


def _claims(meeting, user, count, route_to="Viborg"):
    for day in range(count):
        claim_file_mileage(
            claimant=user.person,
            by=user,
            meeting=meeting,
            work_date=date(2026, 6, 1) + timedelta(days=day),
            route_from="Skive",
            route_to=route_to,
            km=300,
            workplace_declined=True,
        )


def test_my_claims_shows_own_claims_status_reason_and_danish_totals(
    client, meeting, coordinator, member, rate, office
):
    claim_file_preparation(
        meeting=meeting, claimant=coordinator.person, by=coordinator, hours=2, leave_noted=True
    )
    _claims(meeting, coordinator, 4)  # 4 × 300 km: 1.137 + 1.137 + (240 × 3,79 + 60 × 2,23) + 300 × 2,23
    rejected = ReleaseClaim.objects.filter(kind="mileage").order_by("pk").last()
    ReleaseClaim.objects.filter(pk=rejected.pk).update(
        status="rejected",
        decided_by=office,
        decided_at=timezone.now(),
        reject_reason="Arbejdspladsen betaler",
    )
    Attendance.objects.create(meeting=meeting, person=member.person)
    claim_file_mileage(
        claimant=member.person,
        by=member,
        meeting=meeting,
        work_date=date(2026, 6, 12),
        route_from="Lemvig",
        route_to="Viborg",
        km=99,
        workplace_declined=True,
    )
    client.force_login(coordinator)
    page = client.get(url("my_claims")).content.decode()
    assert "Arbejdspladsen betaler" in page and "Afvist" in page and "Lemvig" not in page
    totals = client.get(url("my_claims")).context["totals"]
    assert totals["km"] == 900 and totals["hours"] == Decimal("2.00")
    # the rejected claim is not counted; the others keep the amounts they were filed with
    assert totals["amount"] == Decimal("700.00") + Decimal("1137.00") * 2 + Decimal("1043.40")
    assert "4.017,40" in page and "900" in page
    assert client.get(url("my_claims"), {"status": "rejected"}).context["claims"].count() == 1
    assert client.get(url("my_claims"), {"aar": "2025"}).context["claims"].count() == 0
    assert client.get(url("my_claims"), {"aar": "abc", "status": "x"}).status_code == 200


def test_my_claims_query_count_is_constant(client, meeting, coordinator, rate):
    client.force_login(coordinator)
    _claims(meeting, coordinator, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("my_claims")).status_code == 200
    _claims(meeting, coordinator, 12, route_to="Herning")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url("my_claims")).status_code == 200
    assert ReleaseClaim.objects.count() >= 12
    assert len(small) == len(large)


def test_meeting_page_query_count_is_constant(client, meeting, coordinator, network):
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as before:
        client.get(meeting.get_absolute_url())
    claim_file_preparation(
        meeting=meeting, claimant=coordinator.person, by=coordinator, hours=1, leave_noted=True
    )
    for _ in range(5):
        person = factories.MembershipFactory(network=network).person
        Attendance.objects.create(meeting=meeting, person=person)
    with CaptureQueriesContext(connection) as after:
        client.get(meeting.get_absolute_url())
    assert len(before) == len(after)


def test_home_links_to_my_claims(client, coordinator):
    client.force_login(coordinator)
    assert url("my_claims") in client.get(reverse("home")).content.decode()


# Withdraw ------------------------------------------------------------------------------------------


def test_withdraw_is_a_post_by_the_claimant(client, meeting, coordinator, member, office):
    claim = claim_file_preparation(
        meeting=meeting, claimant=coordinator.person, by=coordinator, hours=1, leave_noted=True
    )
    path = url("claim_withdraw", claim.pk)
    client.force_login(member)
    assert client.post(path).status_code == 404
    client.force_login(coordinator)
    assert client.get(path).status_code == 405
    response = client.post(path, follow=True)
    assert "Kravet er trukket tilbage." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ReleaseClaim.Status.WITHDRAWN


def test_a_decided_claim_cannot_be_withdrawn(client, meeting, coordinator, office):
    claim = claim_file_preparation(
        meeting=meeting, claimant=coordinator.person, by=coordinator, hours=1, leave_noted=True
    )
    ReleaseClaim.objects.filter(pk=claim.pk).update(
        status="approved", decided_by=office, decided_at=timezone.now()
    )
    client.force_login(coordinator)
    response = client.post(url("claim_withdraw", claim.pk), follow=True)
    assert "kan ikke længere trækkes tilbage" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ReleaseClaim.Status.APPROVED
