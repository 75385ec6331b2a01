"""Faults against a real worker process, Redis and an SMTP sink; each test asserts a figure.

The worker is a separate ``celery worker`` process on the test database (PostgreSQL: the worker
must see what the test commits) and on Redis at REDIS_URL, so it can be killed with SIGKILL.
Run with ``-s`` to see the figures printed.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from netvaerk.celery import app as celery_app
from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail

from ..test_outbox import record

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = OutboundEmail.Status
ROOT = Path(__file__).resolve().parents[3]
QUEUES = ["celery", services.SWEEP_QUEUE]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _clear_broker():
    """Empty this test's queues and the killed worker's unacknowledged tasks, in REDIS_URL's db only."""
    with celery_app.connection_for_write() as broker:
        for queue in QUEUES:
            broker.default_channel.queue_purge(queue)
        broker.default_channel.client.delete("unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def worker(smtp, tmp_path):
    """Starts worker processes on demand (``worker()``); stops whatever is left at the end."""
    celery_app.conf.task_always_eager = False
    _clear_broker()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "5",
        "PYTHONPATH": str(ROOT),
    }
    processes = []

    def start():
        log = open(tmp_path / f"worker{len(processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "netvaerk", "worker", "--pool=solo"]
            + ["-Q", ",".join(QUEUES), "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
            + ["-n", f"fault{len(processes)}-{os.getpid()}@%h"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    _clear_broker()
    celery_app.conf.task_always_eager = True


def _wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _record(count):
    with transaction.atomic():
        return [record(key=f"fault{index}", to=f"tr{index}@example.org") for index in range(count)]


def test_a_worker_killed_mid_batch_then_restarted_delivers_all_200_once(worker, smtp, monkeypatch):
    smtp.pace = 0.02  # a slow receiver, so the kill lands in the middle of the batch
    first = worker()
    rows = _record(200)
    assert _wait(lambda: len(smtp.messages) >= 50, 30), "the worker did not start sending"
    time.sleep(random.uniform(0, 0.05))  # at any point of a mail's exchange
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before_kill = len(smtp.messages)
    in_flight = {services.message_id(email) for email in OutboundEmail.objects.filter(status=Status.SENDING)}
    taken_not_recorded = in_flight & set(smtp.message_ids())
    # The sweeper (here, in the test) rescues the killed worker's claim once it is stale and
    # publishes what the killed task had not reached.
    monkeypatch.setattr(services, "claim_timeout", lambda: timedelta(seconds=1))
    monkeypatch.setattr(services, "PUBLISH_GRACE", timedelta(0))
    time.sleep(1.5)
    services.sweep()
    worker()
    assert _wait(lambda: OutboundEmail.objects.filter(status=Status.SENT).count() == 200, 25)
    counts = Counter(smtp.message_ids())
    duplicates = {message_id for message_id, count in counts.items() if count > 1}
    print(
        f"\nSIGKILL after {sent_before_kill}/200 mails: {len(counts)} delivered, "
        f"{len(duplicates)} duplicates, {len(in_flight)} claimed and not finished at the kill, "
        f"{len(taken_not_recorded)} taken by the server but not yet recorded"
    )
    assert len(counts) == len(rows) == 200
    # Only a mail claimed at the kill may arrive twice, and only one (the batch is sent one mail at a
    # time): the one killed between the 250 and its UPDATE.
    assert duplicates <= in_flight and len(duplicates) <= 1


def test_451_three_times_then_accepted_is_delivered_once(worker, smtp):
    smtp.replies = ["451 4.3.0 Try again later"] * 3
    worker()
    (row,) = _record(1)
    for attempt in (1, 2, 3):
        assert _wait(
            lambda attempt=attempt: OutboundEmail.objects.filter(
                pk=row.pk, status=Status.QUEUED, attempts=attempt
            ).exists(),
            20,
        )
        # The backoff has passed; the sweeper publishes the mail again.
        OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert services.sweep() == 1
    assert _wait(lambda: OutboundEmail.objects.filter(pk=row.pk, status=Status.SENT).exists(), 20)
    row.refresh_from_db()
    assert row.attempts == 4 and len(smtp.messages) == 1


def test_550_fails_is_visible_to_the_office_and_is_not_retried(worker, smtp, client, office, branch):
    smtp.rcpt_reply = "550 5.1.1 No such user"
    worker()
    with transaction.atomic():
        row = record(key="unknown", to="ukendt@example.org", branch=branch)
    assert _wait(lambda: OutboundEmail.objects.filter(pk=row.pk, status=Status.FAILED).exists(), 20)
    client.force_login(office)
    page = client.get(reverse("admin:outbox_outboundemail_changelist"), {"status__exact": "failed"})
    assert "ukendt@example.org" in page.content.decode() and "550" in page.content.decode()
    smtp.rcpt_reply = None
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.sweep() == 0
    time.sleep(1)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 1 and smtp.messages == []
