"""The office's admin pages read with a screen reader and fit a 1280 px screen (axe on each page)."""

import pytest
from playwright.sync_api import expect

from circles.models import Employer, Meeting, Minutes, Network, Person, User
from circles.services.minutes import minutes_submit

from .conftest import assert_accessible, login


def _submitted_minutes(branch):
    """The demo's minutes are drafts; the office's queue shows what coordinators have submitted."""
    drafts = Minutes.objects.filter(status=Minutes.Status.DRAFT, meeting__network__branch=branch)
    drafts = list(drafts.select_related("meeting__network__coordinator__user").order_by("pk")[:2])
    for minutes in drafts:
        minutes_submit(meeting=minutes.meeting, by=minutes.meeting.network.coordinator.user)
    return drafts[0]


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _office_pages():
    office = User.objects.get(username="kontor")
    branch = office.branch
    person = Person.objects.filter(branch=branch, mandates__isnull=False, memberships__isnull=False).first()
    network = Network.objects.filter(branch=branch, memberships__isnull=False).first()
    meeting = Meeting.objects.filter(network__branch=branch, attendance__isnull=False).first()
    meeting = meeting or Meeting.objects.filter(network__branch=branch).first()
    minutes = _submitted_minutes(branch)
    employer = Employer.objects.filter(branch=branch).first()
    return [
        "/admin/",
        "/admin/circles/person/",
        f"/admin/circles/person/{person.pk}/change/",
        "/admin/circles/network/",
        f"/admin/circles/network/{network.pk}/change/",
        f"/admin/circles/meeting/{meeting.pk}/change/",
        "/admin/circles/membership/add/",
        "/admin/circles/minutes/?status=alle",
        "/admin/circles/minutes/",
        f"/admin/circles/minutes/{minutes.pk}/change/",
        f"/admin/circles/employer/{employer.pk}/change/",
    ]


def test_the_offices_admin_pages_have_no_serious_axe_violations(page, live_server, demo):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "kontor")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    failures = []
    for path in _office_pages():
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        page.wait_for_load_state("load")
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(f"{path}: {error}")
    assert not failures, "\n".join(failures)


def _fits(page):
    return page.locator("#changelist .results").evaluate("box => box.scrollWidth <= box.clientWidth")


def test_the_review_queue_fits_a_1280_px_screen(page, live_server, demo):
    page.set_viewport_size({"width": 1280, "height": 900})
    _submitted_minutes(User.objects.get(username="kontor").branch)
    login(page, live_server, "kontor")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/admin/circles/minutes/")
    expect(page.locator("#result_list")).to_be_visible()
    assert _fits(page), "the review queue's last columns are cut off"
    for path in ["/admin/circles/person/", "/admin/circles/network/"]:
        # a list with more columns than fit scrolls inside its own box, never the page
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#result_list")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        last_header = page.locator("#result_list thead th").last
        last_header.scroll_into_view_if_needed()
        expect(last_header).to_be_in_viewport()


def test_an_autocomplete_box_is_named_after_its_field(page, live_server, demo):
    login(page, live_server, "kontor")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/admin/circles/membership/add/")
    expect(page.get_by_role("combobox", name="Medlem")).to_be_visible()
    expect(page.get_by_role("combobox", name="Netværk")).to_be_visible()
