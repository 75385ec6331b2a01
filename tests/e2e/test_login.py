import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_coordinator_logs_in_and_sees_their_networks(page, live_server, demo):
    login(page, live_server, "koordinator")
    expect(page.get_by_role("heading", name="Mine netværk")).to_be_visible()
    network = page.get_by_role("link", name="TR-netværk Viborg Kommune")
    expect(network).to_be_visible()
    expect(network).to_contain_text("5 medlemmer")
    assert_accessible(page)
    network.click()
    expect(page.get_by_role("heading", name="TR-netværk Viborg Kommune")).to_be_visible()
    expect(page.get_by_text("Aisha Rahimi")).to_be_visible()
    assert_accessible(page)


def test_home_reads_on_a_phone(browser, live_server, demo):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    login(page, live_server, "koordinator")
    expect(page.get_by_role("heading", name="Mine netværk")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path="/tmp/netvaerk-home-phone.png", full_page=True)
    page.get_by_role("link", name="TR-netværk Viborg Kommune").click()
    expect(page.get_by_role("heading", name="Årsplan", exact=False)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/netvaerk-network-phone.png", full_page=True)
    page.get_by_role("link", name="Planlæg et møde").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/netvaerk-plan-phone.png", full_page=True)
    context.close()
