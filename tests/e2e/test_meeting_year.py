"""The coordinator's year in the browser; the office's review in the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles.models import Minutes
from netvaerk.outbox.models import OutboundEmail

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.get_by_role("button", name="Log ud").click()


def test_coordinator_plans_records_and_submits_minutes_and_office_approves(page, live_server, demo):
    login(page, live_server, "koordinator")
    page.get_by_role("link", name="TR-netværk Viborg Kommune").click()
    expect(page.get_by_role("heading", name="Årsplan", exact=False)).to_be_visible()
    assert_accessible(page)

    # plan a meeting that is coming up, and invite the network
    page.get_by_role("link", name="Planlæg et møde").click()
    assert_accessible(page)
    coming = timezone.localdate() + timedelta(days=10)
    page.get_by_label("Dato").fill(coming.isoformat())
    page.get_by_label("Starttid").fill("13:00")
    page.get_by_label("Sted").fill("Kredskontoret, mødelokale 1")
    page.get_by_label("Tema").fill("Arbejdstid")
    page.get_by_label("Dagsorden").fill("Nyt fra kredsen (15 min)\nTema: arbejdstid (60 min)\nRunde")
    page.get_by_role("button", name="Gem møderne").click()
    expect(page.get_by_text("1 møde er planlagt")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send invitationer").click()
    expect(page.get_by_text("Invitationen er sendt til 5 personer")).to_be_visible()
    assert OutboundEmail.objects.filter(template="circles/meeting_invitation").count() == 5

    # record a meeting that took place yesterday, with attendance
    page.get_by_role("link", name="TR-netværk Viborg Kommune").click()
    page.get_by_role("link", name="Planlæg et møde").click()
    page.get_by_label("Dato").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_label("Starttid").fill("10:00")
    page.get_by_label("Sted").fill("Bostedet Hedebo")
    page.get_by_label("Tema").fill("Velkomst af nye TR")
    page.get_by_label("Registrér et afholdt møde").check()
    page.get_by_role("button", name="Gem møderne").click()
    page.get_by_role("link", name="Registrér fremmøde").click()
    assert_accessible(page)
    page.get_by_label("Aisha Rahimi").check()
    page.get_by_label("Jens Peter Holm").check()
    page.get_by_role("button", name="Gem fremmøde").click()
    expect(page.get_by_text("Fremmødet er gemt")).to_be_visible()

    # write and submit the minutes
    page.get_by_role("link", name="Skriv referat").click()
    assert_accessible(page)
    page.get_by_label("Referat", exact=True).fill(
        "**Velkomst:** Aisha blev budt velkommen.\n\n- Mentor aftales til næste møde"
    )
    page.get_by_role("button", name="Gem og indsend").click()
    expect(page.get_by_text("Referatet er sendt til deltagerne og kredskontoret")).to_be_visible()
    expect(page.get_by_text("Indsendt", exact=True)).to_be_visible()
    assert_accessible(page)
    logout(page)

    # the office approves in the admin
    login(page, live_server, "kontor")
    page.goto(f"{live_server.url}/admin/circles/minutes/")
    page.get_by_role(
        "link", name=timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%d.%m.%Y")
    ).click()
    expect(page.get_by_text("Aisha blev budt velkommen")).to_be_visible()
    page.get_by_role("button", name="Godkend referatet").click()
    expect(page.get_by_text("Referatet er godkendt")).to_be_visible()
    assert Minutes.objects.filter(status=Minutes.Status.APPROVED, decided_by__username="kontor").count() == 1
    page.goto(f"{live_server.url}/admin/")
    logout_form = page.locator("#logout-form button")
    logout_form.click()

    # the coordinator sees the minutes approved
    login(page, live_server, "koordinator")
    page.get_by_role("link", name="TR-netværk Viborg Kommune").click()
    page.get_by_text("Referat: godkendt").click()
    page.get_by_role("link", name="Læs referatet").click()
    expect(page.get_by_text("Godkendt", exact=True)).to_be_visible()
    expect(page.locator("strong", has_text="Velkomst:")).to_be_visible()
    assert_accessible(page)


def test_an_invited_member_answers_on_the_meeting_page(page, live_server, demo):
    from circles.models import Invitation, Network, User
    from circles.services.meetings import MeetingDraft, meeting_invite, meeting_plan

    network = Network.objects.get(name="TR-netværk Viborg Kommune")
    coordinator = User.objects.get(username="koordinator")
    starts_at = (timezone.localtime() + timedelta(days=12)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    (meeting,) = meeting_plan(
        network=network, by=coordinator, drafts=[MeetingDraft(starts_at=starts_at, place="Kredskontoret")]
    )
    meeting_invite(meeting=meeting, by=coordinator)

    login(page, live_server, "medlem")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(page.get_by_text("Du er inviteret og har ikke svaret endnu")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Jeg kommer", exact=True).click()
    expect(page.get_by_text("Tak, dit svar er registreret")).to_be_visible()
    expect(page.get_by_text("Du har svaret: Jeg kommer.")).to_be_visible()
    assert_accessible(page)
    answer = Invitation.objects.get(meeting=meeting, person__user__username="medlem").response
    assert answer == Invitation.Response.YES
