"""The office's review path in the browser: the queue, one submitted minutes, approve or return; axe on each admin page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Minutes, User
from circles.services.minutes import minutes_submit

from .conftest import assert_accessible, login

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


def _submit_one(office):
    minutes = (
        Minutes.objects.filter(status=Minutes.Status.DRAFT, meeting__network__branch=office.branch)
        .exclude(text="")
        .select_related("meeting__network__coordinator__user")
        .order_by("pk")
        .first()
    )
    return minutes_submit(meeting=minutes.meeting, by=minutes.meeting.network.coordinator.user)


def _open_from_the_queue(page, live_server, minutes):
    """The office's path: log in, the queue (axe), the submitted minutes' review page (axe)."""
    login(page, live_server, "kontor")
    page.goto(f"{live_server.url}/admin/circles/minutes/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.locator(f'#result_list a[href$="/circles/minutes/{minutes.pk}/change/"]').click()
    date = timezone.localtime(minutes.meeting.starts_at).strftime("%d.%m.%Y")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referat: {minutes.meeting.network}, {date}")
    assert_accessible(page)


def test_office_opens_submitted_minutes_from_the_queue_and_approves_them(page, live_server, demo):
    office = User.objects.get(username="kontor")
    minutes = _submit_one(office)
    _open_from_the_queue(page, live_server, minutes)
    page.get_by_role("button", name="Godkend referatet").click()

    expect(page.get_by_text("Referatet er godkendt.")).to_be_visible()
    assert_accessible(page)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.decided_by) == (Minutes.Status.APPROVED, office)


def test_office_returns_submitted_minutes_with_a_comment(page, live_server, demo):
    office = User.objects.get(username="kontor")
    minutes = _submit_one(office)
    _open_from_the_queue(page, live_server, minutes)
    page.get_by_role("button", name="Send retur med kommentar").click()
    expect(page.get_by_text("Skriv en kommentar")).to_be_visible()  # a comment is needed first
    page.get_by_label("Kommentar til koordinatoren").fill("Tilføj punktet om løn.")
    page.get_by_role("button", name="Send retur med kommentar").click()

    expect(page.get_by_text("Referatet er sendt retur til koordinatoren.")).to_be_visible()
    minutes.refresh_from_db()
    assert (minutes.status, minutes.return_comment) == (Minutes.Status.RETURNED, "Tilføj punktet om løn.")
