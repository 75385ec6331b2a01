"""Every mail is recorded in the business transaction and sent after commit, exactly once."""

import email
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.tasks import send_email, send_emails, sweep_outbox

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = "accounts/password_reset"


def record(key="k1", to="tr@example.org", **extra):
    from tests import factories

    user = factories.UserFactory.build(username="tr", first_name="Tove")
    return services.enqueue(
        TEMPLATE, to=to, key=key, context={"user": user, "link": "/x/", "valid_days": 3}, **extra
    )


def test_rolled_back_business_transaction_records_and_sends_nothing(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        record()
        raise RuntimeError("the business rule failed")
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


def test_committed_mail_is_sent_once_after_commit(mailoutbox):
    with transaction.atomic():
        row = record()
        assert mailoutbox == []  # nothing leaves before commit
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 1 and row.sent_at
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["tr@example.org"] and not message.cc and not message.bcc
    assert message.subject == "Vælg din adgangskode til Netværk"
    assert "Hej Tove" in message.body
    assert message.alternatives[0][1] == "text/html" and "<a href=" in message.alternatives[0][0]


def test_same_key_twice_is_one_row_and_one_mail(mailoutbox):
    with transaction.atomic():
        first = record()
        second = record()
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1 and len(mailoutbox) == 1


def test_running_the_send_task_twice_sends_once(mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)  # no automatic send
    row = record()
    assert send_email.apply(args=[row.pk]).get() == "sent"
    assert send_email.apply(args=[row.pk]).get() == "skipped"
    assert len(mailoutbox) == 1


def test_a_row_being_sent_by_another_worker_is_not_sent_again(mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.SENDING, claimed_at=timezone.now()
    )
    assert services.deliver(row.pk) == "skipped"
    assert mailoutbox == []


def test_smtp_server_receives_the_mail_and_its_calendar_attachment(smtp):
    record(
        attachments=[
            {
                "filename": "invitation.ics",
                "content": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                "mimetype": "text/calendar",
                "params": {"method": "REQUEST"},
            }
        ]
    )
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["tr@example.org"]
    message = email.message_from_bytes(envelope.content)
    calendar = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendar) == 1
    assert calendar[0].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in calendar[0].get_payload(decode=True).decode()


def test_4xx_is_retried_with_backoff_then_sent(smtp):
    smtp.reply = "451 4.3.0 Try again later"
    row = record()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert services.deliver(row.pk) == "skipped"  # not due yet
    smtp.reply = None
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert sweep_outbox.apply().get() == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 2
    assert len(smtp.messages) == 1


def test_5xx_is_final_and_not_retried(smtp):
    smtp.reply = "550 5.1.1 No such user"
    row = record()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and "550" in row.last_error
    smtp.reply = None
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.sweep() == 0
    assert smtp.messages == []


def test_refused_connection_is_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    row = record()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED and row.next_attempt_at is not None


def test_gives_up_after_the_maximum_attempts(smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp.reply = "421 4.7.0 Busy"
    row = record()
    for _ in range(2):
        row.refresh_from_db()
        with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
            services.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and row.attempts == 3


def test_broker_outage_never_blocks_the_business_transaction(mailoutbox, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(send_emails, "apply_async", broker_down)
    with transaction.atomic():
        row = record()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED and mailoutbox == []
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + services.PUBLISH_GRACE + timedelta(seconds=1)):
        assert services.sweep() == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and len(mailoutbox) == 1


def test_a_worker_killed_mid_send_is_picked_up_by_the_sweeper(mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    monkeypatch.undo()
    assert services.sweep() == 0  # a fresh claim belongs to a live worker
    with time_machine.travel(timezone.now() + services.claim_timeout() + timedelta(seconds=1)):
        assert services.sweep() == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and len(mailoutbox) == 1


def test_message_id_is_stable_across_attempts(smtp):
    smtp.reply = "451 4.3.0 later"
    row = record()
    smtp.reply = None
    row.refresh_from_db()
    first = services._build_message(row, None).message()["Message-ID"]
    second = services._build_message(row, None).message()["Message-ID"]
    assert first == second


def test_sweep_queries_do_not_grow_with_the_backlog(monkeypatch, django_db_blocker):
    from django.db import connection

    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)
    for index in range(5):
        record(key=f"a{index}")
    later = timezone.now() + services.PUBLISH_GRACE + timedelta(seconds=1)
    with time_machine.travel(later), CaptureQueriesContext(connection) as small:
        assert services.sweep() == 5
    for index in range(45):
        record(key=f"b{index}")
    with time_machine.travel(later + timedelta(minutes=1)), CaptureQueriesContext(connection) as large:
        assert services.sweep() == 50
    assert len(small) == len(large) == 3  # two stale-claim updates, one select
