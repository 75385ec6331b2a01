"""The export of a person's data (Art. 15): every section, field by field; mails without bodies or
links; the export logged; a constant number of queries whatever the person's size."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netvaerk.privacy.export import person_export, person_export_html
from netvaerk.privacy.models import AccessLogEntry

from .builders import EMAIL, MEMBER_NUMBER, NAME, PHONE, USERNAME, build_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(branch, office):
    return build_member(branch, office=office)


def test_master_data_and_login(member, office, branch):
    data = person_export(member.person, by=office)

    assert data["person"] == {
        "id": member.person.pk,
        "branch": branch.name,
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "member_number": MEMBER_NUMBER,
        "tr_training_completed_on": "2023-03-01",
        "created_at": data["person"]["created_at"],
        "anonymised_at": None,
    }
    assert data["person"]["created_at"].startswith(str(member.person.created_at.year))
    assert data["login"]["username"] == USERNAME
    assert data["login"]["email"] == EMAIL
    assert (data["login"]["first_name"], data["login"]["last_name"]) == ("Birgitte", "Bæk Sørensen")
    assert data["login"]["active"] is True
    assert sorted(d["kind"] for d in data["two_factor_devices"]) == ["Engangskoder", "Godkendelsesapp"]
    assert "key" not in json.dumps(data["two_factor_devices"])  # no secret of a device


def test_mandates_memberships_meetings(member, office):
    data = person_export(member.person, by=office)
    meeting = member.meetings[0]

    assert data["mandates"] == [
        {
            "role": "TR",
            "workplace": "Bostedet Lyngen",
            "employer": member.person.mandates.get().workplace.employer.name,
            "elected_on": "2022-04-01",
            "ended_on": None,
        }
    ]
    assert data["memberships"] == [
        {"network": "TR-netværk Viborg Kommune", "joined_on": "2022-05-01", "left_on": None}
    ]
    first = {
        "network": "TR-netværk Viborg Kommune",
        "starts_at": "2024-01-10T18:00:00+01:00",
        "theme": meeting.theme,
        "status": "Afholdt",
    }
    assert data["invitations"][0] == {
        "meeting": first,
        "response": "Kommer",
        "responded_at": "2024-01-07T18:00:00+01:00",
    }
    assert len(data["invitations"]) == 2  # the held meeting and the upcoming one
    assert data["invitations"][1]["response"] == "Intet svar"
    assert data["attendance"] == [first]


def test_minutes_claims_and_voice(member, office):
    data = person_export(member.person, by=office)

    minutes = data["minutes_submitted"][0]
    assert minutes["meeting"]["theme"] == member.meetings[0].theme
    assert minutes["status"] == "Indsendt"
    assert minutes["text"].startswith("Referat skrevet af Birgitte Bæk Sørensen")
    assert minutes["key_messages"] == "Husk APV'en."
    assert data["minutes_versions_submitted"][0]["number"] == 1
    assert data["supervision_requests"][0]["about"] == "Supervision ønsket (0)."

    claim = data["claims"][0]
    assert claim["kind"] == "Forberedelse af netværksmøde"
    assert claim["work_date"] == "2024-05-02"
    assert (claim["hours"], claim["amount"], claim["km"]) == ("2.00", "500.00", None)
    assert claim["status"] == "Godkendt"
    assert claim["note"] == f"Forberedelse ved {NAME}"
    assert claim["submitted_at"].startswith("2024-05-03")

    signup = data["signups"][0]
    assert (signup["name"], signup["email"], signup["phone"], signup["role"]) == (NAME, EMAIL, PHONE, "AMR")
    assert "confirm_token_hash" not in signup
    assert data["key_messages_received"][0]["sent_to"] == EMAIL
    assert data["leave_letters"][0] == {
        "network": "TR-netværk Viborg Kommune",
        "year": 2024,
        "manager_email": "leder@bostedet.example.org",
        "created_at": data["leave_letters"][0]["created_at"],
    }
    assert data["mentor_prompts"][0]["done_at"] == "2024-01-10T18:00:00+01:00"


def test_mentoring(member, office):
    data = person_export(member.person, by=office)

    assert data["mentor_profile"] == {
        "willing": True,
        "capacity": 2,
        "note": f"{NAME} vil gerne være mentor senere.",
    }
    assert data["mentor_requests"][0]["status"] == "Parret"
    offer = data["mentor_offers"][0]
    assert (offer["role"], offer["mentor"], offer["mentee"], offer["status"]) == (
        "Ny TR",
        "Morten Mentor",
        NAME,
        "Accepteret",
    )
    pairing = data["pairings"][0]
    assert (pairing["role"], pairing["other_party"], pairing["status"]) == (
        "Ny TR",
        "Morten Mentor",
        "Aktivt",
    )
    assert pairing["sessions"] == [
        {
            "held_on": "2024-02-09",
            "duration_minutes": 90,
            "mode": "Online",
            "themes": ["annual_plan"],
            "topics": f"Årshjulet, noteret af {NAME}",
            "logged_by_them": True,
        }
    ]
    # only the feedback they gave: the mentor's own evaluation is never shown to the mentee
    assert [f["useful"] for f in pairing["feedback_given"]] == [f"Godt forløb – {NAME}"]


def test_mails_are_headers_without_bodies_or_links(member, office):
    data = person_export(member.person, by=office)

    assert data["mails"] == [
        {
            "created_at": data["mails"][0]["created_at"],
            "sent_at": "2023-12-31T18:00:00+01:00",
            "to": f"{NAME} <{EMAIL}>",
            "subject": "Invitation: Tema 0",
            "status": "Sendt",
        }
    ]
    text = json.dumps(data, ensure_ascii=False) + person_export_html(data)
    assert "Svar her" not in text and "[[link]]" not in text and "sealed-secret-blob" not in text
    assert "Ny TR i netværket" not in text  # a mail to someone else is not theirs
    for raw in member.raw_links:
        assert raw not in text


def test_export_is_logged_and_listed(member, office, branch):
    data = person_export(member.person, by=office)

    entry = AccessLogEntry.objects.filter(action="export").get()
    assert (entry.user, entry.person_id, entry.branch, entry.object_type) == (
        office,
        member.person.pk,
        branch,
        "circles.Person",
    )
    assert [row["action"] for row in data["access_log"]] == ["Læst", "Eksport"]
    assert data["access_log"][0]["what"] == f"Stamoplysninger: {NAME}"


def test_export_is_json_and_readable_danish_html(member, office):
    data = person_export(member.person, by=office)
    json.dumps(data)  # serialisable as it is

    html = person_export_html(data)
    assert '<html lang="da">' in html
    assert "Data om Birgitte Bæk Sørensen" in html
    assert "Frikøb og kørsel" in html and "02.05.2024" in html  # Danish dates
    assert "10.01.2024 kl. 18:00" in html
    assert "Godt forløb – Birgitte Bæk Sørensen" in html
    assert "Mentorens egen vurdering" not in html


def _count_queries(person, office):
    with CaptureQueriesContext(connection) as queries:
        person_export(person, by=office)
    return len(queries)


def test_query_count_does_not_grow(branch, other_branch, office):
    small = build_member(branch, n=1, office=office)
    small_count = _count_queries(small.person, office)
    # the same member, ten times over, in another branch (names must be unique per branch)
    from axes.models import AccessAttempt

    from circles.models import User

    AccessAttempt.objects.all().delete()
    User.objects.filter(username="birgitte").update(username="birgitte-1", email="b1@example.org")
    User.objects.filter(username="ole-lund").update(username="ole-1")
    large = build_member(other_branch, n=10, office=office)
    assert large.person.claims.count() == 10
    assert _count_queries(large.person, office) == small_count
    assert small_count <= 30
