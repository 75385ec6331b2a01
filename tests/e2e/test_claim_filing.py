"""The demo coordinator files release time (frikøb) for a meeting from the meeting page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Meeting, Network, ReleaseClaim
from netvaerk.outbox.models import OutboundEmail
from tests import factories

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _claimable_meeting(network: Network) -> Meeting:
    """A planned or held meeting within the branch's limit that the coordinator has not claimed yet."""
    oldest = timezone.now() - timedelta(days=network.branch.claim_max_age_days - 1)
    claimed = ReleaseClaim.objects.filter(
        kind=ReleaseClaim.Kind.PREPARATION, claimant=network.coordinator, status__in=ReleaseClaim.OPEN
    ).values("meeting_id")
    meeting = (
        network.meetings.filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD], starts_at__gte=oldest
        )
        .exclude(pk__in=claimed)
        .order_by("starts_at")
        .first()
    )
    return meeting or factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=2))


def test_coordinator_files_release_time_from_the_meeting_page(page, live_server, demo):
    network = Network.objects.select_related("branch", "coordinator").get(name="TR-netværk Viborg Kommune")
    assert network.coordinator.user.username == "koordinator"
    meeting = _claimable_meeting(network)
    before = ReleaseClaim.objects.count()

    login(page, live_server, "koordinator")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("link", name="Søg frikøb").click()
    expect(page.get_by_role("heading", name="Søg frikøb til forberedelse")).to_be_visible()
    assert_accessible(page)

    # a bad number first: a Danish message, nothing filed
    page.get_by_label("Timer til forberedelse").fill("3")
    page.get_by_label("Jeg har noteret fraværet", exact=False).check()
    page.get_by_role("button", name="Send til kredskontoret").click()
    expect(page.get_by_text("højst 2 timers frikøb", exact=False)).to_be_visible()
    assert_accessible(page)
    assert ReleaseClaim.objects.count() == before

    page.get_by_label("Timer til forberedelse").fill("1,5")
    page.get_by_label("Jeg har noteret fraværet", exact=False).check()
    page.get_by_role("button", name="Send til kredskontoret").click()
    expect(page.get_by_role("heading", name="Mine frikøb og kørsel")).to_be_visible()
    expect(page.get_by_text("Dit krav om frikøb er sendt til kredskontoret.")).to_be_visible()
    assert_accessible(page)

    claim = ReleaseClaim.objects.get(
        meeting=meeting, claimant=network.coordinator, kind="preparation", status="submitted"
    )
    assert str(claim.hours) == "1.50" and claim.employer_id is not None
    assert OutboundEmail.objects.filter(key=f"claim-filed:{claim.pk}").exists()

    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(page.get_by_text("Frikøb søgt: 1,50 timer (Indsendt)")).to_be_visible()
    assert_accessible(page)

    # the mileage form, one click away on the same page
    page.get_by_role("link", name="Søg kørsel").click()
    expect(page.get_by_role("heading", name="Søg kørselsgodtgørelse")).to_be_visible()
    assert_accessible(page)
