"""Each mail leaves once: resend, lost claims, a dropped database, slow servers, refusals, topics, batches."""

import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from netvaerk.celery import app as celery_app
from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.tasks import send_emails

from .test_outbox import record

pytestmark = pytest.mark.django_db(transaction=True)
Status = OutboundEmail.Status


@pytest.fixture
def no_worker(monkeypatch):
    """Mails are recorded and stay queued: no worker runs until the test calls one."""
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)


def _later(minutes=11):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


# 1. The office's resend


def test_resend_leaves_a_mail_that_is_being_sent_alone(no_worker, mailoutbox, monkeypatch):
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    monkeypatch.undo()
    assert services.resend(OutboundEmail.objects.filter(pk=row.pk)) == 0
    row.refresh_from_db()
    assert row.status == Status.SENDING and mailoutbox == []


def test_resend_makes_a_waiting_mail_due_now(no_worker, mailoutbox, monkeypatch):
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    monkeypatch.undo()
    assert services.resend(OutboundEmail.objects.filter(pk=row.pk)) == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and len(mailoutbox) == 1


# 1 + 4. Fencing: a worker that lost its claim cannot overwrite the new claimant's row


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_new_claim_and_leaves_a_mark(
    no_worker, mailoutbox, monkeypatch
):
    row = record()
    build = services._build_message
    other = uuid.uuid4()

    def taken_over_while_sending(email, *args, **kwargs):
        # The claim went stale and another worker claimed the mail while this one was sending.
        OutboundEmail.objects.filter(pk=email.pk).update(status=Status.SENDING, claim=other, attempts=2)
        return build(email, *args, **kwargs)

    monkeypatch.setattr(services, "_build_message", taken_over_while_sending)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENDING and row.claim == other  # the new claimant's row is untouched
    assert row.lost_claims == 1  # and the possible second copy is on record
    assert len(mailoutbox) == 1


def test_a_stale_claim_counts_as_an_attempt_and_a_mail_that_kills_its_worker_fails(
    no_worker, settings, mailoutbox, monkeypatch
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=3
    )
    monkeypatch.undo()
    with _later():
        assert services.sweep() == 0
    row.refresh_from_db()
    assert row.status == Status.FAILED and "stoppede" in row.last_error and mailoutbox == []


def test_a_worker_does_not_start_sending_when_its_claim_could_go_stale_before_the_answer(
    smtp, settings, monkeypatch
):
    # A claim that lasts only EMAIL_TIMEOUT + 5 s leaves no time to start: the mail is put back.
    monkeypatch.setattr(services, "claim_timeout", lambda: timedelta(seconds=settings.EMAIL_TIMEOUT + 5))
    row = record()
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.attempts == 1 and smtp.messages == []
    monkeypatch.undo()
    assert services.deliver(row.pk) == "sent"


# 2. A dropped database connection right after the 250


def test_a_dropped_database_connection_after_the_250_does_not_send_the_mail_again(smtp):
    dropped = []

    def drop_once(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and '"sent_at"' in sql and not dropped:
            dropped.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_once):
        row = record()
    assert dropped  # the fault did happen
    row.refresh_from_db()
    assert row.status == Status.SENT
    with _later():
        services.sweep()
    assert len(smtp.messages) == 1


# 3. The server takes the mail and answers after EMAIL_TIMEOUT


def test_no_answer_after_the_content_is_uncertain_and_not_sent_again(smtp, settings):
    settings.EMAIL_TIMEOUT = 1
    smtp.delay = 2.5
    row = record()
    row.refresh_from_db()
    assert row.status == Status.UNCERTAIN and "Uvist" in row.last_error
    smtp.delay = 0
    with _later(60 * 24):
        assert services.sweep() == 0
    assert len(smtp.messages) == 1


def test_the_office_may_resend_an_uncertain_mail(smtp, settings):
    settings.EMAIL_TIMEOUT = 1
    smtp.delay = 2.5
    row = record()
    smtp.delay = 0
    services.resend(OutboundEmail.objects.filter(pk=row.pk))
    row.refresh_from_db()
    assert row.status == Status.SENT and len(smtp.messages) == 2
    assert len(set(smtp.message_ids())) == 1  # the same Message-ID: the receiver can tell


# 5. One publish per transaction, and a bounded wait when the broker is down


def test_a_transaction_publishes_its_mails_as_one_batch(monkeypatch, mailoutbox):
    calls = []
    monkeypatch.setattr(send_emails, "apply_async", lambda args, **kwargs: calls.append(args[0]))
    with transaction.atomic():
        rows = [record(key=f"k{index}", to=f"tr{index}@example.org") for index in range(30)]
    assert calls == [[row.pk for row in rows]]


def test_mails_after_a_rolled_back_savepoint_are_still_published(monkeypatch, mailoutbox):
    calls = []
    monkeypatch.setattr(send_emails, "apply_async", lambda args, **kwargs: calls.append(args[0]))
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            record(key="rolled-back")
            raise RuntimeError("this part failed")
        kept = record(key="kept")
    with transaction.atomic():
        later = record(key="later")
    assert calls == [[kept.pk], [later.pk]]


@pytest.fixture
def broker_at(settings):
    """Publish to a real (broken) broker instead of running tasks inline."""

    def point_to(url):
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = url

    original = celery_app.conf.broker_url
    yield point_to
    celery_app.conf.broker_url = original
    celery_app.conf.task_always_eager = True


def _record_many(count):
    started = time.monotonic()
    with transaction.atomic():
        for index in range(count):
            record(key=f"many{index}", to=f"tr{index}@example.org")
    return time.monotonic() - started


@pytest.mark.parametrize("broker", ["refusing", "hung"])
def test_a_broker_outage_costs_a_request_one_bounded_wait_whatever_its_mail_count(
    broker, broker_at, silent_server, settings
):
    port = 1 if broker == "refusing" else silent_server
    broker_at(f"redis://127.0.0.1:{port}/0")
    elapsed = _record_many(200)
    print(f"\n200 mails recorded and committed with the broker {broker}: {elapsed:.2f} s")
    assert elapsed < 3
    assert OutboundEmail.objects.filter(status=Status.QUEUED).count() == 200  # the sweeper sends them
    started = time.monotonic()
    with transaction.atomic():
        record(key="next-request")
    assert time.monotonic() - started < 0.5  # the next request does not wait for the broker again


# 6. Server-wide refusals are retried; a recipient refused is final


def test_a_refusal_at_mail_from_is_retried_and_the_rest_of_the_batch_waits(smtp):
    smtp.mail_reply = "530 5.7.0 Authentication required"
    with transaction.atomic():
        rows = [record(key=f"k{index}", to=f"tr{index}@example.org") for index in range(3)]
    first, *rest = [OutboundEmail.objects.get(pk=row.pk) for row in rows]
    assert first.status == Status.QUEUED and "530" in first.last_error and first.next_attempt_at
    assert all(r.status == Status.QUEUED and r.attempts == 0 and r.next_attempt_at for r in rest)
    smtp.mail_reply = None
    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1)):
        assert services.sweep() == 3
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == [Status.SENT] * 3
    assert len(smtp.messages) == 3


def test_an_unknown_recipient_is_final(smtp):
    smtp.rcpt_reply = "550 5.1.1 No such user"
    row = record()
    row.refresh_from_db()
    assert row.status == Status.FAILED and "550" in row.last_error and row.attempts == 1


@pytest.mark.parametrize("reply", ["554 5.7.1 Relay access denied", "451 4.3.0 Try later"])
def test_a_refusal_of_the_data_command_is_retried(smtp, reply, monkeypatch):
    real = services.Sender._send_smtp

    def data_refused(self, smtp_connection, message, deadline):
        monkeypatch.setattr(smtp_connection, "docmd", lambda command: (int(reply[:3]), reply[4:].encode()))
        return real(self, smtp_connection, message, deadline)

    monkeypatch.setattr(services.Sender, "_send_smtp", data_refused)
    row = record()
    row.refresh_from_db()
    assert row.status == Status.QUEUED and reply[:3] in row.last_error


# 7. A newer mail on the same topic withdraws the unsent one


def test_a_later_mail_on_the_same_topic_withdraws_the_unsent_one(no_worker, mailoutbox, monkeypatch):
    invitation = record(key="invitation", topic="meeting:12:p1")
    other_person = record(key="invitation-2", topic="meeting:12:p2")
    cancellation = record(key="cancellation", topic="meeting:12:p1")
    invitation.refresh_from_db()
    assert invitation.status == Status.WITHDRAWN
    monkeypatch.undo()
    assert services.deliver(invitation.pk) == "skipped"
    assert services.deliver(cancellation.pk) == "sent"
    assert services.deliver(other_person.pk) == "sent"
    assert [message.to for message in mailoutbox] == [["tr@example.org"]] * 2
    with _later(60 * 24):
        assert services.sweep() == 0


def test_withdraw_by_topic(no_worker):
    row = record(key="reminder", topic="meeting:12:p1")
    with transaction.atomic():
        assert services.withdraw(topic="meeting:12:p1") == 1
    row.refresh_from_db()
    assert row.status == Status.WITHDRAWN and row.sealed_secrets == ""


def test_a_withdrawal_rolled_back_with_its_business_transaction_withdraws_nothing(no_worker):
    row = record(key="invitation", topic="meeting:12:p1")
    with pytest.raises(RuntimeError), transaction.atomic():
        record(key="cancellation", topic="meeting:12:p1")
        raise RuntimeError("the cancellation failed")
    row.refresh_from_db()
    assert row.status == Status.QUEUED


# 8. Prompt rescue on the sweeper's own queue


def test_a_killed_workers_mail_is_rescued_within_about_a_minute(no_worker, mailoutbox, monkeypatch, settings):
    assert settings.OUTBOX_CLAIM_SECONDS + settings.OUTBOX_SWEEP_SECONDS <= 60
    row = record()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)):
        assert services.sweep() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and len(mailoutbox) == 1


def test_the_sweeper_and_what_it_rescues_have_their_own_queue(monkeypatch):
    published = []
    monkeypatch.setattr(send_emails, "apply_async", lambda args, **kwargs: published.append(kwargs["queue"]))
    record()
    published.clear()
    with _later():
        services.sweep()
    assert published == [services.SWEEP_QUEUE]
    route = celery_app.amqp.router.route({}, "netvaerk.outbox.tasks.sweep_outbox")
    assert route["queue"].name == services.SWEEP_QUEUE


# 9. A batch over one SMTP connection


def test_a_batch_uses_one_smtp_connection_and_claims_each_mail(smtp):
    with transaction.atomic():
        rows = [record(key=f"k{index}", to=f"tr{index}@example.org") for index in range(20)]
    assert len(smtp.messages) == 20 and len(smtp.connections) == 1
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert len(set(OutboundEmail.objects.values_list("claim", flat=True))) == len(rows)


def test_the_office_resends_a_failed_batch_at_once(smtp, client, office, branch):
    smtp.rcpt_reply = "550 5.1.1 No such user"
    with transaction.atomic():
        for index in range(10):
            record(key=f"k{index}", to=f"tr{index}@example.org", branch=branch)
    assert OutboundEmail.objects.filter(status=Status.FAILED).count() == 10
    smtp.rcpt_reply = None
    client.force_login(office)
    from django.urls import reverse

    failed = list(OutboundEmail.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:outbox_outboundemail_changelist"),
        {"action": "resend", "_selected_action": failed},
        follow=True,
    )
    assert "10 mails er sat i kø igen" in response.content.decode()
    assert OutboundEmail.objects.filter(status=Status.SENT).count() == 10
    assert len(smtp.messages) == 10 and len(smtp.connections) == 1


def _queued(count, prefix):
    with transaction.atomic():
        return [record(key=f"{prefix}{index}", to=f"tr{index}@example.org").pk for index in range(count)]


def test_a_batch_is_claimed_in_a_bounded_number_of_queries(no_worker, mailoutbox):
    """One UPDATE claims the batch and one SELECT reads it; then one UPDATE per mail records it sent."""
    counts = {}
    for count in (10, 50):
        ids = _queued(count, f"n{count}-")
        with CaptureQueriesContext(connection) as queries:
            assert set(services.deliver_batch(ids).values()) == {"sent"}
        sent_updates = [q for q in queries if q["sql"].startswith("UPDATE") and '"sent_at"' in q["sql"]]
        assert len(sent_updates) == count
        counts[count] = len(queries) - count
    assert counts[10] == counts[50] == 2
    rows = OutboundEmail.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {(Status.SENT, 1)}
    assert len({row.claim for row in rows}) == 60  # each row its own fencing token
    assert len(mailoutbox) == 60


def test_a_long_batch_renews_its_claims_and_starts_no_mail_late(no_worker, smtp, settings, monkeypatch):
    # 0.3 s of claim before the deadline; the receiver takes 0.05 s a mail, the batch about 1 s.
    monkeypatch.setattr(services, "claim_timeout", lambda: timedelta(seconds=settings.EMAIL_TIMEOUT + 5.3))
    smtp.pace = 0.05
    ids = _queued(20, "slow")
    first_claim = timezone.now()
    assert set(services.deliver_batch(ids).values()) == {"sent"}
    rows = OutboundEmail.objects.order_by("sent_at")
    assert {(row.status, row.attempts) for row in rows} == {(Status.SENT, 1)} and len(smtp.messages) == 20
    assert rows.last().claimed_at > first_claim + timedelta(seconds=0.3)  # renewed by the heartbeat


def test_a_worker_stopped_by_an_error_puts_the_mails_it_had_not_started_back(no_worker, smtp, monkeypatch):
    ids = _queued(5, "stop")
    mark_sent = services._mark_sent

    def database_gone_after_the_second(email_id, claim):
        if email_id == ids[1]:
            raise OperationalError("server closed the connection unexpectedly")
        return mark_sent(email_id, claim)

    monkeypatch.setattr(services, "_mark_sent", database_gone_after_the_second)
    with pytest.raises(OperationalError):
        services.deliver_batch(ids)
    rows = [OutboundEmail.objects.get(pk=pk) for pk in ids]
    assert [row.status for row in rows] == [Status.SENT, Status.SENDING] + [Status.QUEUED] * 3
    assert [row.attempts for row in rows[2:]] == [0, 0, 0]  # not started: no attempt spent
    assert len(smtp.messages) == 2  # the second is left to the sweeper's stale claim, never resent early
