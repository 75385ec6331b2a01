"""How fast one worker sends, and how long the crash window after the SMTP 250 is. Not a test.

    .venv/bin/python tests/outbox/bench_outbox.py [--mails 1000]
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python tests/outbox/bench_outbox.py
    PROFILE=cumulative .venv/bin/python tests/outbox/bench_outbox.py   # where a batch spends its time

Records the mails in a throw-away test database, starts an aiosmtpd sink in its own process and
sends them as the worker does (``deliver_batch`` in tasks of ``TASK_BATCH`` mails), then the same
number one mail per connection as before batches. With REDIS_URL and PostgreSQL it also measures
a real worker process (``--pool=solo``, DEBUG off): tasks of 100 mails, then a task per mail as
before batches. The crash window is the time from the server's
250 to the return of the UPDATE that records the mail as sent (autocommit: committed).
"""

import argparse
import cProfile
import os
import pstats
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netvaerk.settings")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sink(port):
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def _worker_rates(port, *, sent, runs):
    """Mails per second through a real worker process, for each (ids, tasks) run in turn."""
    from django.db import connection

    from netvaerk.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "PGPASSWORD": db.get("PASSWORD") or "",
        # as in production: DEBUG on makes the worker record every query
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-" + "x" * 50,
    }
    with app.connection_for_write() as broker:
        for queue in ("celery", "outbox-sweep"):
            broker.default_channel.queue_purge(queue)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "netvaerk", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rates = []
    try:
        for ids, tasks in runs:
            started = time.perf_counter()
            for task, task_args in tasks:
                task.apply_async((task_args,))
            while not sent(ids):
                time.sleep(0.02)
            rates.append(len(ids) / (time.perf_counter() - started))
    finally:
        worker.terminate()
        worker.wait(20)
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from netvaerk.outbox import services
    from netvaerk.outbox.models import OutboundEmail

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    port = _free_port()
    sink = _sink(port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    services.publish = lambda *args, **kwargs: True  # the benchmark is the worker

    windows, answered = [], [0.0]
    send_smtp, mark_sent = services.Sender._send_smtp, services._mark_sent

    def timed_send(self, *args):
        send_smtp(self, *args)
        answered[0] = time.perf_counter()  # the server's 250 has arrived

    def timed_mark(email_id, claim):
        result = mark_sent(email_id, claim)
        windows.append(time.perf_counter() - answered[0])
        return result

    services.Sender._send_smtp, services._mark_sent = timed_send, timed_mark

    def record(prefix):
        context = {
            "user": get_user_model()(username="tove", first_name="Tove"),
            "link": "/x/",
            "valid_days": 3,
        }
        with transaction.atomic():
            return [
                services.enqueue(
                    "accounts/password_reset",
                    to=f"tr{index}@example.org",
                    key=f"{prefix}{index}",
                    context=context,
                ).pk
                for index in range(args.mails)
            ]

    try:
        ids = record("batch")
        started = time.perf_counter()
        profile = cProfile.Profile() if os.environ.get("PROFILE") else None
        if profile:
            profile.enable()
        for start in range(0, len(ids), services.TASK_BATCH):
            services.deliver_batch(ids[start : start + services.TASK_BATCH])
        batched = time.perf_counter() - started
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ["PROFILE"]).print_stats(30)
        assert OutboundEmail.objects.filter(status="sent").count() == args.mails

        windows_batched = list(windows)
        ids = record("single")
        started = time.perf_counter()
        for email_id in ids:
            services.deliver_batch([email_id])
        single = time.perf_counter() - started

        worker_rates = None
        if settings.REDIS_URL and connection.vendor == "postgresql":
            from netvaerk.outbox.tasks import send_email, send_emails

            warm, batch_ids, single_ids = record("warm")[:1], record("wbatch"), record("wsingle")
            worker_rates = _worker_rates(
                port,
                sent=lambda some: (
                    OutboundEmail.objects.filter(pk__in=some, status="sent").count() == len(some)
                ),
                runs=[
                    (warm, [(send_emails, warm)]),
                    (
                        batch_ids,
                        [
                            (send_emails, batch_ids[i : i + services.TASK_BATCH])
                            for i in range(0, len(batch_ids), services.TASK_BATCH)
                        ],
                    ),
                    (single_ids, [(send_email, email_id) for email_id in single_ids]),
                ],
            )
    finally:
        sink.terminate()
        teardown_databases(databases, verbosity=0)

    windows_ms = sorted(1000 * window for window in windows_batched)
    print(f"database: {connection.vendor}, {args.mails} mails into a local aiosmtpd sink, one process")
    print(f"batches of {services.TASK_BATCH} over one connection: {args.mails / batched:.0f} mails/s")
    print(f"one connection per mail:             {args.mails / single:.0f} mails/s")
    if worker_rates:
        _warm, batched_rate, single_rate = worker_rates
        print(f"a celery worker (solo) on Redis, tasks of {services.TASK_BATCH}: {batched_rate:.0f} mails/s")
        print(f"a celery worker (solo) on Redis, a task per mail: {single_rate:.0f} mails/s")
    print(
        "window from the SMTP 250 to the committed 'sent' UPDATE: "
        f"median {statistics.median(windows_ms):.2f} ms, "
        f"p99 {windows_ms[int(len(windows_ms) * 0.99) - 1]:.2f} ms, max {windows_ms[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
