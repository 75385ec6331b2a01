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


def test_resend_in_the_admin_leaves_a_mail_being_sent_alone(client, office, branch, mailoutbox):
    sending = row(branch, "sending", status=OutboundEmail.Status.SENDING)
    client.force_login(office)
    response = client.post(URL, {"action": "resend", "_selected_action": [sending.pk]}, follow=True)
    assert "1 mail er ikke sat i kø igen: den sendes lige nu" in response.content.decode()
    sending.refresh_from_db()
    assert sending.status == OutboundEmail.Status.SENDING and sending.attempts == 3 and mailoutbox == []


def test_the_office_sees_a_withdrawn_mail_and_possible_duplicates(client, office, branch):
    withdrawn = row(branch, "withdrawn", status=OutboundEmail.Status.WITHDRAWN)
    OutboundEmail.objects.filter(pk=withdrawn.pk).update(lost_claims=1)
    row(branch, "failed")
    client.force_login(office)
    content = client.get(URL, {"status__exact": "withdrawn"}).content.decode()
    assert "Emne withdrawn" in content and "Trukket tilbage" in content and "Emne failed" not in content
    assert "mulige dubletter" in content.lower()
