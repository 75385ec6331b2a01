"""The office's list of mentor offers: its own branch only, read-only, no hashes, withdraw via the service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.models import Offer
from mentoring.services import offers
from tests.mentoring import offer_kit as kit

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:mentoring_offer_changelist")


@pytest.fixture
def offer(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant)
    return offers.offer_send(request=request, mentor=mentor, by=consultant)


def _change(offer):
    return reverse("admin:mentoring_offer_change", args=[offer.pk])


def test_the_office_sees_its_offers_without_the_hashes(client, office, offer):
    client.force_login(office)
    pages = [client.get(CHANGELIST), client.get(_change(offer))]
    assert [page.status_code for page in pages] == [200, 200]
    text = " ".join(page.content.decode() for page in pages)
    assert "Nikolaj Ny" in text and "Mette Mentor" in text and "Afventer den nye TR" in text
    offer.refresh_from_db()
    assert offer.mentee_token_hash not in text
    assert 'name="status"' not in text  # read-only


def test_another_branchs_office_sees_nothing(client, other_office, offer):
    client.force_login(other_office)
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and "Nikolaj Ny" not in page.content.decode()
    assert client.get(_change(offer)).status_code in (302, 404)


def test_a_member_without_a_staff_role_is_sent_to_the_login(client, member, offer):
    client.force_login(member)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["office", "consultant"])
def test_withdraw_goes_through_the_service(client, request, offer, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [offer.pk]}, follow=True)
    assert response.status_code == 200
    assert "trukket tilbage" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.request.status == "open"


def test_another_branch_cannot_withdraw_by_posting_the_id(client, other_office, offer):
    client.force_login(other_office)
    client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_the_list_is_a_fixed_number_of_queries(client, office, branch, consultant):
    def add(count):
        for number in range(count):
            programme, mentor, request = kit.setup(
                branch, created_by=consultant, name=f"Ordning {Offer.objects.count()}-{number}"
            )
            offers.offer_send(request=request, mentor=mentor, by=consultant)

    client.force_login(office)
    add(2)
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as small:
        assert client.get(CHANGELIST).status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(CHANGELIST).status_code == 200
    assert len(small) == len(large)
    assert len(large) <= 15
