"""The offer's link under concurrent presses, on PostgreSQL with real threads and transactions.

Twenty presses of the same "Ja tak" give one acceptance; two acceptances of different offers for
the same mentor (or the last place in a pilot) give one pairing. Each press runs through the real
view (Django's test client, no cookies) in its own thread and database connection.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from mentoring.models import MentorRequest, Offer, Pairing
from mentoring.services import offers
from netvaerk.outbox.models import OutboundEmail
from tests.mentoring import offer_kit as kit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _press_all(urls: list[str]) -> list[int]:
    """POST "ja" to each url at once (one thread each); returns the status codes."""
    barrier = threading.Barrier(len(urls))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def press(url):
        try:
            client = Client(raise_request_exception=True)
            barrier.wait(timeout=20)
            statuses.append(client.post(url, {"svar": "ja"}).status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


def test_twenty_presses_of_one_link_give_exactly_one_acceptance(branch, consultant, mailoutbox):
    programme, mentor, request = kit.setup(branch, created_by=consultant)
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    url = kit.delivered_link(mailoutbox, "nikolaj@example.org")
    statuses = _press_all([url] * 20)
    assert statuses == [200] * 20
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Pairing.objects.filter(offer=offer).count() == 1
    assert MentorRequest.objects.get().status == MentorRequest.Status.MATCHED
    assert (
        OutboundEmail.objects.filter(template="mentoring/offer_accepted").count() == 2
    )  # consultant + contact


def test_the_mentors_capacity_holds_under_two_acceptances_at_once(branch, consultant, mailoutbox):
    programme, mentor, first = kit.setup(branch, created_by=consultant, capacity=2)
    second = kit.new_request(programme, created_by=consultant)
    offers.offer_send(request=first, mentor=mentor, by=consultant)
    offers.offer_send(request=second, mentor=mentor, by=consultant)
    mentor.mentor_profile.capacity = 1  # the mentor has since said one mentee is enough
    mentor.mentor_profile.save()
    statuses = _press_all(
        [
            kit.delivered_link(mailoutbox, first.mentee.email),
            kit.delivered_link(mailoutbox, second.mentee.email),
        ]
    )
    assert statuses == [200, 200]
    assert Pairing.objects.filter(mentor=mentor).count() == 1
    outcomes = sorted(Offer.objects.values_list("status", flat=True))
    assert outcomes == [Offer.Status.ACCEPTED, Offer.Status.WITHDRAWN]
    assert OutboundEmail.objects.filter(template="mentoring/offer_full").count() == 1
    assert sorted(MentorRequest.objects.values_list("status", flat=True)) == ["matched", "open"]


def test_the_programmes_maximum_holds_under_two_acceptances_at_once(branch, consultant, mailoutbox):
    programme, mentor, first = kit.setup(branch, created_by=consultant, max_pairs=2)
    second = kit.new_request(programme, created_by=consultant)
    other = kit.another_mentor(branch)
    offers.offer_send(request=first, mentor=mentor, by=consultant)
    offers.offer_send(request=second, mentor=other, by=consultant)
    programme.max_active_pairs = 1  # the pilot was cut to one pair after the offers went out
    programme.save()
    statuses = _press_all(
        [
            kit.delivered_link(mailoutbox, first.mentee.email),
            kit.delivered_link(mailoutbox, second.mentee.email),
        ]
    )
    assert statuses == [200, 200]
    assert Pairing.objects.filter(programme=programme).count() == 1
    assert sorted(Offer.objects.values_list("status", flat=True)) == [
        Offer.Status.ACCEPTED,
        Offer.Status.WITHDRAWN,
    ]
