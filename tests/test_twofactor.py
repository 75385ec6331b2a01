import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Passwords hashed quickly: these tests log in and fail dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True


def code_for(device, steps_ahead=0):
    """The code the user's app shows now (or ``steps_ahead`` periods of 30 seconds later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(client, username, next_url=""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD, "next": next_url})


def set_up_app(client, user):
    """Through the pages: the setup page makes a device, the app's code confirms it. Returns codes."""
    client.get(reverse("twofactor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("twofactor_setup"), {"otp_token": code_for(device)})
    assert response.status_code == 200
    return re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())


def give_code(client, code, next_url=""):
    return client.post(reverse("twofactor_verify"), {"otp_token": code, "next": next_url})


# Required for staff in production, not in development -----------------------------------------


def _setting_in(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TWO_FACTOR"))}
    environment.update(env, DJANGO_SETTINGS_MODULE="netvaerk.settings")
    code = "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED_FOR_STAFF)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    return result.stdout.strip()


def test_the_setting_is_on_in_production_and_off_in_development():
    assert _setting_in(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60) == "True"
    assert _setting_in() == "False"
    assert _setting_in(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60, TWO_FACTOR_REQUIRED_FOR_STAFF="0"
    ) == ("False")


def test_in_development_staff_reach_the_admin_with_a_password(client, office):
    password_login(client, "kontor")
    assert client.get(reverse("admin:index")).status_code == 200


def test_in_production_staff_without_a_device_must_set_one_up(client, office, required):
    response = password_login(client, "kontor", "/admin/")
    assert response.url == "/admin/"
    to_setup = client.get("/admin/")
    assert to_setup.status_code == 302
    assert to_setup.url == reverse("twofactor_setup") + "?next=%2Fadmin%2F"
    # every page and the admin's pages, not only the index
    assert client.get(reverse("admin:circles_person_changelist")).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("twofactor_setup"))
    page = client.get(to_setup.url).content.decode()
    assert "<svg" in page and "QR-kode" in page
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    import base64

    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == (
        device.bin_key
    )


def test_a_session_forced_in_is_held_back_too(client, office, required):
    client.force_login(office)
    assert client.get(reverse("admin:index")).url.startswith(reverse("twofactor_setup"))


def test_setup_with_a_wrong_code_is_refused(client, office, required):
    password_login(client, "kontor")
    client.get(reverse("twofactor_setup"))
    device = TOTPDevice.objects.get(user=office)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("twofactor_setup"), {"otp_token": wrong})
    assert "Koden passer ikke" in response.content.decode()
    assert not TOTPDevice.objects.get(user=office).confirmed
    assert client.get(reverse("admin:index")).status_code == 302


def test_setup_confirms_and_shows_ten_backup_codes_once(client, office, required):
    password_login(client, "kontor")
    codes = set_up_app(client, office)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=office).confirmed
    assert client.get(reverse("admin:index")).status_code == 200  # this session gave the code
    assert not any(code in client.get(reverse("twofactor_overview")).content.decode() for code in codes)


def test_backup_codes_are_stored_hashed(client, office, required):
    password_login(client, "kontor")
    codes = set_up_app(client, office)
    stored = set(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_every_later_login_asks_for_the_code(client, office, required):
    password_login(client, "kontor")
    set_up_app(client, office)
    client.post(reverse("logout"))
    password_login(client, "kontor", "/admin/")
    step = client.get("/admin/")
    assert step.url == reverse("twofactor_verify") + "?next=%2Fadmin%2F"
    assert "Indtast din kode" in client.get(step.url).content.decode()
    device = TOTPDevice.objects.get(user=office)
    response = give_code(client, code_for(device, steps_ahead=1), "/admin/")
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_then_throttled(client, office, required):
    password_login(client, "kontor")
    set_up_app(client, office)
    client.post(reverse("logout"))
    password_login(client, "kontor")
    device = TOTPDevice.objects.get(user=office)
    right = code_for(device, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = give_code(client, wrong)
    assert refused.status_code == 200 and "Koden er forkert" in refused.content.decode()
    # right after a wrong code even the right one waits: guessing is slowed down
    throttled = give_code(client, right)
    assert "For mange forkerte koder" in throttled.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    with time_machine.travel(time.time() + 2):
        assert give_code(client, right).status_code == 302
        assert client.get(reverse("admin:index")).status_code == 200


def test_a_backup_code_works_once(client, office, required):
    password_login(client, "kontor")
    codes = set_up_app(client, office)
    client.post(reverse("logout"))
    password_login(client, "kontor")
    response = give_code(client, codes[0].upper().replace("-", " "))  # as typed from paper
    assert response.status_code == 302
    assert "9 tilbage" in client.get(reverse("home"), follow=True).content.decode()
    client.post(reverse("logout"))
    with time_machine.travel(time.time() + 2):
        password_login(client, "kontor")
        again = give_code(client, codes[0])
    assert "Koden er forkert eller brugt" in again.content.decode()
    assert StaticToken.objects.filter(device__user=office).count() == 9


def test_logout_works_before_the_code(client, office, required):
    password_login(client, "kontor")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("login"))


def test_the_admin_login_is_the_front_end_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    to_login = client.get(response.url)
    assert to_login.url == reverse("login") + "?next=%2Fadmin%2F"


def test_a_member_on_the_admin_login_gets_403_not_a_loop(client, member):
    client.force_login(member)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


# Reset by a superuser ----------------------------------------------------------------------------


def test_a_superuser_resets_a_users_two_factor(client, office, required):
    password_login(client, "kontor")
    set_up_app(client, office)
    client.post(reverse("logout"))
    boss = factories.UserFactory(username="chef", is_staff=True, is_superuser=True)
    admin_client = type(client)()
    admin_client.force_login(boss)
    admin_client.get(reverse("twofactor_setup"))
    boss_device = TOTPDevice.objects.get(user=boss)
    admin_client.post(reverse("twofactor_setup"), {"otp_token": code_for(boss_device)})
    response = admin_client.post(
        reverse("admin:circles_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [office.pk]},
        follow=True,
    )
    assert "Totrinsbekræftelse nulstillet for 1 bruger" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert not StaticDevice.objects.filter(user=office).exists()
    assert LogEntry.objects.filter(object_id=str(office.pk), change_message__contains="nulstillet").exists()
    # the office user sets it up again at the next login
    password_login(client, "kontor")
    assert client.get(reverse("admin:index")).url.startswith(reverse("twofactor_setup"))


def test_only_a_superuser_may_reset(rf, office):
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    from netvaerk.twofactor import reset_two_factor

    request = rf.post("/")
    request.user = office
    model_admin = admin.site.get_model_admin(type(office))
    with pytest.raises(PermissionDenied):
        reset_two_factor(model_admin, request, type(office).objects.all())


# Members and coordinators may turn it on -------------------------------------------------------


def test_a_member_logs_in_without_a_code_until_they_turn_it_on(client, member, required):
    password_login(client, "medlem")
    assert client.get(reverse("home")).status_code == 200
    overview = client.get(reverse("twofactor_overview")).content.decode()
    assert "Totrinsbekræftelse er slået fra" in overview
    codes = set_up_app(client, member)
    assert len(codes) == 10
    client.post(reverse("logout"))
    password_login(client, "medlem")
    assert client.get(reverse("home")).url.startswith(reverse("twofactor_verify"))
    give_code(client, code_for(TOTPDevice.objects.get(user=member), steps_ahead=1))
    assert client.get(reverse("home")).status_code == 200


def test_a_member_may_turn_it_off_but_staff_may_not(client, member, office, required):
    password_login(client, "medlem")
    set_up_app(client, member)
    assert client.post(reverse("twofactor_disable")).status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    staff = type(client)()
    password_login(staff, "kontor")
    set_up_app(staff, office)
    assert staff.post(reverse("twofactor_disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=office).exists()


def test_new_backup_codes_replace_the_old(client, member):
    password_login(client, "medlem")
    old = set_up_app(client, member)
    response = client.post(reverse("twofactor_backup_codes"))
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(new) == 10 and not set(old) & set(new)
    client.post(reverse("logout"))
    password_login(client, "medlem")
    assert "Koden er forkert" in give_code(client, old[0]).content.decode()


def test_pages_need_no_extra_query_for_a_user_without_two_factor(client, member, django_assert_num_queries):
    """The check reads the session: a member without a device costs the pages nothing."""
    password_login(client, "medlem")
    client.get(reverse("home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert not any("otp_" in query["sql"] for query in queries.captured_queries)
