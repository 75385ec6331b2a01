"""The mentor programme's demo data: a pilot with active, ended and offered pairs; idempotent."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from circles.models import User
from mentoring import demo
from mentoring.models import Feedback, Mentor, Offer, Pairing, Programme

pytestmark = pytest.mark.django_db


def counts():
    return {
        model._meta.label: model.objects.count() for model in apps.get_app_config("mentoring").get_models()
    }


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo")
    return demo.seed()


def test_the_pilot_has_active_ended_and_offered_pairs(seeded):
    programme = Programme.objects.get(name="Mentorordning – pilot", branch__name="Region Syd")
    assert programme == seeded and programme.max_active_pairs == 6
    active = programme.pairings.get(status=Pairing.Status.ACTIVE)
    assert active.sessions.count() == 3
    ended = programme.pairings.get(status=Pairing.Status.ENDED_EARLY)
    assert set(Feedback.objects.filter(pairing=ended).values_list("party", flat=True)) == {"mentor", "mentee"}
    assert Offer.objects.filter(request__programme=programme, status__in=Offer.OPEN_STATUSES).count() == 1
    assert Mentor.objects.filter(person__branch=programme.branch, willing=True).count() == 3
    assert not Mentor.objects.filter(person__tr_training_completed_on__isnull=True).exists()


def test_seeding_twice_changes_nothing(seeded):
    first = counts()
    demo.seed()
    call_command("seed_demo")
    assert counts() == first


def test_the_demo_logins_see_their_pages(seeded):
    for username in ("mentor", "mentee", "kontorsyd"):
        assert User.objects.get(username=username).check_password("demo"), username
    active = Pairing.objects.get(status=Pairing.Status.ACTIVE)
    client = Client()
    client.force_login(User.objects.get(username="mentee"))
    page = client.get("/mentor/forloeb/").content.decode()
    assert "Thomas Lauritsen" in page and "3 samtaler" in page
    assert client.get(f"/mentor/forloeb/{active.pk}/").status_code == 200
    client.force_login(User.objects.get(username="kontorsyd"))
    assert client.get("/admin/mentoring/pairing/").status_code == 200


def test_without_the_branch_seed_does_nothing(capsys):
    assert demo.seed() is None
    assert not Programme.objects.exists()
