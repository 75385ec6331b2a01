"""The change log and the office's access log: who changed or saw what, searchable, read-only."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from netvaerk.privacy.log import record
from netvaerk.privacy.models import AccessLogEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_change_in_a_request_is_in_both_logs_with_user_and_address(client, office, branch):
    """Through the real middleware: the office edits its branch's retention periods in the admin."""
    from netvaerk.privacy.models import RetentionPolicy

    policy = RetentionPolicy.objects.create(branch=branch)
    client.force_login(office)
    url = reverse("admin:privacy_retentionpolicy_change", args=[policy.pk])
    data = {
        "mail_body_days": 45,
        "inactive_person_years": 3,
        "erasure_notice_days": 30,
        "access_log_days": 1825,
        "claim_keep_years": 5,
    }
    response = client.post(url, data, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(policy).latest("timestamp")
    assert entry.actor == office
    assert entry.changes_dict["mail_body_days"] == ["30", "45"]
    logged = AccessLogEntry.objects.get(action="change", object_type="privacy.RetentionPolicy")
    assert (logged.user, logged.branch, logged.ip) == (office, branch, "192.0.2.7")


def test_a_change_about_a_member_names_the_member_by_id_only(office, branch):
    from auditlog.context import set_actor

    person = factories.PersonFactory(branch=branch, name="Pia Persen", email="pia@example.org")
    with set_actor(office, remote_addr="192.0.2.8"):
        person.phone = "12345678"
        person.save()
        factories.MandateFactory(person=person)
    logged = AccessLogEntry.objects.filter(action="change", person_id=person.pk)
    assert {entry.object_type for entry in logged} == {"circles.Person", "circles.Mandate"}
    assert all(entry.branch == branch and entry.user == office for entry in logged)
    # the office's log carries type and number, not the member's name
    assert not any("Pia" in entry.what for entry in logged)


def test_changes_without_a_user_are_only_in_the_change_log(branch):
    person = factories.PersonFactory(branch=branch)
    person.phone = "87654321"
    person.save()
    assert LogEntry.objects.get_for_object(person).exists()
    assert not AccessLogEntry.objects.filter(object_id=str(person.pk), object_type="circles.Person").exists()


def test_the_password_and_token_hashes_are_not_tracked(branch):
    user = factories.UserFactory(username="pw")
    user.set_password("a new secret password")
    user.save()
    for entry in LogEntry.objects.get_for_object(user):
        assert "password" not in entry.changes_dict
    meeting = factories.MeetingFactory(network=factories.NetworkFactory(branch=branch))
    from circles.models import Invitation

    invitation = Invitation.objects.create(
        meeting=meeting, person=factories.PersonFactory(branch=branch), token_hash="f" * 64
    )
    for entry in LogEntry.objects.get_for_object(invitation):
        assert "token_hash" not in entry.changes_dict


def test_confidential_minutes_text_is_masked_in_the_change_log(network):
    from circles.models import Minutes

    meeting = factories.MeetingFactory(network=network)
    minutes = Minutes.objects.create(meeting=meeting, text="Fortroligt: Jens er syg", confidential=True)
    minutes.text = "Fortroligt: Jens er stadig syg"
    minutes.save()
    for entry in LogEntry.objects.get_for_object(minutes):
        assert "Jens" not in str(entry.changes)


# The office's access-log admin -----------------------------------------------------------------------


def _entries(branch, user, n, person=None):
    for i in range(n):
        AccessLogEntry.objects.create(
            user=user,
            user_label=user.username,
            branch=branch,
            action=AccessLogEntry.Action.READ,
            what=f"Referat #{i}",
            person_id=person.pk if person else None,
        )


def test_the_office_sees_its_own_branch_only(client, office, branch, other_branch, other_office):
    _entries(branch, office, 2)
    _entries(other_branch, other_office, 3)
    client.force_login(office)
    page = client.get(reverse("admin:privacy_accesslogentry_changelist"))
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    other = AccessLogEntry.objects.filter(branch=other_branch).first()
    assert client.get(reverse("admin:privacy_accesslogentry_change", args=[other.pk])).status_code in (
        302,
        404,
    )


def test_the_office_finds_entries_about_a_member_by_name_and_by_user(client, office, branch, consultant):
    person = factories.PersonFactory(branch=branch, name="Søren Søgbar", email="soeren@example.org")
    _entries(branch, consultant, 2, person=person)
    _entries(branch, office, 3)
    client.force_login(office)
    url = reverse("admin:privacy_accesslogentry_changelist")
    assert client.get(url, {"q": "Søgbar"}).context["cl"].result_count == 2
    assert client.get(url, {"q": "soeren@example.org"}).context["cl"].result_count == 2
    assert client.get(url, {"q": consultant.username}).context["cl"].result_count == 2


def test_a_name_in_another_branch_finds_nothing(client, office, branch, other_branch, other_office):
    stranger = factories.PersonFactory(branch=other_branch, name="Fremmed Person")
    _entries(branch, office, 1, person=stranger)  # an id that happens to be logged here
    client.force_login(office)
    url = reverse("admin:privacy_accesslogentry_changelist")
    assert client.get(url, {"q": "Fremmed"}).context["cl"].result_count == 0


def test_the_access_log_is_read_only_for_everyone(client, office, branch):
    superuser = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    _entries(branch, office, 1)
    entry = AccessLogEntry.objects.get()
    for user in (office, superuser):
        client.force_login(user)
        assert client.get(reverse("admin:privacy_accesslogentry_add")).status_code == 403
        assert client.get(reverse("admin:privacy_accesslogentry_delete", args=[entry.pk])).status_code == 403
        response = client.post(
            reverse("admin:privacy_accesslogentry_change", args=[entry.pk]), {"what": "rettet"}
        )
        assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.what == "Referat #0"


def test_the_change_diffs_are_for_superusers_only(client, office, consultant):
    url = reverse("admin:auditlog_logentry_changelist")
    client.force_login(office)
    assert client.get(url).status_code == 403
    client.force_login(consultant)
    assert client.get(url).status_code == 403
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


def test_a_member_or_coordinator_cannot_open_the_log(client, coordinator, member):
    url = reverse("admin:privacy_accesslogentry_changelist")
    for user in (coordinator, member):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_access_log_list_has_a_constant_query_count(
    client, office, branch, size, django_assert_max_num_queries
):
    _entries(branch, office, size)
    client.force_login(office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:privacy_accesslogentry_changelist"))
    assert response.status_code == 200


def test_record_helper_writes_who_from_where_and_about_whom(rf, office, branch):
    person = factories.PersonFactory(branch=branch)
    request = rf.get("/medlem/1/", REMOTE_ADDR="203.0.113.9")
    request.user = office
    entry = record(request, "read", "Medlem", obj=person, person_id=person.pk)
    assert (entry.user, entry.ip, entry.person_id, entry.branch) == (office, "203.0.113.9", person.pk, branch)
    assert entry.object_type == "circles.Person"


# Reads and exports that the views record --------------------------------------------------------------


def test_a_coordinator_reading_a_members_master_data_is_logged(client, coordinator, member, network):
    person = member.person
    client.force_login(coordinator)
    assert client.get(reverse("circles:person_detail", args=[person.pk])).status_code == 200
    entry = AccessLogEntry.objects.get(action="read")
    assert (entry.user, entry.person_id, entry.branch) == (coordinator, person.pk, network.branch)
    assert entry.path == reverse("circles:person_detail", args=[person.pk])


def test_a_refused_read_is_not_logged_as_a_read(client, member, coordinator):
    client.force_login(member)
    response = client.get(reverse("circles:person_detail", args=[coordinator.person.pk]))
    assert response.status_code in (403, 404)
    assert not AccessLogEntry.objects.filter(action="read").exists()


def test_the_bookkeeping_export_is_logged(client, office, branch):
    client.force_login(office)
    response = client.get(
        reverse("admin:circles_claims_export"),
        {"start": "2026-01-01", "end": "2026-03-31", "which": "all", "format": "csv"},
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(action="export")
    assert entry.user == office and "01.01.2026" in entry.what and entry.branch == branch


def test_an_invalid_export_request_is_not_logged(client, office):
    client.force_login(office)
    response = client.get(
        reverse("admin:circles_claims_export"), {"start": "2026-05-01", "end": "2026-01-01", "format": "csv"}
    )
    assert response.status_code == 200 and "attachment" not in response.get("Content-Disposition", "")
    assert not AccessLogEntry.objects.exists()


def test_reading_confidential_minutes_and_downloading_a_file_is_logged(client, coordinator, member, network):
    from django.core.files.base import ContentFile

    from circles.models import Minutes, MinutesAttachment

    meeting = factories.MeetingFactory(network=network)
    minutes = Minutes.objects.create(
        meeting=meeting,
        text="Fortroligt",
        confidential=True,
        status="approved",
        submitted_at=meeting.starts_at,
        decided_at=meeting.starts_at,
    )
    client.force_login(member)
    assert client.get(reverse("circles:minutes_detail", args=[meeting.pk])).status_code == 200
    read = AccessLogEntry.objects.get(action="read")
    assert (read.user, read.object_type, read.branch_id) == (member, "circles.Minutes", network.branch_id)

    attachment = MinutesAttachment(minutes=minutes, kind="pdf", original_name="referat.pdf", size=9)
    attachment.file.save("referat.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment.save()
    client.force_login(coordinator)
    response = client.get(reverse("circles:minutes_file", args=[attachment.pk]))
    assert response.status_code == 200
    download = AccessLogEntry.objects.get(action="download")
    assert (download.user, download.object_id) == (coordinator, str(attachment.pk))


def test_reading_open_minutes_is_not_logged(client, member, network):
    from circles.models import Minutes

    meeting = factories.MeetingFactory(network=network)
    Minutes.objects.create(
        meeting=meeting,
        text="Åbent",
        status="approved",
        submitted_at=meeting.starts_at,
        decided_at=meeting.starts_at,
    )
    client.force_login(member)
    assert client.get(reverse("circles:minutes_detail", args=[meeting.pk])).status_code == 200
    assert not AccessLogEntry.objects.exists()
