import pytest

from .world import build_world


@pytest.fixture
def world(branch, network, coordinator, member, consultant, office, other_office, other_branch, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = False  # the login steps have their own tests
    return build_world(
        branch=branch,
        network=network,
        coordinator=coordinator,
        member=member,
        consultant=consultant,
        office=office,
        other_office=other_office,
    )
