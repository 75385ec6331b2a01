"""The authorization matrix: every URL of the app and the admin, requested as each role.

Every URL pattern (front end, token links, admin changelists, add, change, delete, history,
autocomplete and custom admin views) is filled in with a row of branch A and requested with GET
by an anonymous visitor, a member of branch A's network without a role, its coordinator, its
facilitating consultant, branch A's office and branch B's office. The expected status of every
pair is in ``tests/security/expected.py``, in one place: a URL added without a row there fails,
and so does a status that differs.

Independently of the table, three invariants hold for every URL: no 5xx; branch B's office never
gets a 200 on a page that names a branch A row (``PUBLIC`` aside); an anonymous visitor gets a 200
only on the public pages.

To regenerate the table after adding views: ``WRITE_EXPECTED=1 pytest tests/security`` writes the
observed statuses to expected.py (then ``ruff format`` it); read the diff, row by row, before
committing it: the table is the reviewed statement of who may open what.
"""

import os
from pathlib import Path

import pytest
from django.test import Client

from .expected import EXPECTED, PUBLIC
from .urls import PARAM, UnknownParameter, fill, patterns
from .world import ROLES

pytestmark = pytest.mark.django_db
HERE = Path(__file__).parent
NOT_ROWS = {"token", "signed", "uidb64", "rest", "url", "app_label", "content_type_id"}


def _clients(world):
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client
    return clients


def names_a_row(route: str) -> bool:
    """Does the route take the id of a row (not a token, not a free path)?"""
    return bool({match.group("name") for match in PARAM.finditer(route)} - NOT_ROWS)


def observe(world) -> dict[str, tuple[str, str, list[int]]]:
    clients = _clients(world)
    seen = {}
    for route, name in patterns():
        url = fill(route, name, world)
        seen[name] = (route, url, [clients[role].get(url).status_code for role in ROLES])
    return seen


def _write(seen):
    lines = [
        '"""Expected GET status per URL and role: ' + ", ".join(ROLES) + ".",
        "",
        "Written by WRITE_EXPECTED=1 and reviewed row by row; see test_authorization_matrix.py.",
        '"""',
        "",
        f"PUBLIC = {sorted(PUBLIC)!r}",
        "",
        "EXPECTED = {",
    ]
    for name in sorted(seen):
        lines.append(f"    {name!r}: {' '.join(map(str, seen[name][2]))!r},")
    lines.append("}")
    (HERE / "expected.py").write_text("\n".join(lines) + "\n")


def test_every_url_has_a_row_in_the_table():
    names = {name for _route, name in patterns()}
    missing = sorted(names - set(EXPECTED))
    stale = sorted(set(EXPECTED) - names)
    assert not missing, f"URLs without an expected row (add them to tests/security/expected.py): {missing}"
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_the_matrix(world):
    try:
        seen = observe(world)
    except UnknownParameter as error:
        pytest.fail(str(error))
    if os.environ.get("WRITE_EXPECTED"):
        _write(seen)
    problems = []
    for name, (route, url, statuses) in sorted(seen.items()):
        by_role = dict(zip(ROLES, statuses, strict=True))
        if any(status >= 500 for status in statuses):
            problems.append(f"{url} ({name}): server error {by_role}")
        if name not in PUBLIC and by_role["anonymous"] == 200:
            problems.append(f"{url} ({name}): anonymous visitor got 200")
        if name not in PUBLIC and names_a_row(route) and by_role["other_office"] == 200:
            problems.append(f"{url} ({name}): branch B's office got 200 on a branch A row")
        expected = EXPECTED.get(name)
        if expected is not None and expected != " ".join(map(str, statuses)):
            problems.append(f"{url} ({name}): expected {expected}, got {' '.join(map(str, statuses))}")
    assert not problems, "\n".join(["roles: " + " ".join(ROLES), *problems])
