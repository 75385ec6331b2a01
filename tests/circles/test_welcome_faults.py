"""The welcome chain through a broker outage (PostgreSQL + Redis + a real worker process + an SMTP sink).

An office user registers a new TR in the admin while the broker is unreachable (a closed port) or hung
(a server that accepts and never answers): the page answers within 3 s, the mandate is saved, and the
welcome mails go out exactly once when the broker is back and the outbox sweeper runs.
Run with ``-s`` to see the figures.
"""

import socket
import time
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from circles.models import Mandate, MentorPrompt, Reminder
from netvaerk.celery import app as celery_app
from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.outbox.conftest import silent_server, smtp  # noqa: F401  (fixtures)
from tests.outbox.faults.test_faults import _wait, worker  # noqa: F401  (fixture)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture(params=["closed", "hung"])
def broker_down(request, worker, monkeypatch):  # noqa: F811
    """Celery pointed at a dead broker; ``back()`` points it at Redis again."""
    port = _closed_port() if request.param == "closed" else request.getfixturevalue("silent_server")
    real = celery_app.conf.broker_url
    monkeypatch.setattr(services, "_broker_down_until", 0.0)
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port}/8"

    class Broker:
        kind = request.param

        @staticmethod
        def back():
            celery_app.conf.broker_url = real
            services._broker_down_until = 0.0

    yield Broker
    celery_app.conf.broker_url = real


def test_broker_down_the_office_registers_a_new_tr_fast_and_the_welcome_goes_out_once(
    broker_down,
    worker,  # noqa: F811
    smtp,  # noqa: F811
    client,
    office,
    network,
    coordinator,  # noqa: F811
):
    newcomer = factories.PersonFactory(branch=network.branch, name="Nanna Nyvalgt", email="nanna@example.org")
    workplace = factories.WorkplaceFactory(employer=network.employer)
    client.force_login(office)

    started = time.monotonic()
    response = client.post(
        reverse("admin:circles_mandate_add"),
        {
            "person": newcomer.pk,
            "role": Mandate.Role.TR,
            "workplace": workplace.pk,
            "elected_on": timezone.localdate().strftime("%d.%m.%Y"),
            "ended_on": "",
        },
    )
    elapsed = time.monotonic() - started
    print(f"\n[{broker_down.kind} broker] admin registration answered in {elapsed:.2f} s")
    assert response.status_code == 302
    assert elapsed < 3
    assert Mandate.objects.filter(person=newcomer, role=Mandate.Role.TR).count() == 1
    assert MentorPrompt.objects.filter(person=newcomer).count() == 1
    welcome = OutboundEmail.objects.filter(template__startswith="circles/welcome")
    assert welcome.count() == 2 and set(welcome.values_list("status", flat=True)) == {
        OutboundEmail.Status.QUEUED
    }
    assert Reminder.objects.filter(kind=Reminder.Kind.WELCOME).count() == 2

    broker_down.back()
    worker()
    # the sweeper publishes what was never handed over once it is older than its grace period
    OutboundEmail.objects.update(created_at=F("created_at") - services.PUBLISH_GRACE - timedelta(seconds=1))
    back = time.monotonic()
    assert services.sweep() == 2
    delivered = _wait(lambda: len(smtp.messages) >= 2, 30)
    assert delivered, (
        f"not delivered: {len(smtp.messages)} in the sink, rows {list(welcome.values('status', 'attempts', 'last_error'))}"
    )
    print(
        f"[{broker_down.kind} broker] delivered {len(smtp.messages)} mails {time.monotonic() - back:.2f} s after the sweep"
    )
    time.sleep(2)  # a duplicate would arrive now
    assert services.sweep() == 0  # nothing left to publish
    assert sorted(rcpt for envelope in smtp.messages for rcpt in envelope.rcpt_tos) == [
        "koordinator@example.org",
        "nanna@example.org",
    ]
    sent = {OutboundEmail.Status.SENT}
    assert _wait(lambda: set(welcome.values_list("status", flat=True)) == sent, 10), list(
        welcome.values("status")
    )
