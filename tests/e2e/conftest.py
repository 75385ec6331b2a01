import pytest
from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}


def assert_accessible(page):
    """axe-core on the page as it is now: no serious or critical violations."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    assert not blocking, "\n".join(
        f"{v['impact']}: {v['id']} – {v['help']} ({[n['target'] for n in v['nodes']][:5]})" for v in blocking
    )


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def login(page, live_server, username, password="demo"):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
