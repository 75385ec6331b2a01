"""The coordinator looks up the network's meetings and minutes through the years."""

import pytest
from playwright.sync_api import expect

from circles.models import Meeting, Network

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_filters_the_meetings_whose_minutes_are_missing(page, live_server, demo):
    network = Network.objects.get(name="TR-netværk Viborg Kommune")
    missing = network.meetings.filter(status=Meeting.Status.HELD).exclude(
        minutes__status__in=["submitted", "approved"]
    )
    assert missing.exists()

    login(page, live_server, "koordinator")
    page.get_by_role("link", name="TR-netværk Viborg Kommune").click()
    page.get_by_role("link", name="Alle møder og referater").click()
    expect(page.get_by_role("heading", name="Alle møder og referater")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Referat").select_option(label="Mangler (afholdt, ikke indsendt)")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("status")).to_contain_text(f"{missing.count()} møde")
    assert_accessible(page)
    page.locator(".list-group-item-action").first.click()
    expect(page.get_by_role("heading", name="Netværksmøde", exact=False)).to_be_visible()
