"""The daily job ``mentor_offers``: a reminder with a fresh link three days before an open offer
expires, and at the expiry the offer expired, its request open again and the sender told, once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from circles.models import Reminder
from circles.services import reminders
from mentoring import jobs
from mentoring.models import MentorRequest, Offer, Pairing
from mentoring.services import offers
from netvaerk.outbox.models import OutboundEmail
from tests.mentoring import offer_kit as kit

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=CPH)  # a Monday morning; valid 14 days: until 16 March 09:00


def at(day: int, hour: int = 6):
    """time-machine at ``day`` days after the offer was sent, at ``hour`` o'clock in Copenhagen."""
    return time_machine.travel(datetime(2026, 3, 2 + day, hour, 0, tzinfo=CPH), tick=False)


@pytest.fixture
def offer(branch, consultant):
    with time_machine.travel(SENT, tick=False):
        programme, mentor, request = kit.setup(branch, created_by=consultant)
        return offers.offer_send(request=request, mentor=mentor, by=consultant)


def _run():
    return reminders.run("mentor_offers")


def _mails(template):
    return list(OutboundEmail.objects.filter(template=template))


def test_the_job_is_registered():
    assert reminders.JOBS["mentor_offers"] is jobs.decide_mentor_offers


def test_no_reminder_before_three_days_are_left(offer):
    with at(10):  # 6 days and 3 hours left
        assert _run().sent == 0
    assert not _mails("mentoring/offer_reminder")


def test_three_days_before_the_awaited_party_gets_a_fresh_link(offer):
    first_link = kit.link_to(offer, "mentee")
    with at(11):  # expires 16 March 09:00: three days and three hours left
        assert _run().sent == 1
        (mail,) = _mails("mentoring/offer_reminder")
        assert "nikolaj@example.org" in mail.to
        assert "16. marts 2026" in mail.body_text and "[[secret:offer_url]]" in mail.body_text
        reminder = Reminder.objects.get(kind=Reminder.Kind.MENTOR_OFFER)
        assert reminder.key == f"mentor-offer-reminder:{offer.pk}:2026-03-16:mentee"
        fresh = kit.link_to(offer, "mentee")
        assert fresh != first_link
        assert kit.token_of(fresh) not in mail.body_text + mail.key
        # only the newest link works: the first one is replaced
        assert Client().get(first_link).status_code == 410
        assert Client().get(fresh).status_code == 200
        # the same day again, and the next day: nothing more
        assert _run().sent == 0
    with at(12):
        assert _run().sent == 0
        assert Client().post(fresh, {"svar": "ja"}).status_code == 200
    assert Pairing.objects.filter(offer=offer).exists()


def test_a_dry_run_changes_no_link(offer):
    before = Offer.objects.values_list("mentee_token_hash", flat=True).get()
    with at(11):
        result = reminders.run("mentor_offers", dry_run=True)
    assert result.decided == 1 and result.sent == 0
    assert Offer.objects.values_list("mentee_token_hash", flat=True).get() == before
    assert not Reminder.objects.exists() and not _mails("mentoring/offer_reminder")


def test_mentor_first_the_mentor_is_reminded(branch, consultant):
    with time_machine.travel(SENT, tick=False):
        programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True)
        offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    with at(11):
        assert _run().sent == 1
        (mail,) = _mails("mentoring/offer_reminder")
        assert "mette@example.org" in mail.to
        assert Reminder.objects.get().key.endswith(":mentor")
        assert Client().get(kit.link_to(offer, "mentor")).status_code == 200


def test_an_answered_offer_is_not_reminded(offer):
    with at(1):
        assert offers.offer_decline(kit.token_of(kit.link_to(offer, "mentee"))).state == offers.DECLINED
    with at(11):
        assert _run().sent == 0


def test_at_the_expiry_the_offer_expires_and_the_consultant_is_told_once(offer, consultant):
    with at(14, hour=8):  # an hour before the expiry: still open (and reminded, a run was missed)
        _run()
        assert Offer.objects.get().status == Offer.Status.PENDING
        link = kit.link_to(offer, "mentee")
    with at(14, hour=10):
        result = _run()
        offer.refresh_from_db()
        assert offer.status == Offer.Status.EXPIRED
        assert MentorRequest.objects.get().status == MentorRequest.Status.OPEN
        (told,) = _mails("mentoring/offer_expired")
        assert consultant.email in told.to
        assert "uden svar fra den nye TR" in told.body_text
        assert Reminder.objects.filter(kind=Reminder.Kind.MENTOR_OFFER_EXPIRED).count() == 1
        assert result.sent == 1
        assert _run().sent == 0
    with at(15):
        assert _run().sent == 0
        response = Client().get(link)
        assert response.status_code == 410 and "udløbet" in response.content.decode()
    assert len(_mails("mentoring/offer_expired")) == 1
    # the consultant can offer another mentor now
    other = kit.another_mentor(offer.request.programme.branch)
    assert (
        offers.offer_send(request=offer.request, mentor=other, by=consultant).status == Offer.Status.PENDING
    )


def test_a_run_missed_by_beat_still_expires_and_tells(offer):
    with at(20):
        assert _run().sent == 1
    assert Offer.objects.get().status == Offer.Status.EXPIRED


def _queries(today) -> int:
    with CaptureQueriesContext(connection) as queries:
        list(jobs.decide_mentor_offers(today))
    return len(queries)


def test_the_decisions_are_a_fixed_number_of_queries(branch, consultant):
    def send(count):
        with time_machine.travel(SENT, tick=False):
            programme = None
            for _ in range(count):
                programme, mentor, request = kit.setup(
                    branch, created_by=consultant, name=f"Ordning {OutboundEmail.objects.count()}"
                )
                offers.offer_send(request=request, mentor=mentor, by=consultant)

    send(2)
    with at(11):
        small_reminders = _queries(datetime(2026, 3, 13).date())
    with at(15):
        small_expiry = _queries(datetime(2026, 3, 17).date())
    Offer.objects.all().delete()
    send(8)
    with at(11):
        large_reminders = _queries(datetime(2026, 3, 13).date())
    with at(15):
        large_expiry = _queries(datetime(2026, 3, 17).date())
    assert small_reminders == large_reminders
    assert small_expiry == large_expiry
