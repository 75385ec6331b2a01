"""Shared fixtures for the AMR sign-up tests: a branch with two AMR networks (one per kommunegruppe),
each with its facilitating consultant, and a helper that fills in the public form."""

import time

import pytest
from django.core.cache import cache

from circles.forms.signups import MIN_FILL_SECONDS, started_token
from circles.models import Network, SignUp
from circles.roles import CONSULTANT
from tests import factories

from ..conftest import _staff


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def aarhus(branch, consultant):
    return factories.NetworkFactory(
        branch=branch,
        kind=Network.Kind.AMR,
        name="AMR-netværk Kommunegruppe Aarhus",
        employer=None,
        municipality_group="Kommunegruppe Aarhus",
        consultant=consultant,
    )


@pytest.fixture
def other_consultant(branch):
    return _staff(branch, "konsulent2", CONSULTANT)


@pytest.fixture
def randers(branch, other_consultant):
    return factories.NetworkFactory(
        branch=branch,
        kind=Network.Kind.MIXED,
        name="TR- og AMR-netværk Kommunegruppe Randers-Norddjurs",
        employer=None,
        municipality_group="Kommunegruppe Randers-Norddjurs",
        consultant=other_consultant,
    )


@pytest.fixture
def skovlyst(branch):
    return factories.WorkplaceFactory(
        employer__branch=branch,
        employer__name="Aarhus Kommune",
        name="Bostedet Skovlyst",
        municipality="Aarhus",
    )


def form_data(**overrides) -> dict:
    data = {
        "name": "Louise Brandt",
        "email": "louise@example.org",
        "phone": "+45 12 34 56 78",
        "member_number": "",
        "workplace": "",
        "workplace_text": "Bostedet Skovlyst",
        "municipality": "Aarhus",
        "role": "amr",
        "network": "",
        "consent": "on",
        "started": started_token(time.time() - MIN_FILL_SECONDS - 1),
        "website": "",
    }
    data.update(overrides)
    return data


def submit_kwargs(branch, **overrides) -> dict:
    kwargs = {
        "branch": branch,
        "network": None,
        "name": "Louise Brandt",
        "email": "louise@example.org",
        "phone": "",
        "member_number": "",
        "workplace": None,
        "workplace_text": "Bostedet Skovlyst",
        "municipality": "Aarhus",
        "role": "amr",
        "consent": True,
        "ip": "192.0.2.1",
    }
    kwargs.update(overrides)
    return kwargs


def pending(network, **fields) -> SignUp:
    from django.utils import timezone

    defaults = {
        "branch": network.branch,
        "network": network,
        "name": "Louise Brandt",
        "email": "louise@example.org",
        "workplace_text": "Bostedet Skovlyst",
        "municipality": "Aarhus",
        "role": "amr",
        "consent_at": timezone.now(),
        "confirmed_at": timezone.now(),
        "status": SignUp.Status.PENDING,
    }
    defaults.update(fields)
    return SignUp.objects.create(**defaults)
