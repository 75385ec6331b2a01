"""Each network's voice in its minutes, in the browser: a TR network's points for the board, an AMR
network's key messages passed on at approval; axe on each page."""

import pytest
from playwright.sync_api import expect

from circles.models import BoardTopic, Minutes, Network, User, Workplace
from circles.services.minutes import minutes_approve
from netvaerk.outbox.models import OutboundEmail

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draft(network_name):
    return (
        Minutes.objects.filter(meeting__network__name=network_name, status=Minutes.Status.DRAFT)
        .select_related("meeting__network__branch")
        .order_by("meeting__starts_at")
        .first()
    )


def test_coordinator_writes_a_point_for_the_board_and_the_office_reviews_it(page, live_server, demo):
    minutes = _draft("TR-netværk Viborg Kommune")
    for position, name in enumerate(BoardTopic.DEFAULTS):
        BoardTopic.objects.get_or_create(
            branch=minutes.meeting.network.branch, name=str(name), defaults={"position": position}
        )

    login(page, live_server, "koordinator")
    page.goto(f"{live_server.url}/moede/{minutes.meeting_id}/referat/skriv/")
    expect(page.get_by_role("group", name="Punkter til kredsbestyrelsen")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_points-0-topic").select_option(label="Uddannelse")
    page.locator("#id_points-0-title").fill("Kortere ventetid på TR-uddannelse")
    page.locator("#id_points-0-text").fill("Nye TR venter over et år på grunduddannelsen.")
    page.get_by_role("button", name="Gem og indsend").click()

    expect(page.get_by_text("Referatet er sendt til deltagerne og kredskontoret.")).to_be_visible()
    points = page.get_by_role("region", name="Punkter til kredsbestyrelsen")
    expect(points.get_by_text("Kortere ventetid på TR-uddannelse")).to_be_visible()
    expect(points.get_by_text("Ny", exact=True)).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    login(page, live_server, "kontor")
    page.goto(f"{live_server.url}/admin/circles/minutes/{minutes.pk}/change/")
    expect(page.get_by_text("Kortere ventetid på TR-uddannelse")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Godkend referatet").click()
    expect(page.get_by_text("Referatet er godkendt.")).to_be_visible()


def test_consultant_writes_key_messages_that_travel_without_the_minutes(page, live_server, demo):
    minutes = _draft("AMR-netværk Kommunegruppe Aarhus")
    participant_place = Workplace.objects.filter(
        mandates__person__attendance__meeting=minutes.meeting
    ).first()
    participant_place.manager_name, participant_place.manager_email = "Lise Leder", "lise.leder@example.org"
    participant_place.save()
    key_messages = "Brug APV'en aktivt: følg op inden for tre måneder."

    login(page, live_server, "konsulent")
    page.goto(f"{live_server.url}/moede/{minutes.meeting_id}/referat/skriv/")
    expect(page.get_by_label("Centrale budskaber")).to_be_visible()
    expect(page.get_by_role("group", name="Punkter til kredsbestyrelsen")).to_have_count(0)  # an AMR network
    assert_accessible(page)
    page.get_by_label("Centrale budskaber").fill(key_messages)
    page.get_by_role("button", name="Gem og indsend").click()

    expect(page.get_by_text("Referatet er sendt til deltagerne og kredskontoret.")).to_be_visible()
    expect(page.get_by_role("region", name="Centrale budskaber").get_by_text(key_messages)).to_be_visible()
    assert_accessible(page)

    chief = User.objects.create_superuser("chef", "chef@example.org", "demo-pass-123")
    minutes_approve(minutes_id=minutes.pk, by=chief)
    minutes.refresh_from_db()
    assert "Referat under udarbejdelse" in minutes.text
    rows = list(OutboundEmail.objects.filter(key__startswith=f"minutes-key-messages:{minutes.pk}:"))
    assert "Lise Leder <lise.leder@example.org>" in [row.to for row in rows]
    assert minutes.meeting.network.kind == Network.Kind.AMR and minutes.confidential
    for row in rows:
        assert key_messages in row.body_text
        assert "Referat under udarbejdelse" not in row.body_text + row.body_html
        assert "/referat/" not in row.body_text and "/referat/" not in row.body_html
