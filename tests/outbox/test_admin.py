import pytest
from django.urls import reverse

from netvaerk.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db
URL = reverse("admin:outbox_outboundemail_changelist")


def row(branch, key, status=OutboundEmail.Status.FAILED):
    return OutboundEmail.objects.create(
        key=key,
        template="accounts/password_reset",
        to="tr@example.org",
        subject=f"Emne {key}",
        body_text="x",
        branch=branch,
        status=status,
        attempts=3,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )


def test_office_sees_status_attempts_and_error_of_its_own_branch(client, office, branch, other_branch):
    row(branch, "ours")
    row(other_branch, "theirs")
    client.force_login(office)
    content = client.get(URL).content.decode()
    assert "Emne ours" in content and "550 no such user" in content and "Fejlet" in content
    assert "Emne theirs" not in content


def test_resend_puts_a_failed_mail_back_and_it_is_sent(
    client, office, branch, mailoutbox, django_capture_on_commit_callbacks
):
    failed = row(branch, "again")
    sent = row(branch, "done", status=OutboundEmail.Status.QUEUED)
    OutboundEmail.objects.filter(pk=sent.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=failed.created_at
    )
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"action": "resend", "_selected_action": [failed.pk, sent.pk]}, follow=True
        )
    assert "1 mail er sat i kø igen" in response.content.decode()
    failed.refresh_from_db()
    assert (
        failed.status == OutboundEmail.Status.SENT and len(mailoutbox) == 1
    )  # the sent one is not sent again
