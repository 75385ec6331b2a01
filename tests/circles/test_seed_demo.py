import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from circles.models import Mandate, Membership, Network, Person

pytestmark = pytest.mark.django_db


def counts():
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("circles").get_models()}


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first["circles.Network"] >= 6 and first["circles.Person"] >= 20


def test_demo_has_what_the_pages_need():
    call_command("seed_demo")
    for username in ("kontor", "koordinator", "konsulent", "medlem"):
        assert authenticate(username=username, password="demo") is not None, username
    coordinator = Person.objects.get(user__username="koordinator")
    assert coordinator.coordinated_networks.exists()
    assert Network.objects.filter(coordinator__isnull=True).exists()
    assert Network.objects.filter(kind=Network.Kind.AMR, consultant__username="konsulent").exists()
    assert Network.objects.filter(kind=Network.Kind.MIXED).exists()
    lonely_trs = Person.objects.filter(mandates__role=Mandate.Role.TR).exclude(
        pk__in=Membership.objects.active().values("person")
    )
    assert lonely_trs.exists()
    assert any(m.is_new for m in Mandate.objects.all())


def test_if_empty_leaves_an_existing_database_alone(branch):
    call_command("seed_demo", "--if-empty")
    assert list(Person.objects.all()) == [] and Network.objects.count() == 0
