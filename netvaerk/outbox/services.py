"""Record mails in the caller's transaction; deliver each one exactly once after commit.

A mail is rendered from three templates (``emails/<name>_subject.txt``, ``.txt``, ``.html``) when it
is recorded, so what is sent is what the business transaction saw; the subject and the text part are
rendered without HTML escaping. The row's unique ``key`` makes recording idempotent, and a mail
recorded with a ``topic`` withdraws the still unsent mails on the same topic (an invitation held back
by the server is not delivered after the meeting's cancellation).

After commit, one task per transaction carries the ids of all mails it recorded; a broker outage
costs the request one bounded publish attempt, and the sweeper publishes what was left.

A worker sends a batch over one SMTP connection. It claims the batch's queued, due rows in one
conditional UPDATE that writes a fresh claim token for each row (a fencing token): every later
UPDATE of a mail's attempt names its token, so a worker whose claim was taken over cannot overwrite
the new claimant's row, and records the lost claim instead. A claim is stale after
``claim_timeout()``; a worker never starts sending a mail's content later than ``EMAIL_TIMEOUT`` +
5 s before its claim would go stale, so a rescued mail cannot still be on its way, and it renews
the claims of the rows it has not reached yet halfway there (a heartbeat). A stale claim counts as
an attempt; rows put back unstarted (a server-wide error, an exception) do not.

What the SMTP server answers decides what happens next:

- 250 after the content: SENT, recorded at once in its own statement, retried on a fresh database
  connection if that one dropped. The remaining window (a crash between the 250 and that UPDATE) is
  the time of one UPDATE; ``tests/outbox/bench_outbox.py`` measures it.
- no answer after the content was sent (a timeout): the server may have taken the mail, so it is
  not retried (a second copy is what we avoid): UNCERTAIN, shown to the office, which may resend it.
- 550/551/553 to RCPT or a 5xx after the content: the recipient or this mail is refused, FAILED.
- anything else (a 5xx or 4xx to the connection, login, MAIL FROM or DATA, network errors, 4xx to
  RCPT or the content): retried with backoff until ``OUTBOX_MAX_ATTEMPTS``; a server-wide error also
  defers the rest of the batch without spending their attempts.

One-time links are passed as ``secrets``: the stored bodies hold a placeholder, the links stay
sealed in the row until the message is built for sending, and are wiped once the mail is sent, has
failed for good, is uncertain or withdrawn (see ``sealing``).
"""

import contextlib
import functools
import hashlib
import json
import logging
import re
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import DatabaseError, transaction
from django.db.models import Case, F, Q, UUIDField, Value, When
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import sealing
from .models import OutboundEmail

log = logging.getLogger(__name__)

Status = OutboundEmail.Status
PUBLISH_GRACE = timedelta(seconds=30)
BROKER_PAUSE = 30.0  # seconds without publishing after the broker failed: the sweeper takes over
SWEEP_BATCH = 500
TASK_BATCH = 100  # ids per task
SWEEP_QUEUE = "outbox-sweep"
START_MARGIN = 5  # seconds: the content is never sent later than claim_timeout() - EMAIL_TIMEOUT - this
DONE = (Status.SENT, Status.FAILED, Status.UNCERTAIN, Status.WITHDRAWN)
PERMANENT_RCPT = {550, 551, 553}

secret_placeholder = sealing.placeholder


def claim_timeout() -> timedelta:
    """How long a claim lasts: long enough for one mail's SMTP exchange, short enough to rescue soon."""
    return timedelta(seconds=max(settings.OUTBOX_CLAIM_SECONDS, settings.EMAIL_TIMEOUT + 2 * START_MARGIN))


def _render_plain(name: str, context: dict) -> str:
    """A text template (a plain-text body or a subject) rendered with autoescape off, includes too."""
    return get_template(name).template.render(Context(context, autoescape=False))


@dataclass
class Mail:
    """One mail to one recipient, as ``enqueue`` and ``enqueue_many`` take it (see ``enqueue``)."""

    template: str
    to: str
    key: str
    to_name: str = ""
    context: dict = field(default_factory=dict)
    branch: object = None
    attachments: list = field(default_factory=list)
    secrets: dict = field(default_factory=dict)
    topic: str = ""


def render(mail: Mail) -> OutboundEmail:
    """The outbox row of one mail, rendered and with its secrets sealed, not saved."""
    secrets = {name: value for name, value in mail.secrets.items() if value}
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "site_url": settings.SITE_URL,
            "sender": str(mail.branch) if mail.branch is not None else gettext("Netværk"),
            **mail.context,
            **{name: sealing.placeholder(name) for name in secrets},
        }
        subject = " ".join(_render_plain(f"emails/{mail.template}_subject.txt", context).split())
        body_text = _render_plain(f"emails/{mail.template}.txt", context)
        body_html = render_to_string(f"emails/{mail.template}.html", context)
    stored = [mail.key, subject, body_text, body_html, json.dumps(mail.attachments, ensure_ascii=False)]
    if any(value in text for value in secrets.values() for text in stored):
        raise ValueError(
            "A secret would be stored in the outbox (key, body or attachment); pass it in secrets."
        )
    return OutboundEmail(
        key=mail.key,
        template=mail.template,
        topic=mail.topic,
        branch=mail.branch,
        to=formataddr((mail.to_name, mail.to)) if mail.to_name else mail.to,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        attachments=mail.attachments,
        has_secrets=bool(secrets),
        sealed_secrets=sealing.seal(secrets) if secrets else "",
    )


RENDERED = (
    "template",
    "topic",
    "branch",
    "to",
    "subject",
    "body_text",
    "body_html",
    "attachments",
    "has_secrets",
    "sealed_secrets",
)


def enqueue(
    template: str,
    *,
    to: str,
    key: str,
    context: dict | None = None,
    to_name: str = "",
    branch=None,
    attachments: list[dict] | None = None,
    secrets: dict[str, str] | None = None,
    topic: str = "",
) -> OutboundEmail:
    """Record one mail to one recipient and send it after the surrounding transaction commits.

    Calling it again with the same key changes nothing and returns the row recorded first.
    Attachments are dicts with ``filename``, ``content`` (text), ``mimetype`` and optional ``params``.
    ``secrets`` maps a context name to a one-time link (or any value only the recipient may see):
    the templates see ``secret_placeholder(name)`` under that name, and the value is put in only
    when the mail is sent. An attachment may carry ``secret_placeholder(name)`` as well. The key
    must not contain a secret: use ids, or ``netvaerk.tokens.digest`` of the secret.

    ``topic`` names what the mail is about for this recipient (``"meeting:12:p34"``): recording a
    mail withdraws the mails on the same topic that have not left yet (see ``withdraw``).
    """
    row = render(
        Mail(
            template=template,
            to=to,
            key=key,
            to_name=to_name,
            context=context or {},
            branch=branch,
            attachments=attachments or [],
            secrets=secrets or {},
            topic=topic,
        )
    )
    email, created = OutboundEmail.objects.get_or_create(
        key=key, defaults={name: getattr(row, name) for name in RENDERED}
    )
    if created:
        if topic:
            withdraw(topic=topic, keep=email.pk)
        _publish_after_commit(email.pk)
    return email


def enqueue_many(mails: list[Mail]) -> int:
    """``enqueue`` for many mails at once (the periodic jobs decide thousands): one ``bulk_create``
    (a key already in the outbox is left as it is), one withdrawal of superseded mails, one publish
    after commit. Returns how many rows this call added."""
    if not mails:
        return 0
    rows = [render(mail) for mail in mails]
    keys = [row.key for row in rows]
    before = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [row for row in rows if row.key not in before]
    OutboundEmail.objects.bulk_create(new, ignore_conflicts=True)
    new_keys = [row.key for row in new]
    topics = {row.topic for row in new if row.topic}
    if topics:
        _withdraw(OutboundEmail.objects.filter(topic__in=topics).exclude(key__in=new_keys))
    added = list(OutboundEmail.objects.filter(key__in=new_keys).values_list("pk", flat=True))
    if added:
        transaction.on_commit(lambda: publish(added))
    return len(added)


def withdraw(*, topic: str, keep: int | None = None) -> int:
    """Withdraw the mails on ``topic`` that have not left yet; returns how many.

    A mail a worker has claimed is not stopped: it is being sent, or waits its turn in the worker's
    batch (at most one task's batch, well under a second at the usual pace). Runs in the caller's
    transaction.
    """
    if not topic:
        raise ValueError("withdraw() needs a topic.")
    return _withdraw(OutboundEmail.objects.filter(topic=topic).exclude(pk=keep))


def _withdraw(queryset) -> int:
    return queryset.filter(status=Status.QUEUED).update(
        status=Status.WITHDRAWN,
        sealed_secrets="",
        next_attempt_at=None,
        last_error=gettext("Trukket tilbage: en nyere besked om det samme afløser den."),
    )


class _TransactionBatch:
    """The mails recorded in one transaction, published as one task when it commits."""

    def __init__(self, queue):
        self.ids: list[int] = []
        self.queue = queue
        self.flushed = False

    def flush(self):
        self.flushed = True
        publish(self.ids, queue=self.queue)


def _publish_after_commit(email_id: int, *, queue: str | None = None) -> None:
    connection = transaction.get_connection()
    batch = getattr(connection, "_outbox_batch", None)
    pending = connection.run_on_commit if connection.in_atomic_block else []
    current = (
        batch is not None
        and not batch.flushed
        and batch.queue == queue
        and any(func == batch.flush for _sids, func, _robust in pending)
    )
    if not current:
        batch = connection._outbox_batch = _TransactionBatch(queue)
        batch.ids.append(email_id)
        transaction.on_commit(batch.flush)
    else:
        batch.ids.append(email_id)


_broker_down_until = 0.0


def publish(email_ids, *, task=None, queue: str | None = None) -> bool:
    """Hand mails to a worker in tasks of ``TASK_BATCH`` ids. Never raises, and takes one bounded try.

    A broker outage is logged and makes this process stop publishing for ``BROKER_PAUSE`` seconds,
    so a request recording many mails waits at most ``OUTBOX_PUBLISH_TIMEOUT`` once: the sweeper
    publishes the mails later. Returns whether the mails were handed over.
    """
    global _broker_down_until
    ids = [email_ids] if isinstance(email_ids, int) else list(email_ids)
    if not ids:
        return True
    if task is None:
        from .tasks import send_emails as task
    if time.monotonic() < _broker_down_until:
        log.info("Broker down: %s mails wait for the outbox sweeper.", len(ids))
        return False
    app = task.app
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
    try:
        with app.connection_for_write(
            transport_options={**(app.conf.broker_transport_options or {}), **options},
            connect_timeout=timeout,
        ) as connection:
            for start in range(0, len(ids), TASK_BATCH):
                task.apply_async(
                    (ids[start : start + TASK_BATCH],), connection=connection, retry=False, queue=queue
                )
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_PAUSE
        log.warning("Could not queue %s mails; the outbox sweeper will send them.", len(ids), exc_info=True)
        return False
    return True


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def message_id(email: OutboundEmail) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a duplicate after a crash."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "netvaerk.invalid"
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:24]
    return f"<outbox.{email.pk}.{digest}@{domain}>"


def _build_message(
    email: OutboundEmail, connection, secrets: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """The message as the recipient gets it: with the unsealed ``secrets`` where their placeholders are."""
    secrets = secrets or {}
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=sealing.reveal(email.body_text, secrets),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(sealing.reveal(email.body_html, secrets, html=True), "text/html")
    for attachment in email.attachments:
        maintype, subtype = attachment.get("mimetype", "application/octet-stream").split("/", 1)
        content = sealing.reveal(attachment["content"], secrets)
        if maintype == "text":
            part = MIMEText(content, subtype, "utf-8")
        else:
            part = MIMEBase(maintype, subtype)
            part.set_payload(content)
        for name, value in attachment.get("params", {}).items():
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
        message.attach(part)
    return message


class Refused(smtplib.SMTPResponseException):
    """The SMTP server answered no; ``stage`` is the command it answered: mail, rcpt, data or content."""

    def __init__(self, code: int, reply: bytes, stage: str):
        super().__init__(code, reply)
        self.stage = stage

    def __str__(self):
        reply = (
            self.smtp_error.decode(errors="replace")
            if isinstance(self.smtp_error, bytes)
            else self.smtp_error
        )
        return f"{self.stage.upper()}: {self.smtp_code} {reply}"


class Uncertain(Exception):
    """The content was sent but no answer came: the server may have taken the mail."""


class ClaimExpiring(Exception):
    """Too late to start sending: the claim could go stale before the server answers."""


def _permanent(error: Exception) -> bool:
    """The recipient or this very mail is refused; trying again will not help."""
    if isinstance(error, Refused):
        return (error.stage == "rcpt" and error.smtp_code in PERMANENT_RCPT) or (
            error.stage == "content" and 500 <= error.smtp_code < 600
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code in PERMANENT_RCPT for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False


def _server_wide(error: Exception) -> bool:
    """An error every mail would meet now (connection, login, MAIL FROM, DATA)."""
    if isinstance(error, Refused):
        return error.stage in ("mail", "data")
    return not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)


@functools.lru_cache(maxsize=8)
def _envelope_sender(from_email: str, encoding: str) -> str:
    """The MAIL FROM address, worked out once per process: it is the same for every mail."""
    return sanitize_address(from_email, encoding)


_DOTS = re.compile(rb"(?m)^\.")
_EOLS = re.compile(rb"\r\n|\n|\r(?!\n)")


class Sender:
    """One mail connection for a batch, opened at the first mail; over SMTP each command is checked.

    ``send()`` raises ``Refused`` with the stage the server refused, ``Uncertain`` when the content
    went out and no answer came, or the network error.
    """

    def __init__(self):
        self.backend = get_connection(timeout=settings.EMAIL_TIMEOUT)
        self.opened = 0  # connections opened, for the tests and the benchmark

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """The end of a batch: a polite QUIT."""
        try:
            self.backend.close()
        except Exception:
            log.debug("Closing the mail connection failed.", exc_info=True)
            self._drop()

    def _drop(self):
        """After an error the connection is in an unknown state: close the socket, no QUIT."""
        connection = getattr(self.backend, "connection", None)
        if isinstance(self.backend, SMTPBackend) and connection is not None:
            try:
                connection.close()
            finally:
                self.backend.connection = None

    def send(self, message: EmailMultiAlternatives, *, deadline: float) -> None:
        try:
            if self.backend.open():
                self.opened += 1
            if isinstance(self.backend, SMTPBackend):
                self._send_smtp(self.backend.connection, message, deadline)
            elif time.monotonic() > deadline:
                raise ClaimExpiring()
            else:
                self.backend.send_messages([message])
        except (Refused, ClaimExpiring):
            raise
        except Exception:
            self._drop()
            raise

    def _send_smtp(self, smtp: smtplib.SMTP, message, deadline: float) -> None:
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = _envelope_sender(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        content = message.message().as_bytes(linesep="\r\n")
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            self._reset(smtp)
            raise Refused(code, reply, "mail")
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset(smtp)
                raise Refused(code, reply, "rcpt")
        if time.monotonic() > deadline:
            self._reset(smtp)
            raise ClaimExpiring()
        code, reply = smtp.docmd("data")
        if code != 354:
            self._reset(smtp)
            raise Refused(code, reply, "data")
        content = _DOTS.sub(b"..", _EOLS.sub(b"\r\n", content))
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        smtp.send(content + b".\r\n")
        try:
            code, reply = smtp.getreply()
        except smtplib.SMTPServerDisconnected as error:
            raise Uncertain(str(error)) from error
        if code != 250:
            raise Refused(code, reply, "content")

    @staticmethod
    def _reset(smtp):
        with contextlib.suppress(smtplib.SMTPException):
            smtp.rset()


def _finish(email_id: int, claim: uuid.UUID, **fields) -> bool:
    """Record the outcome of one attempt if the claim is still ours; returns whether it was.

    A mail that is done for good loses its sealed links. A sent mail is recorded as long as nobody
    has claimed it since (the sweeper may have put it back in the queue); any other outcome only
    while it is still being sent under our claim. A worker that finds its claim gone after sending
    leaves a mark on the row: the mail may reach its recipient twice.
    """
    status = fields["status"]
    if status in DONE:
        fields["sealed_secrets"] = ""
    rows = OutboundEmail.objects.filter(pk=email_id, claim=claim)
    # A late 250 still counts after a stale reset, as long as nobody has claimed the mail since.
    rows = rows.exclude(status=Status.SENT) if status == Status.SENT else rows.filter(status=Status.SENDING)
    if rows.update(**fields):
        return True
    if status in (Status.SENT, Status.UNCERTAIN):
        OutboundEmail.objects.filter(pk=email_id).update(lost_claims=F("lost_claims") + 1)
    log.error("Mail %s: the claim was taken over before the outcome (%s) was recorded.", email_id, status)
    return False


def _mark_sent(email_id: int, claim: uuid.UUID) -> bool:
    """Record a 250 at once; a dropped database connection is retried on a fresh one."""
    from django.db import connection

    pauses = (0.2, 1.0, 3.0)
    for pause in (*pauses, None):
        try:
            return _finish(email_id, claim, status=Status.SENT, sent_at=timezone.now(), last_error="")
        except DatabaseError:
            if pause is None or connection.in_atomic_block:
                raise
            log.warning("Mail %s was sent but not yet recorded; retrying.", email_id, exc_info=True)
            connection.close()
            time.sleep(pause)
    return False  # not reached


class _Claims:
    """The rows of one batch, claimed in one UPDATE, each with its own fencing token.

    The claim lasts ``claim_timeout()``; a mail's content is never started later than ``deadline``
    (``EMAIL_TIMEOUT`` + ``START_MARGIN`` before the claim would go stale). Halfway to the deadline
    the rows not yet sent are renewed in one UPDATE (a heartbeat), so a long batch keeps its rows.
    """

    def __init__(self, ids: list[int]):
        self.budget = claim_timeout().total_seconds() - settings.EMAIL_TIMEOUT - START_MARGIN
        self.tokens = {pk: uuid.uuid4() for pk in ids}
        self._stamp()
        token = Case(
            *(When(pk=pk, then=Value(claim, output_field=UUIDField())) for pk, claim in self.tokens.items()),
            output_field=UUIDField(),
        )
        self._ours(status=Status.QUEUED, due=True).update(
            status=Status.SENDING, claimed_at=self.claimed_at, claim=token, attempts=F("attempts") + 1
        )
        claimed = self._ours(status=Status.SENDING).in_bulk()
        self.rows = [claimed[pk] for pk in ids if pk in claimed]

    def _stamp(self):
        self.claimed_at = timezone.now()
        self.deadline = time.monotonic() + self.budget

    def _ours(self, *, status, due=False, rows=None):
        """One query's rows: ours by id and token (the ids keep it on the primary key index)."""
        tokens = self.tokens if rows is None else {row.pk: self.tokens[row.pk] for row in rows}
        queryset = OutboundEmail.objects.filter(pk__in=list(tokens), status=status)
        if due:
            now = timezone.now()
            return queryset.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        return queryset.filter(claim__in=list(tokens.values()))

    def keep(self, rows: list[OutboundEmail]) -> list[OutboundEmail]:
        """The heartbeat: renew the claims on ``rows`` when half the time to the deadline has gone.

        Returns the rows still ours (a row whose claim went stale meanwhile is another worker's).
        """
        if self.budget <= 0 or time.monotonic() < self.deadline - self.budget / 2 or not rows:
            return rows
        self._stamp()
        self._ours(status=Status.SENDING, rows=rows).update(claimed_at=self.claimed_at)
        still = set(self._ours(status=Status.SENDING, rows=rows).values_list("pk", flat=True))
        return [row for row in rows if row.pk in still]

    def release(self, rows: list[OutboundEmail], *, at) -> None:
        """Put rows not yet started back in the queue, due ``at``, without spending their attempt."""
        if rows:
            self._ours(status=Status.SENDING, rows=rows).update(
                status=Status.QUEUED, next_attempt_at=at, attempts=F("attempts") - 1
            )


def _deliver_one(
    email: OutboundEmail, claim: uuid.UUID, deadline: float, sender: Sender
) -> tuple[str, timedelta | None]:
    """One claimed mail of a batch; returns what happened and, after a server-wide error, its backoff."""
    email_id = email.pk
    try:
        secrets = sealing.unseal(email.sealed_secrets)
    except sealing.InvalidToken:
        secrets = {}
    if email.has_secrets and not secrets:
        _finish(
            email_id,
            claim,
            status=Status.FAILED,
            next_attempt_at=None,
            last_error=gettext("Mailens personlige link findes ikke længere; send mailen på ny."),
        )
        log.warning("Mail %s has lost its sealed links and is not sent.", email_id)
        return "failed", None
    try:
        sender.send(_build_message(email, None, secrets), deadline=deadline)
    except ClaimExpiring:
        _finish(email_id, claim, status=Status.QUEUED, next_attempt_at=timezone.now())
        log.warning("Mail %s: too late in its claim to start sending; put back.", email_id)
        return "retry", None
    except Uncertain as error:
        _finish(
            email_id,
            claim,
            status=Status.UNCERTAIN,
            next_attempt_at=None,
            last_error=gettext(
                "Uvist om mailen er modtaget: serveren svarede ikke, efter at den havde fået mailen "
                "(%(error)s). Den sendes ikke igen af sig selv."
            )
            % {"error": error},
        )
        log.warning("Mail %s to %s: no answer after its content; not retried.", email_id, email.to)
        return "uncertain", None
    except Exception as error:
        permanent = _permanent(error)
        failed = permanent or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        backoff = _backoff(email.attempts)
        _finish(
            email_id,
            claim,
            status=Status.FAILED if failed else Status.QUEUED,
            next_attempt_at=None if failed else timezone.now() + backoff,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        log.warning("Mail %s to %s not sent (attempt %s): %s", email_id, email.to, email.attempts, error)
        server_wide = not permanent and _server_wide(error)
        return ("failed" if failed else "retry"), (backoff if server_wide else None)
    _mark_sent(email_id, claim)
    return "sent", None


def deliver_batch(email_ids) -> dict[int, str]:
    """Send the due ones of ``email_ids`` over one mail connection.

    The queued, due rows are claimed in one UPDATE, each with its own token (see ``_Claims``), and
    read in one query; each sent mail is then recorded in its own UPDATE right after the server's
    250. After a server-wide error the rows not yet started go back in the queue without spending
    an attempt and wait as long as the failed mail; if the worker stops with an exception they go
    back at once. Returns what happened to each id.
    """
    ids = list(dict.fromkeys(email_ids))
    outcomes: dict[int, str] = dict.fromkeys(ids, "skipped")
    if not ids:
        return outcomes
    claims = _Claims(ids)
    waiting = claims.rows
    try:
        with Sender() as sender:
            while waiting:
                waiting = claims.keep(waiting)
                if not waiting:
                    break
                email, waiting = waiting[0], waiting[1:]
                claim = claims.tokens[email.pk]
                outcomes[email.pk], backoff = _deliver_one(email, claim, claims.deadline, sender)
                if backoff is not None:
                    claims.release(waiting, at=timezone.now() + backoff)
                    outcomes.update(dict.fromkeys((row.pk for row in waiting), "deferred"))
                    waiting = []
    finally:
        if waiting:
            try:
                claims.release(waiting, at=timezone.now())
            except Exception:
                log.warning(
                    "Could not put back %s claimed mails; the sweeper will.", len(waiting), exc_info=True
                )
    return outcomes


def deliver(email_id: int) -> str:
    """Send one recorded mail if it is due and nobody else is sending it. Returns what happened."""
    return deliver_batch([email_id])[email_id]


def sweep(*, batch: int = SWEEP_BATCH) -> int:
    """Rescue mails whose worker stopped, publish those that are due. Set-based; returns how many.

    A stale claim counts as an attempt: a mail that kills its worker every time fails after
    ``OUTBOX_MAX_ATTEMPTS``. The due mails go to the sweeper's own queue, so they do not wait
    behind a backlog.
    """
    now = timezone.now()
    stale = OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - claim_timeout())
    stale.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED,
        next_attempt_at=None,
        sealed_secrets="",
        last_error=gettext("Afsenderen stoppede midt i afsendelsen for hvert forsøg."),
    )
    stale.update(
        status=Status.QUEUED,
        next_attempt_at=now,
        last_error=gettext("Afsenderen stoppede midt i afsendelsen."),
    )
    due = (
        OutboundEmail.objects.filter(status=Status.QUEUED)
        .filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = list(due)
    publish(ids, queue=SWEEP_QUEUE)
    return len(ids)


def unsendable(queryset):
    """Mails whose personal link was wiped after a final failure: only a new mail can carry a new link."""
    return queryset.filter(has_secrets=True, sealed_secrets="")


RESENDABLE = (Status.FAILED, Status.UNCERTAIN)


def resend(queryset) -> int:
    """The office's resend: failed and uncertain mails go back in the queue, queued ones are due now.

    A mail being sent, already sent or withdrawn is left alone, and so is one whose one-time link
    is gone (see ``unsendable``): sent again, it would arrive without its link. All are published
    in one batch after commit.
    """
    now = timezone.now()
    again = queryset.filter(status__in=RESENDABLE)
    again_ids = list(again.exclude(pk__in=unsendable(again).values("pk")).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=again_ids, status__in=RESENDABLE).update(
        status=Status.QUEUED, next_attempt_at=now, attempts=0
    )
    waiting_ids = list(queryset.filter(status=Status.QUEUED).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=waiting_ids, status=Status.QUEUED).update(next_attempt_at=now)
    ids = again_ids + [pk for pk in waiting_ids if pk not in again_ids]
    transaction.on_commit(lambda: publish(ids, queue=SWEEP_QUEUE))
    return len(ids)
