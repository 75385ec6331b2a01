"""Named people and service guards shared by every test.

Services: a test marked ``postgres``, ``redis`` or ``browser`` is skipped with a reason on a machine
without that service, and fails instead when CI=true: CI must never pass by skipping.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.test import Client

from circles.models import Mandate
from circles.roles import CONSULTANT, OFFICE
from netvaerk.celery import app as celery_app
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright next to ORM fixtures

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def require(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.", pytrace=False)
    pytest.skip(f"{what} is not available on this machine.")


def redis_available() -> bool:
    from django.conf import settings

    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        )
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _service_guards(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        require(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis"):
        require(redis_available(), "Redis (set REDIS_URL)")
    if request.node.get_closest_marker("browser"):
        require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")


@pytest.fixture(autouse=True, scope="session")
def _celery_inline():
    """Tasks run inline in tests; the Redis worker test switches this off for itself."""
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True, scope="session")
def _axes_sees_test_logins():
    """django-axes needs the request at every authenticate(); the test client's login() has none."""
    original = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return original(self, **credentials)

    Client.login = login
    yield
    Client.login = original


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every factory user gets a password; the production hasher's million rounds would dominate the
    suite. What is tested is who may log in, not the hash function."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Each test starts with an empty cache of its own (rate limits and throttles live there), never
    the shared Redis cache that REDIS_URL gives the app."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# Named people -------------------------------------------------------------------------------------


@pytest.fixture
def branch(db):
    return factories.BranchFactory(name="Kreds Midt- og Vestjylland", union="Socialpædagogerne")


@pytest.fixture
def other_branch(db):
    return factories.BranchFactory(name="Kreds Østjylland", union="Socialpædagogerne")


@pytest.fixture
def network(branch):
    return factories.NetworkFactory(branch=branch, name="TR-netværk Viborg Kommune")


def _person_with_login(branch, username, name, role=Mandate.Role.TR):
    user = factories.UserFactory(username=username, first_name=name.split()[0])
    person = factories.PersonFactory(branch=branch, name=name, email=f"{username}@example.org", user=user)
    factories.MandateFactory(person=person, role=role)
    return person


@pytest.fixture
def coordinator(network):
    person = _person_with_login(network.branch, "koordinator", "Karen Koordinator", Mandate.Role.FTR)
    factories.MembershipFactory(network=network, person=person)
    network.coordinator = person
    network.save()
    return person.user


@pytest.fixture
def member(network):
    person = _person_with_login(network.branch, "medlem", "Mads Medlem")
    factories.MembershipFactory(network=network, person=person)
    return person.user


@pytest.fixture
def outsider(other_branch):
    """A TR with a login in another branch's network: sees nothing of ours."""
    person = _person_with_login(other_branch, "udenfor", "Ulla Udenfor")
    factories.MembershipFactory(network=factories.NetworkFactory(branch=other_branch), person=person)
    return person.user


def _staff(branch, username, group_name):
    user = factories.UserFactory(username=username, is_staff=True, branch=branch)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def office(branch):
    return _staff(branch, "kontor", OFFICE)


@pytest.fixture
def other_office(other_branch):
    return _staff(other_branch, "andetkontor", OFFICE)


@pytest.fixture
def consultant(branch):
    return _staff(branch, "konsulent", CONSULTANT)
