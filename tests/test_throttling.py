from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Passwords hashed quickly: these tests log in and fail dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOCKED = "Log-in midlertidigt spærret"


def attempt(client, username, password="forkert", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail_five_times(client, username="koordinator", **extra):
    return [attempt(client, username, **extra) for _ in range(5)]


def test_four_failures_still_let_the_right_password_in(client, coordinator):
    for _ in range(4):
        assert attempt(client, "koordinator").status_code == 200
    assert attempt(client, "koordinator", PASSWORD).status_code == 302


def test_the_fifth_failure_locks_with_a_danish_page(client, coordinator):
    responses = fail_five_times(client)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    page = responses[-1].content.decode()
    assert LOCKED in page and "5 gange i træk" in page and "15 minutter" in page
    assert "kredskontoret" in page
    # the right password no longer helps while the lock lasts
    locked = attempt(client, "koordinator", PASSWORD)
    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_the_key_is_what_was_typed_in_any_case(client, coordinator):
    for name in ["koordinator", "KOORDINATOR", " Koordinator ", "koordinator", "koordInator"]:
        attempt(client, name)
    assert attempt(client, "koordinator", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "koordinator"


def test_by_e_mail_the_address_is_the_key(client, coordinator):
    fail_five_times(client, "Koordinator@Example.org")
    assert attempt(client, "koordinator@example.org", PASSWORD).status_code == 429


def test_only_the_pair_of_name_and_address_is_locked(client, coordinator, member):
    fail_five_times(client)
    assert attempt(client, "koordinator", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302
    other = type(client)()
    assert attempt(other, "medlem", PASSWORD).status_code == 302  # same address, other name


def test_the_lock_lifts_after_fifteen_minutes(client, coordinator):
    fail_five_times(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert attempt(client, "koordinator", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert attempt(client, "koordinator", PASSWORD).status_code == 302


def test_the_admin_login_cannot_be_used_to_go_around_the_lock(client, coordinator, office):
    fail_five_times(client, "kontor")
    response = client.post("/admin/login/", {"username": "kontor", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("admin:index")).status_code == 302  # not logged in
    assert attempt(client, "kontor", PASSWORD).status_code == 429


def test_the_office_sees_its_branchs_lockouts_and_lifts_one(client, coordinator, office, outsider):
    fail_five_times(client)
    fail_five_times(type(client)(), "udenfor")  # another branch's member
    fail_five_times(type(client)(), "ingen-saadan")  # no login at all
    desk = type(client)()
    desk.force_login(office)
    changelist = desk.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    rows = list(changelist.context["cl"].result_list)
    assert [row.username for row in rows] == ["koordinator"]
    assert "axes" in desk.get(reverse("admin:index")).content.decode()
    response = desk.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [rows[0].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert attempt(client, "koordinator", PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"udenfor", "ingen-saadan"}


def test_the_office_cannot_open_another_branchs_lockout(client, outsider, office):
    fail_five_times(client, "udenfor")
    desk = type(client)()
    desk.force_login(office)
    row = AccessAttempt.objects.get()
    assert desk.get(reverse("admin:axes_accessattempt_change", args=[row.pk])).status_code == 302
    assert (
        desk.post(reverse("admin:axes_accessattempt_delete", args=[row.pk]), {"post": "yes"}).status_code
        == 302
    )
    assert AccessAttempt.objects.exists()


def test_a_consultant_and_a_member_do_not_see_lockouts(client, consultant, member):
    for user, status in [(consultant, 403), (member, 302)]:
        client.force_login(user)
        assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == status


def test_a_superuser_sees_every_lockout(client, coordinator, outsider):
    from tests import factories

    fail_five_times(client)
    fail_five_times(type(client)(), "ingen-saadan")
    boss = factories.UserFactory(username="chef", is_staff=True, is_superuser=True)
    desk = type(client)()
    desk.force_login(boss)
    rows = desk.get(reverse("admin:axes_accessattempt_changelist")).context["cl"].result_list
    assert {row.username for row in rows} == {"koordinator", "ingen-saadan"}


def test_an_overlong_name_or_password_is_refused_in_the_form_not_the_database(client):
    """Django's login form never checks the name's length; ours does, before a failed attempt is kept."""
    for data in (
        {"username": "æ" * 100_001, "password": "x"},
        {"username": "kontor", "password": "x" * 5000},
    ):
        response = client.post(reverse("login"), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not AccessAttempt.objects.exists()
