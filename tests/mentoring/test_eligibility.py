"""Who can mentor: an active TR/FTR mandate, a completed TR training, willing, free capacity, the
branch. Each rule has a case that fails it; capacity counts active pairings and open offers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from circles.models import Mandate
from mentoring.models import Offer, Pairing
from mentoring.services.eligibility import capacity_left, eligible_mentors, programme_has_room
from tests.mentoring.factories import MentorFactory, MentorRequestFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(branch):
    return ProgrammeFactory(branch=branch)


@pytest.fixture
def mentor(branch):
    return MentorFactory(person__branch=branch, person__name="Mette Mentor").person


def _pair(programme, mentor, status=Pairing.Status.ACTIVE):
    mentee = MentorRequestFactory(programme=programme).mentee
    today = timezone.localdate()
    return Pairing.objects.create(
        programme=programme,
        mentor=mentor,
        mentee=mentee,
        status=status,
        started_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
        ended_on=None if status == Pairing.Status.ACTIVE else today,
    )


def _offer(programme, mentor, status=Offer.Status.PENDING):
    request = MentorRequestFactory(programme=programme)
    return Offer.objects.create(
        request=request,
        mentor=mentor,
        status=status,
        expires_at=timezone.now() + timedelta(days=14),
        decided_at=timezone.now() if status in (Offer.Status.ACCEPTED, Offer.Status.DECLINED) else None,
    )


def test_an_eligible_mentor_is_found_in_one_query(branch, mentor, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = list(eligible_mentors(branch))
    assert found == [mentor]
    assert found[0].capacity_left == 1
    assert capacity_left(mentor) == 1


def test_without_tr_training_no(branch, mentor):
    mentor.tr_training_completed_on = None
    mentor.save()
    assert list(eligible_mentors(branch)) == []


def test_without_an_active_tr_mandate_no(branch, mentor):
    Mandate.objects.filter(person=mentor).update(ended_on=date.today() - timedelta(days=1))
    assert list(eligible_mentors(branch)) == []


def test_an_amr_mandate_is_not_a_tr_mandate(branch, mentor):
    Mandate.objects.filter(person=mentor).update(role=Mandate.Role.AMR)
    assert list(eligible_mentors(branch)) == []


def test_an_ftr_mandate_counts(branch, mentor):
    Mandate.objects.filter(person=mentor).update(role=Mandate.Role.FTR)
    assert list(eligible_mentors(branch)) == [mentor]


def test_a_mandate_from_tomorrow_does_not_count_yet(branch, mentor):
    Mandate.objects.filter(person=mentor).update(elected_on=date.today() + timedelta(days=1))
    assert list(eligible_mentors(branch)) == []


def test_unwilling_no(branch, mentor):
    mentor.mentor_profile.willing = False
    mentor.mentor_profile.save()
    assert list(eligible_mentors(branch)) == []
    assert capacity_left(mentor) == 0


def test_without_a_mentor_row_no(branch, mentor):
    mentor.mentor_profile.delete()
    assert list(eligible_mentors(branch)) == []
    assert capacity_left(mentor) == 0


def test_full_with_an_active_pairing(branch, mentor, programme):
    _pair(programme, mentor)
    assert list(eligible_mentors(branch)) == []
    assert capacity_left(mentor) == 0


def test_full_with_an_open_offer_awaiting_either_party(branch, mentor, programme):
    offer = _offer(programme, mentor, status=Offer.Status.AWAITING_MENTOR)
    assert list(eligible_mentors(branch)) == []
    offer.status = Offer.Status.PENDING
    offer.save()
    assert list(eligible_mentors(branch)) == []


def test_ended_pairings_and_closed_offers_free_the_place(branch, mentor, programme):
    _pair(programme, mentor, status=Pairing.Status.COMPLETED)
    _offer(programme, mentor, status=Offer.Status.DECLINED)
    _offer(programme, mentor, status=Offer.Status.EXPIRED)
    assert list(eligible_mentors(branch)) == [mentor]


def test_a_capacity_of_three_counts_down(branch, mentor, programme):
    mentor.mentor_profile.capacity = 3
    mentor.mentor_profile.save()
    _pair(programme, mentor)
    _offer(programme, mentor)
    assert capacity_left(mentor) == 1
    assert eligible_mentors(branch).get().capacity_left == 1
    _pair(programme, mentor)
    assert capacity_left(mentor) == 0
    assert list(eligible_mentors(branch)) == []


def test_another_branchs_mentor_is_not_offered(branch, other_branch, mentor):
    MentorFactory(person__branch=other_branch)
    assert list(eligible_mentors(branch)) == [mentor]
    assert mentor not in eligible_mentors(other_branch)


def test_the_programme_has_room_below_its_maximum(programme, mentor):
    assert programme_has_room(programme)  # no maximum
    programme.max_active_pairs = 2
    programme.save()
    _pair(programme, mentor)
    assert programme_has_room(programme)
    _offer(programme, MentorFactory(person__branch=programme.branch).person)
    assert not programme_has_room(programme)  # one pair and one open offer fill two places


def test_another_programmes_pairs_do_not_count(programme, mentor, branch):
    programme.max_active_pairs = 1
    programme.save()
    _pair(ProgrammeFactory(branch=branch), mentor)
    assert programme_has_room(programme)


def test_the_count_is_one_query_at_two_sizes(branch, django_assert_num_queries):
    MentorFactory.create_batch(2, person__branch=branch)
    with django_assert_num_queries(1):
        assert len(list(eligible_mentors(branch))) == 2
    MentorFactory.create_batch(8, person__branch=branch)
    with django_assert_num_queries(1):
        assert len(list(eligible_mentors(branch))) == 10
