"""A real Celery worker on Redis delivers a recorded mail; a hung broker cannot hang a request."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from netvaerk.celery import app as celery_app
from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail

from .test_outbox import record


@pytest.fixture
def real_broker():
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")  # nothing left over from earlier runs
    yield celery_app
    celery_app.conf.task_always_eager = True


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_delivers_a_recorded_mail_to_smtp(real_broker, smtp):
    with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            row = record(key="worker-test")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not smtp.messages:
            time.sleep(0.1)
    row.refresh_from_db()
    assert [envelope.rcpt_tos for envelope in smtp.messages] == [["tr@example.org"]]
    assert row.status == OutboundEmail.Status.SENT


@pytest.mark.django_db
def test_publishing_to_a_hung_redis_returns_quickly(silent_server, settings):
    from celery import Celery

    hung = Celery("hung", set_as_current=False)
    hung.conf.update(
        broker_url=f"redis://127.0.0.1:{silent_server}/0",
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
        if settings.REDIS_URL
        else {"socket_timeout": 2, "socket_connect_timeout": 2, "max_retries": 2},
        broker_connection_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        task_publish_retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    )

    @hung.task(name="netvaerk.outbox.tasks.send_email", shared=False)
    def task(email_id):
        raise AssertionError("never runs: there is no worker")

    started = time.monotonic()
    services.publish(42, task=task)
    assert time.monotonic() - started < 3  # one bounded try, no retries: the sweeper sends later
