"""Guards every page shares: NUL bytes refused, no caching of personal pages, idle sessions end."""

import time

import pytest
import time_machine
from django.urls import reverse

from netvaerk.middleware import LAST_SEEN

NUL_REQUESTS = [
    ("get", "/admin/circles/minutes/", {"status": "\x00"}),
    ("get", "/admin/circles/person/", {"hverv": "\x00"}),
    (
        "get",
        "/admin/autocomplete/",
        {"term": "\x00", "app_label": "circles", "model_name": "membership", "field_name": "person"},
    ),
    ("get", "/admin/circles/person/", {"q": "abc\x00def"}),
    ("post", "/admin/circles/employer/add/", {"name": "Kommune\x00", "kind": "municipality"}),
]


@pytest.mark.parametrize(("method", "url", "data"), NUL_REQUESTS)
def test_nul_bytes_are_refused_in_danish_before_any_view(client, office, method, url, data):
    from circles.models import Employer

    client.force_login(office)
    response = getattr(client, method)(url, data)
    assert response.status_code == 400
    assert "ugyldigt tegn" in response.content.decode()
    assert not Employer.objects.filter(name__startswith="Kommune").exists()


def test_nul_in_the_path_is_refused(client, member):
    client.force_login(member)
    assert client.get("/netvaerk/1%00/").status_code in (400, 404)


@pytest.mark.postgres
@pytest.mark.parametrize(("method", "url", "data"), NUL_REQUESTS)
def test_nul_bytes_never_reach_postgresql(client, office, method, url, data):
    client.force_login(office)
    assert getattr(client, method)(url, data).status_code == 400


def test_pages_with_personal_data_are_not_stored(client, member, network):
    client.force_login(member)
    for url in (reverse("home"), network.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_the_login_page_is_not_stored_either(client):
    response = client.get(reverse("login"))
    assert "no-store" in response["Cache-Control"]


def test_staff_are_logged_out_after_eight_idle_hours(client, office):
    with time_machine.travel("2026-11-26 08:00 +0100", tick=False) as traveller:
        client.force_login(office)
        assert client.get("/admin/").status_code == 200
        traveller.shift(7 * 3600)
        assert client.get("/admin/").status_code == 200  # activity keeps the session
        traveller.shift(7 * 3600)
        assert client.get("/admin/").status_code == 200
        traveller.shift(8 * 3600 + 60)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


def test_members_keep_their_session_through_a_working_week(client, member, settings):
    with time_machine.travel("2026-11-26 08:00 +0100", tick=False) as traveller:
        client.force_login(member)
        traveller.shift(3 * 24 * 3600)
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(settings.SESSION_IDLE_TIMEOUT_MEMBER + 60)
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_idle_time_is_configurable(client, office, settings):
    settings.SESSION_IDLE_TIMEOUT_STAFF = 600
    with time_machine.travel("2026-11-26 08:00 +0100", tick=False) as traveller:
        client.force_login(office)
        traveller.shift(601)
        assert client.get("/admin/").status_code == 302


def test_the_session_is_not_written_on_every_request(client, member):
    client.force_login(member)
    client.get(reverse("home"))
    stamp = client.session[LAST_SEEN]
    client.get(reverse("home"))
    assert client.session[LAST_SEEN] == stamp
    assert abs(stamp - time.time()) < 5
