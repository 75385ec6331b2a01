"""Generated bad input posted to every form of the app and the admin: no 5xx, no row changed.

Every page of the authorization matrix that the most entitled role may open is fetched as that
role; each POST form on it is submitted with every field given a value that must be refused
(hypothesis draws them): text with a NUL byte, control characters or far beyond any bound;
impossible and out-of-window dates; numbers out of range or not numbers at all; choices that were
never offered. The hidden management and CSRF fields stay as the page gave them. A form with
nothing to fill (a confirm button, the admin's delete confirmation) is a deliberate action, not
input, and is left out.

After each submission the status must be below 500 and every table (but the session, login
throttle and the logs that record the attempt) must hold exactly the rows it held before.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .expected import EXPECTED
from .forms import post_forms
from .urls import fill, patterns
from .world import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# tables that record the attempt itself, not the app's data
NOT_DATA = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "auditlog_logentry",
    "privacy_accesslogentry",
}
# the role that may do the most on each kind of page: every form it sees is posted
ENTITLED = ("office", "coordinator", "consultant", "member", "anonymous")

TOO_LONG = 100_001
nul_text = st.text(min_size=0, max_size=20).map(lambda s: f"{s}\x00{s}")
control_text = st.sampled_from(["\x01\x02", "a\x7fb", "\x1b[2J"]).flatmap(lambda c: st.just(c * 3))
long_text = st.integers(min_value=TOO_LONG, max_value=TOO_LONG + 50).map(lambda n: "æ" * n)
bad_text = st.one_of(nul_text, long_text)
bad_date = st.sampled_from(["2026-02-30", "0001-01-01", "9999-12-31", "1999-13-01", "i morgen", "31.12.1899"])
bad_datetime = st.sampled_from(
    ["2026-02-30T10:00", "0001-01-01T00:00", "9999-12-31T23:59", "nu", "2026-01-01T25:61"]
)
bad_time = st.sampled_from(["25:00", "12:61", "kl. 10", "-1:00"])
bad_number = st.sampled_from(["-1e309", "NaN", "99999999999999999999999", "-999999", "1,5,6", "inf", "0x1F"])
bad_choice = st.sampled_from(["999999999", "' OR 1=1 --", "-1", "\u202e"])


def bad_value(kind: str):
    if kind in {"date", "month"}:
        return bad_date
    if kind == "datetime-local":
        return bad_datetime
    if kind == "time":
        return bad_time
    if kind == "number":
        return bad_number
    if kind == "select":
        return bad_choice
    return bad_text


def snapshot() -> dict[str, str]:
    """A digest of every data table's rows (PostgreSQL)."""
    digests = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in NOT_DATA:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quoted} t"
            )  # noqa: S608
            digests[table] = cursor.fetchone()[0]
    return digests


def _pages(world):
    """(name, url, role) for every GET page some role may open, as its most entitled role."""
    for route, name in patterns():
        expected = EXPECTED.get(name, "").split()
        if len(expected) != len(ROLES):
            continue
        by_role = dict(zip(ROLES, expected, strict=True))
        for role in ENTITLED:
            if by_role[role] == "200":
                yield name, fill(route, name, world), role
                break


def test_bad_input_to_every_form_changes_nothing(world):
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client

    problems, posted = [], 0
    for name, url, role in _pages(world):
        if name in {"logout", "admin:logout"}:
            continue
        page = clients[role].get(url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        for form in post_forms(page.content.decode(), url):
            if not form.fillable:
                continue  # a confirm button: an action, not input
            # as a browser submits it: with the button pressed (each in turn), or none
            for button in form.buttons or [None]:
                posted += 1
                problem = _post_badly(clients[role], form, button)
                if problem:
                    problems.append(f"{name} as {role}: {problem}")
    print(f"bad input posted to {posted} form submissions")
    assert posted > 40, f"only {posted} forms found: is the page walk broken?"
    assert not problems, "\n".join(problems)


def _changed(client, action, data, before) -> tuple[int, list[str]]:
    """POST and list the tables it changed; always rolled back, so each try starts from the same rows."""
    with transaction.atomic():
        response = client.post(action, data)
        after = snapshot()
        transaction.set_rollback(True)
    return response.status_code, sorted(table for table in after if after[table] != before.get(table))


def _post_badly(client, form, button) -> str | None:
    before = snapshot()
    found = []

    def payload(values):
        data = {}
        for f in form.fields:
            if f.kind in ("checkbox", "radio"):
                continue
            data.setdefault(f.name, []).append(values.get(f.name, f.value))
        if button is not None:
            data[button[0]] = [button[1]]
        return data

    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({f.name: bad_value(f.kind) for f in form.fillable}))
    def submit(values):
        status, changed = _changed(client, form.action, payload(values), before)
        if status >= 500:
            found.append(f"{form.action} {button} gave {status} for {_short(values)}")
        elif changed:
            # a button that does not read these fields (approve beside a reject reason) acts the same
            # with them left empty: then they were not its input, and the change is the action's
            _status, plain = _changed(
                client, form.action, payload({f.name: "" for f in form.fillable}), before
            )
            if plain != changed:
                found.append(f"{form.action} {button} changed {changed} for {_short(values)}")

    submit()
    return found[0] if found else None


def _short(values: dict) -> dict:
    return {key: (value[:30] + "…" if len(value) > 30 else value) for key, value in values.items()}
