"""The office ticks minutes in the review queue and approves them with the bulk action."""

import pytest
from playwright.sync_api import expect

from circles.models import Minutes, User
from circles.services.minutes import minutes_submit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_ticks_minutes_in_the_queue_and_approves_just_those(page, live_server, demo):
    office = User.objects.get(username="kontor")
    drafts = list(
        Minutes.objects.filter(status=Minutes.Status.DRAFT, meeting__network__branch=office.branch)
        .select_related("meeting__network__coordinator__user")
        .order_by("pk")[:2]
    )
    assert len(drafts) == 2
    for minutes in drafts:
        minutes_submit(meeting=minutes.meeting, by=minutes.meeting.network.coordinator.user)
    chosen, left = drafts

    login(page, live_server, "kontor")
    page.goto(f"{live_server.url}/admin/circles/minutes/")
    page.get_by_label(f"Vælg dette objekt for en handling - {chosen}").check()
    expect(page.get_by_text("1 af 2 valgt")).to_be_visible()  # Django's actions.js counts our boxes
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Udfør").click()

    expect(page.get_by_text("1 referat er godkendt")).to_be_visible()
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert (chosen.status, chosen.decided_by) == (Minutes.Status.APPROVED, office)
    assert left.status == Minutes.Status.SUBMITTED
