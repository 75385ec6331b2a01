"""The office's privacy tools in the admin: who may use them (office of the person's branch and
superusers; another branch 404; consultants and coordinators 403), and bad input changing nothing."""

import io
import json
import zipfile

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from circles.models import Person
from netvaerk.privacy.models import AccessLogEntry, ErasureReview
from tests import factories

from .builders import NAME, build_member

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.privacy.admin_urls")]
CHANGELIST = "admin:circles_person_changelist"


@pytest.fixture
def person(branch):
    """A former member with nothing that must be kept: may be anonymised today."""
    person = factories.PersonFactory(
        branch=branch, name="Finn Fraflyttet", email="finn@example.org", phone="22334455"
    )
    factories.MandateFactory(person=person)
    return person


def export_url(person):
    return reverse("admin:circles_person_privacy_export", args=[person.pk])


def anonymise_url(person):
    return reverse("admin:circles_person_privacy_anonymise", args=[person.pk])


def unzip(response) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert [name.rsplit(".", 1)[1] for name in names] == ["html", "json"]
    return {name.rsplit(".", 1)[1]: archive.read(name).decode() for name in names}


# export ------------------------------------------------------------------------------------------


def test_office_downloads_the_export(client, office, branch):
    member = build_member(branch, office=office)
    client.force_login(office)

    page = client.get(export_url(member.person))
    assert page.status_code == 200
    assert "Hent medlemmets data (ZIP)" in page.content.decode()
    assert not AccessLogEntry.objects.filter(
        action="export"
    ).exists()  # looking at the button is not exporting

    response = client.post(export_url(member.person))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="persondata-{member.person.pk}-')
    files = unzip(response)
    assert json.loads(files["json"])["person"]["name"] == NAME
    assert f"Data om {NAME}" in files["html"]
    entry = AccessLogEntry.objects.get(action="export")
    assert (entry.user, entry.person_id, entry.path) == (office, member.person.pk, export_url(member.person))
    assert entry.ip == "127.0.0.1"


def test_export_action_gives_one_person(client, office, person, branch):
    other = factories.PersonFactory(branch=branch)
    client.force_login(office)
    url = reverse(CHANGELIST)

    response = client.post(url, {"action": "export_person_data", helpers.ACTION_CHECKBOX_NAME: [person.pk]})
    assert response["Content-Type"] == "application/zip"
    assert json.loads(unzip(response)["json"])["person"]["email"] == "finn@example.org"

    response = client.post(
        url,
        {"action": "export_person_data", helpers.ACTION_CHECKBOX_NAME: [person.pk, other.pk]},
        follow=True,
    )
    assert "Vælg præcis ét medlem" in response.content.decode()
    assert AccessLogEntry.objects.filter(action="export").count() == 1


def test_superuser_may_export(client, person):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.post(export_url(person))["Content-Type"] == "application/zip"


@pytest.mark.parametrize("who", ["other_office", "consultant", "coordinator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_export_refused(client, person, who, method, request):
    user = request.getfixturevalue(who)
    expected = {"other_office": 404, "consultant": 403, "coordinator": 403}[who]
    client.force_login(user)
    assert getattr(client, method)(export_url(person)).status_code == expected
    assert not AccessLogEntry.objects.filter(action="export").exists()


def test_anonymous_goes_to_the_login(client, person):
    response = client.get(export_url(person))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_unknown_person_is_404(client, office):
    client.force_login(office)
    assert client.get("/admin/circles/person/999999/persondata/").status_code == 404
    assert client.get("/admin/circles/person/abc/persondata/").status_code in (302, 404)  # not a person id


def test_consultant_has_no_privacy_actions(client, consultant, person):
    client.force_login(consultant)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert "export_person_data" not in page.content.decode()
    response = client.post(
        reverse(CHANGELIST), {"action": "anonymise_people", helpers.ACTION_CHECKBOX_NAME: [person.pk]}
    )
    assert response.status_code in (200, 302)
    assert Person.objects.get(pk=person.pk).anonymised_at is None


# anonymisation -----------------------------------------------------------------------------------


def test_office_anonymises_from_the_confirmation_page(client, office, person):
    client.force_login(office)
    page = client.get(anonymise_url(person))
    assert page.status_code == 200
    assert "Ja, anonymisér" in page.content.decode()
    assert Person.objects.get(pk=person.pk).anonymised_at is None  # GET changes nothing

    response = client.post(anonymise_url(person), {"reason": "Medlemmets anmodning"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == f"Anonymiseret medlem #{person.pk}"
    assert AccessLogEntry.objects.get(action="erase").ip == "127.0.0.1"


@pytest.mark.parametrize("reason", ["", "x" * 501])
def test_bad_reason_changes_nothing(client, office, person, reason):
    client.force_login(office)
    response = client.post(anonymise_url(person), {"reason": reason})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Person.objects.get(pk=person.pk).anonymised_at is None


def test_nul_byte_changes_nothing(client, office, person):
    client.force_login(office)
    response = client.post(anonymise_url(person), {"reason": "med\x00nul"})
    assert response.status_code == 400
    assert Person.objects.get(pk=person.pk).anonymised_at is None


def test_refused_while_a_claim_must_be_kept(client, office, branch):
    member = build_member(branch, office=office)  # claims of 2024: kept until 31.12.2029
    client.force_login(office)

    page = client.get(anonymise_url(member.person))
    assert "muligt fra den 1. januar 2030" in page.content.decode()
    assert "Ja, anonymisér" not in page.content.decode()
    client.post(anonymise_url(member.person), {"reason": "Medlemmets anmodning"})
    assert Person.objects.get(pk=member.person.pk).name == NAME


@pytest.mark.parametrize("who", ["other_office", "consultant", "coordinator"])
def test_anonymise_refused(client, person, who, request):
    user = request.getfixturevalue(who)
    expected = {"other_office": 404, "consultant": 403, "coordinator": 403}[who]
    client.force_login(user)
    assert client.post(anonymise_url(person), {"reason": "Ondt i sinde"}).status_code == expected
    assert Person.objects.get(pk=person.pk).anonymised_at is None


def test_anonymise_action_confirms_and_lists_the_refused(client, office, person, branch):
    member = build_member(branch, office=office)
    client.force_login(office)
    selected = {"action": "anonymise_people", helpers.ACTION_CHECKBOX_NAME: [person.pk, member.person.pk]}

    confirm = client.post(reverse(CHANGELIST), selected)
    text = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Finn Fraflyttet" in text and f"{NAME}: muligt fra den 1. januar 2030" in text
    assert Person.objects.filter(anonymised_at__isnull=False).count() == 0

    done = client.post(reverse(CHANGELIST), {**selected, "post": "yes", "reason": "Udmeldt"}, follow=True)
    assert "1 medlem er anonymiseret." in done.content.decode()
    assert Person.objects.get(pk=person.pk).anonymised_at is not None
    assert Person.objects.get(pk=member.person.pk).anonymised_at is None


def test_anonymise_action_ignores_another_branch(client, office, other_branch):
    stranger = factories.PersonFactory(branch=other_branch)
    client.force_login(office)
    client.post(
        reverse(CHANGELIST),
        {
            "action": "anonymise_people",
            helpers.ACTION_CHECKBOX_NAME: [stranger.pk],
            "post": "yes",
            "reason": "x",
        },
    )
    assert Person.objects.get(pk=stranger.pk).anonymised_at is None


# the office's review of flagged free text -----------------------------------------------------------


def test_office_reviews_flagged_text(client, office, other_office, branch):
    from netvaerk.privacy.erasure import person_anonymise

    member = build_member(branch)  # claims not approved ...
    member.person.claims.update(status="withdrawn")  # ... and withdrawn: nothing to keep
    person_anonymise(member.person, by=office, reason="Medlemmets anmodning")
    review = ErasureReview.objects.filter(object_type="circles.Minutes", field="text").first()
    url = reverse("admin:privacy_erasurereview_change", args=[review.pk])

    client.force_login(other_office)
    assert client.get(url).status_code in (302, 404)  # another branch's rows do not exist for them
    client.force_login(office)
    page = client.get(url)
    assert page.status_code == 200
    assert "Referat skrevet af" in page.content.decode()  # the office reads the text itself

    changelist = reverse("admin:privacy_erasurereview_changelist")
    client.post(changelist, {"action": "mark_reviewed", helpers.ACTION_CHECKBOX_NAME: [review.pk]})
    review.refresh_from_db()
    assert review.reviewed_by == office and review.reviewed_at is not None


@pytest.mark.parametrize("term", ["abc", "1" * 30, "12", "circles.Minutes"])
def test_review_search_survives_any_term(client, office, term):
    client.force_login(office)
    assert client.get(reverse("admin:privacy_erasurereview_changelist"), {"q": term}).status_code == 200
