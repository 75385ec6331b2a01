"""Migration 0003 takes the links out of mails recorded before links were sealed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from netvaerk.outbox import sealing

BEFORE = [("outbox", "0002_sealed_secrets")]
AFTER = [("outbox", "0003_seal_links_already_recorded")]
RESET = "/accounts/password/reset/MQ/d1abcd-0123456789abcdef0123/"
ANSWER = "/svar/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd/"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_recorded_links_are_sealed_or_dropped():
    OutboundEmail = _migrate(BEFORE).get_model("outbox", "OutboundEmail")

    def old(key, template, link, status):
        return OutboundEmail.objects.create(
            key=key,
            template=template,
            to="tr@example.org",
            subject="Emne",
            body_text=f"Linket: http://host{link}\n",
            body_html=f'<a href="http://host{link}">x</a>',
            status=status,
            sent_at="2026-11-20T10:00:00Z" if status == "sent" else None,
        )

    sent = old(f"password-reset:1:{RESET}", "accounts/password_reset", RESET, "sent")
    queued = old("meeting-request:1:7:0", "circles/meeting_invitation", ANSWER, "queued")
    other = old("minutes-approved:1:r2", "circles/minutes_approved", "/moeder/1/referat/", "sent")
    try:
        OutboundEmail = _migrate(AFTER).get_model("outbox", "OutboundEmail")
        sent, queued, other = (OutboundEmail.objects.get(pk=row.pk) for row in (sent, queued, other))
        assert RESET not in sent.key + sent.body_text + sent.body_html
        assert sent.key.startswith("password-reset:1:") and "[[secret:link]]" in sent.body_text
        assert sent.has_secrets and sent.sealed_secrets == ""
        assert ANSWER not in queued.body_text + queued.body_html
        assert sealing.unseal(queued.sealed_secrets) == {"answer_url": ANSWER}  # still arrives working
        assert not other.has_secrets and "/moeder/1/referat/" in other.body_text
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
