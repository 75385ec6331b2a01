"""Minutes: writing, uploading, submitting, reviewing; who may read them; what the mails contain."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from circles.models import Attendance, Meeting, Minutes, MinutesAttachment, Network
from circles.models.minutes import MINUTES_TEXT_MAX
from circles.services import minutes as services
from circles.uploads import safe_filename, sniff
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db
SECRET = "Lene fortalte om konflikten med lederen på Hedebo"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def held(network, coordinator, member):
    meeting = factories.MeetingFactory(
        network=network, starts_at=timezone.now() - timedelta(days=2), status=Meeting.Status.HELD
    )
    Attendance.objects.create(meeting=meeting, person=member.person)
    Attendance.objects.create(meeting=meeting, person=coordinator.person)
    return meeting


def write(meeting, by, text=SECRET, confidential=False, file=None):
    minutes = services.minutes_for(meeting)
    return services.minutes_save(
        meeting=meeting, by=by, text=text, confidential=confidential, upload=file, revision=minutes.revision
    )


def submitted(meeting, by, **kwargs):
    write(meeting, by, **kwargs)
    return services.minutes_submit(meeting=meeting, by=by)


# uploads ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("referat.pdf", PDF, "pdf"), ("referat.docx", docx_bytes(), "docx"), ("r.odt", odt_bytes(), "odt")],
)
def test_real_documents_are_recognised_by_content(name, content, kind):
    assert sniff(upload(name, content)) == kind
    assert sniff(upload("forkert-navn.txt", content)) == kind  # the name does not matter


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("referat.pdf", b"<html><script>alert(1)</script></html>", "Filtypen kendes ikke"),
        ("referat.docx", b"MZ\x90\x00 an exe", "Filtypen kendes ikke"),
        ("referat.docx", b"PK\x03\x04 not really a zip", "beskadiget"),
        ("referat.pdf", b"", "tom"),
    ],
)
def test_wrong_content_is_refused(name, content, message):
    with pytest.raises(ValidationError, match=message):
        sniff(upload(name, content))


def test_a_zip_that_is_no_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", "x")
    with pytest.raises(ValidationError, match="Filtypen kendes ikke"):
        sniff(upload("referat.docx", buffer.getvalue()))


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(ValidationError, match="urimelig størrelse"):
        sniff(upload("referat.docx", buffer.getvalue()))


def test_too_large_file_is_refused_and_nothing_is_saved(client, held, coordinator, settings):
    settings.MINUTES_UPLOAD_MAX_BYTES = 1024
    client.force_login(coordinator)
    minutes = services.minutes_for(held)
    response = client.post(
        reverse("circles:minutes_edit", args=[held.pk]),
        {"text": "Tekst", "revision": minutes.revision, "upload": upload("stor.pdf", PDF + b"0" * 2048)},
    )
    assert "Filen er for stor" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.text == "" and not MinutesAttachment.objects.exists()


def test_upload_is_stored_under_a_server_made_name(held, coordinator):
    minutes = write(held, coordinator, file=upload("../../etc/Referat marts.pdf", PDF))
    attachment = minutes.files.get()
    assert attachment.original_name == "Referat marts.pdf"
    assert "Referat" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.file.name.startswith(f"minutes/{held.pk}/")


# the flow -----------------------------------------------------------------------------------------


def test_submit_locks_keeps_a_version_and_mails_a_link(
    held, coordinator, member, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        minutes = submitted(held, coordinator)
    assert minutes.status == Minutes.Status.SUBMITTED and not minutes.is_editable
    assert minutes.versions.get().text == SECRET
    recipients = sorted(mail.to[0] for mail in mailoutbox)
    assert recipients == sorted(
        [
            f"Karen Koordinator <{coordinator.email}>",
            f"Mads Medlem <{member.email}>",
            f"{held.network.branch} <{held.network.branch.office_email}>",
        ]
    )
    for mail in mailoutbox:
        assert len(mail.to) == 1 and not mail.cc and not mail.bcc
        assert SECRET not in mail.body and SECRET not in mail.alternatives[0][0] and not mail.attachments
        office = held.network.branch.office_email in mail.to[0]
        link = f"/admin/circles/minutes/{minutes.pk}/change/" if office else f"/moede/{held.pk}/referat/"
        assert link in mail.body


def test_the_facilitating_consultant_gets_the_link_and_can_open_it(
    client, held, coordinator, consultant, django_capture_on_commit_callbacks, mailoutbox
):
    held.network.consultant = consultant
    held.network.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted(held, coordinator, confidential=True)
    (mail,) = [m for m in mailoutbox if consultant.email in m.to[0]]
    assert SECRET not in mail.body and not mail.attachments
    link = re.search(r"http://[^/\s]+(/moede/\d+/referat/)", mail.body).group(1)
    client.force_login(consultant)
    assert SECRET in client.get(link).content.decode()


def test_confidential_minutes_mail_says_so(held, coordinator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(held, coordinator, confidential=True)
    assert all("fortroligt" in mail.body for mail in mailoutbox)


def test_empty_minutes_cannot_be_submitted(held, coordinator):
    write(held, coordinator, text="   ")
    with pytest.raises(ValidationError, match="Referatet er tomt"):
        services.minutes_submit(meeting=held, by=coordinator)
    assert held.minutes.status == Minutes.Status.DRAFT and not OutboundEmail.objects.exists()


def test_double_submit_is_refused(held, coordinator):
    submitted(held, coordinator)
    mails = OutboundEmail.objects.count()
    with pytest.raises(ValidationError, match="allerede indsendt"):
        services.minutes_submit(meeting=held, by=coordinator)
    assert OutboundEmail.objects.count() == mails and held.minutes.versions.count() == 1


def test_stale_edit_is_refused_and_changes_nothing(client, held, coordinator):
    minutes = write(held, coordinator, text="Første udgave")
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:minutes_edit", args=[held.pk]),
        {"text": "Forældet udgave", "revision": minutes.revision - 1},
    )
    assert "ændret, siden du åbnede det" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.text == "Første udgave"


def test_a_broken_revision_is_shown_not_swallowed(client, held, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:minutes_edit", args=[held.pk]), {"text": "Ny tekst", "revision": "abc"}
    )
    assert "Siden er forældet" in response.content.decode()
    assert services.minutes_for(held).text == ""


def test_returned_minutes_can_be_fixed_and_resubmitted_and_every_version_is_kept(
    held, coordinator, office, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):  # its mails go out now, not with the return's
        first = submitted(held, coordinator, file=upload("v1.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_return(minutes_id=first.pk, by=office, comment="Tilføj punktet om løn.")
    returned = mailoutbox[-1]
    assert (
        returned.to == [f"Karen Koordinator <{coordinator.email}>"]
        and "Tilføj punktet om løn." in returned.body
    )
    write(held, coordinator, text="Ny udgave med løn", file=upload("v2.odt", odt_bytes()))
    services.minutes_submit(meeting=held, by=coordinator)
    services.minutes_approve(minutes_id=first.pk, by=office)
    minutes = Minutes.objects.get(pk=first.pk)
    assert minutes.status == Minutes.Status.APPROVED and minutes.decided_by == office
    versions = list(minutes.versions.order_by("number"))
    assert [(v.number, v.decision, v.text, v.attachment.original_name) for v in versions] == [
        (1, "returned", SECRET, "v1.pdf"),
        (2, "approved", "Ny udgave med løn", "v2.odt"),
    ]
    assert versions[0].return_comment == "Tilføj punktet om løn."


def test_return_needs_a_comment_and_approve_needs_submitted(held, coordinator, office):
    write(held, coordinator)
    with pytest.raises(ValidationError, match="Kun indsendte"):
        services.minutes_approve(minutes_id=held.minutes.pk, by=office)
    services.minutes_submit(meeting=held, by=coordinator)
    with pytest.raises(ValidationError, match="Skriv en kommentar"):
        services.minutes_return(minutes_id=held.minutes.pk, by=office, comment="  ")
    assert Minutes.objects.get(pk=held.minutes.pk).status == Minutes.Status.SUBMITTED


def test_minutes_for_a_future_meeting_are_refused(network, coordinator):
    meeting = factories.MeetingFactory(network=network)
    with pytest.raises(ValidationError, match="når mødet er begyndt"):
        write(meeting, coordinator)


# access -------------------------------------------------------------------------------------------


def test_edit_and_submit_are_for_the_coordinator(client, held, coordinator, member, outsider, other_office):
    edit, submit = (
        reverse("circles:minutes_edit", args=[held.pk]),
        reverse("circles:minutes_submit", args=[held.pk]),
    )
    client.force_login(coordinator)
    assert client.get(edit).status_code == 200
    client.force_login(member)
    assert client.get(edit).status_code == 403 and client.post(submit).status_code == 403
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(edit).status_code == 404 and client.post(submit).status_code == 404


def test_reading_follows_status_and_confidentiality(
    client, held, coordinator, member, office, consultant, outsider, other_office
):
    minutes = submitted(held, coordinator, confidential=True, file=upload("r.pdf", PDF))
    url = reverse("circles:minutes_detail", args=[held.pk])
    download = minutes.files.get().get_absolute_url()

    def status(user, target):
        client.force_login(user)
        return client.get(target).status_code

    assert status(coordinator, url) == 200 and status(office, url) == 200
    assert status(member, url) == 200 and status(member, download) == 200  # mailed at submission
    assert status(consultant, url) == 403 and status(consultant, download) == 403  # not approved yet
    for stranger in (outsider, other_office):
        assert status(stranger, url) == 404 and status(stranger, download) == 404
    services.minutes_approve(minutes_id=minutes.pk, by=office)
    assert status(member, url) == 200 and status(member, download) == 200
    assert (
        status(consultant, url) == 403 and status(consultant, download) == 403
    )  # confidential: not the network
    Minutes.objects.filter(pk=minutes.pk).update(confidential=False)
    assert status(consultant, url) == 200


def test_the_facilitating_consultant_is_part_of_the_network(client, branch, consultant, office):
    amr = factories.NetworkFactory(branch=branch, kind=Network.Kind.AMR, consultant=consultant)
    meeting = factories.MeetingFactory(network=amr, starts_at=timezone.now() - timedelta(days=1))
    assert services.minutes_for(meeting).confidential  # AMR minutes start out confidential
    minutes = submitted(meeting, consultant, confidential=True)
    services.minutes_approve(minutes_id=minutes.pk, by=office)
    client.force_login(consultant)
    assert client.get(reverse("circles:minutes_detail", args=[meeting.pk])).status_code == 200


def test_download_is_private_and_typed(client, held, coordinator):
    minutes = write(held, coordinator, file=upload("Referat marts.pdf", PDF))
    client.force_login(coordinator)
    response = client.get(minutes.files.get().get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert 'attachment; filename="Referat marts.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_text_is_formatted_but_never_runs_code(client, held, coordinator):
    text = "**Beslutning**\n\n- punkt et\n- punkt to\n\n<script>alert(1)</script>\n\n[klik](javascript:alert(1)) [ok](https://example.org)"
    write(held, coordinator, text=text)
    client.force_login(coordinator)
    content = client.get(reverse("circles:minutes_detail", args=[held.pk])).content.decode()
    assert "<strong>Beslutning</strong>" in content and "<li>punkt et</li>" in content
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;" in content
    assert "javascript:" not in content
    assert 'href="https://example.org"' in content


# opening the edit page writes nothing --------------------------------------------------------------


def test_opening_the_edit_page_creates_no_minutes(client, held, coordinator):
    client.force_login(coordinator)
    url = reverse("circles:minutes_edit", args=[held.pk])
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200
    assert not Minutes.objects.exists()
    client.post(url, {"text": "Første linje", "revision": 0})
    assert Minutes.objects.get().text == "Første linje"  # the first save creates the row


# bounded text -------------------------------------------------------------------------------------


def test_too_long_text_is_refused_by_the_form_and_the_service(client, held, coordinator):
    long = "x" * (MINUTES_TEXT_MAX + 1)
    with pytest.raises(ValidationError, match="for langt"):
        write(held, coordinator, text=long)
    client.force_login(coordinator)
    response = client.post(reverse("circles:minutes_edit", args=[held.pk]), {"text": long, "revision": 1})
    assert "Referatet er for langt (højst 100.000 tegn)" in response.content.decode()
    assert Minutes.objects.get().text == ""


# files --------------------------------------------------------------------------------------------


def test_a_long_file_name_keeps_its_extension():
    name = safe_filename("Referat fra netværksmødet " + "meget langt " * 30 + ".docx")
    assert len(name) <= 150 and name.endswith(".docx")
    assert safe_filename("a" * 300).startswith("a") and len(safe_filename("a" * 300)) == 150


def test_a_returned_file_is_not_for_members_once_a_newer_version_is_approved(
    client, held, coordinator, member, office, consultant
):
    first = submitted(held, coordinator, file=upload("v1.pdf", PDF))
    services.minutes_return(minutes_id=first.pk, by=office, comment="Forkert fil")
    old = first.files.get()
    write(held, coordinator, file=upload("v2.pdf", PDF))
    services.minutes_submit(meeting=held, by=coordinator)
    services.minutes_approve(minutes_id=first.pk, by=office)
    new = first.files.exclude(pk=old.pk).get()

    def status(user, attachment):
        client.force_login(user)
        return client.get(attachment.get_absolute_url()).status_code

    assert status(member, new) == 200 and status(consultant, new) == 200
    assert status(member, old) == 403 and status(consultant, old) == 403
    assert status(coordinator, old) == 200 and status(office, old) == 200


def test_the_office_reads_what_was_submitted_not_the_working_copy(client, held, coordinator, office):
    first = submitted(held, coordinator, file=upload("v1.pdf", PDF))
    services.minutes_return(minutes_id=first.pk, by=office, comment="Ret navnene")
    write(held, coordinator, text="Halvfærdig rettelse", file=upload("kladde.pdf", PDF))
    draft_file = first.files.get(original_name="kladde.pdf")
    client.force_login(office)
    page = client.get(reverse("circles:minutes_detail", args=[held.pk])).content.decode()
    assert SECRET in page and "Halvfærdig rettelse" not in page and "kladde.pdf" not in page
    assert client.get(draft_file.get_absolute_url()).status_code == 403
    assert client.get(first.files.get(original_name="v1.pdf").get_absolute_url()).status_code == 200


def test_a_wrong_upload_can_be_removed_while_the_minutes_are_editable(
    client, held, coordinator, member, outsider, settings, django_capture_on_commit_callbacks
):
    minutes = write(held, coordinator, file=upload("forkert.pdf", PDF))
    wrong = minutes.files.get()
    stored = settings.MEDIA_ROOT / wrong.file.name
    remove = reverse("circles:minutes_file_remove", args=[wrong.pk])
    client.force_login(coordinator)
    assert (
        f'action="{remove}"' in client.get(reverse("circles:minutes_edit", args=[held.pk])).content.decode()
    )
    client.force_login(member)
    assert client.post(remove).status_code == 403
    client.force_login(outsider)
    assert client.post(remove).status_code == 404
    client.force_login(coordinator)
    assert client.get(remove).status_code == 405  # only a POST removes
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove, follow=True)
    assert "Filen forkert.pdf er fjernet" in response.content.decode()
    assert not MinutesAttachment.objects.exists() and not stored.exists()


def test_a_file_that_was_submitted_stays(client, held, coordinator, office):
    first = submitted(held, coordinator, file=upload("v1.pdf", PDF))
    sent = first.files.get()
    client.force_login(coordinator)
    remove = reverse("circles:minutes_file_remove", args=[sent.pk])
    response = client.post(remove, follow=True)
    assert "låst" in response.content.decode()  # submitted: nothing can be removed
    services.minutes_return(minutes_id=first.pk, by=office, comment="Ret")
    edit = client.get(reverse("circles:minutes_edit", args=[held.pk])).content.decode()
    assert f'action="{remove}"' not in edit and "sendt med en indsendt version" in edit
    response = client.post(remove, follow=True)
    assert "bliver i historikken" in response.content.decode()
    assert first.files.get() == sent
