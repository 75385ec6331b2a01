"""A person's data in the browser: the office downloads a member's data from the person's admin page
and anonymises a former member after the confirmation page. Axe on every page."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from circles.models import Person
from netvaerk.privacy.models import AccessLogEntry
from tests import factories
from tests.privacy.builders import NAME, build_member

from .conftest import assert_accessible, login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.privacy.admin_urls"),  # the Person admin with the privacy tools mixed in
]


def test_office_exports_one_member_and_anonymises_another(page, live_server, branch, office):
    member = build_member(branch, office=office)
    former = factories.PersonFactory(branch=branch, name="Finn Fraflyttet", email="finn@example.org")
    login(page, live_server, "kontor", password="demo-pass-123")

    # export: the person's page, the tool's page, the download
    page.goto(f"{live_server.url}/admin/circles/person/{member.person.pk}/change/")
    page.get_by_role("link", name="Hent data (indsigt)").click()
    expect(page.get_by_role("heading", name=f"Hent data om {NAME}")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Hent medlemmets data (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read()))  # noqa: SIM115
    data = {name.rsplit(".", 1)[1]: archive.read(name).decode() for name in archive.namelist()}
    assert json.loads(data["json"])["person"]["name"] == NAME
    assert AccessLogEntry.objects.filter(action="export", person_id=member.person.pk).count() == 1

    # the readable copy opens as a page of its own
    html_page = page.context.new_page()
    html_page.set_content(data["html"])
    expect(html_page.get_by_role("heading", name=f"Data om {NAME}")).to_be_visible()
    assert_accessible(html_page)
    html_page.close()

    # the member with claims from 2024 cannot be anonymised yet
    page.goto(f"{live_server.url}/admin/circles/person/{member.person.pk}/anonymiser/")
    expect(page.get_by_text("muligt fra den 1. januar 2030")).to_be_visible()
    assert_accessible(page)

    # the former member can: confirm with a reason
    page.goto(f"{live_server.url}/admin/circles/person/{former.pk}/change/")
    page.get_by_role("link", name="Anonymisér").click()
    expect(page.get_by_role("heading", name="Anonymisér Finn Fraflyttet")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Begrundelse").fill("Medlemmets anmodning")
    page.get_by_role("button", name="Ja, anonymisér").click()
    expect(page.get_by_text("Medlemmet er anonymiseret.")).to_be_visible()
    assert_accessible(page)
    former.refresh_from_db()
    assert former.name == f"Anonymiseret medlem #{former.pk}"
    assert Person.objects.get(pk=member.person.pk).anonymised_at is None
