"""Record mails in the caller's transaction; deliver each one exactly once after commit.

A mail is rendered from three templates (``emails/<name>_subject.txt``, ``.txt``, ``.html``) when it
is recorded, so what is sent is what the business transaction saw. The row's unique ``key`` makes
recording idempotent. Delivery claims the row with a conditional UPDATE, so a retried task, a second
worker or the sweeper never sends it twice; SMTP 4xx and network errors are retried with backoff
(the due time lives in the database, not in a Celery ETA), 5xx answers are final.
"""

import hashlib
import logging
import smtplib
from datetime import timedelta
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
PUBLISH_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500


def enqueue(
    template: str,
    *,
    to: str,
    key: str,
    context: dict | None = None,
    to_name: str = "",
    branch=None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Record one mail to one recipient and send it after the surrounding transaction commits.

    Calling it again with the same key changes nothing and returns the row recorded first.
    Attachments are dicts with ``filename``, ``content`` (text), ``mimetype`` and optional ``params``.
    """
    context = {"site_url": settings.SITE_URL, **(context or {})}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body_text = render_to_string(f"emails/{template}.txt", context)
        body_html = render_to_string(f"emails/{template}.html", context)
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "template": template,
            "branch": branch,
            "to": formataddr((to_name, to)) if to_name else to,
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "attachments": attachments or [],
        },
    )
    if created:
        transaction.on_commit(lambda: publish(email.pk))
    return email


def publish(email_id: int, *, task=None) -> None:
    """Hand one mail to a worker. A broker outage is logged, never raised: the sweeper sends it later."""
    if task is None:
        from .tasks import send_email as task

    try:
        task.apply_async((email_id,), retry=True, retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY)
    except Exception:
        log.warning("Could not queue mail %s; the outbox sweeper will send it.", email_id, exc_info=True)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def message_id(email: OutboundEmail) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a duplicate after a crash."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "netvaerk.invalid"
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:24]
    return f"<outbox.{email.pk}.{digest}@{domain}>"


def _build_message(email: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        maintype, subtype = attachment.get("mimetype", "application/octet-stream").split("/", 1)
        if maintype == "text":
            part = MIMEText(attachment["content"], subtype, "utf-8")
        else:
            part = MIMEBase(maintype, subtype)
            part.set_payload(attachment["content"])
        for name, value in attachment.get("params", {}).items():
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
        message.attach(part)
    return message


def deliver(email_id: int) -> str:
    """Send one recorded mail if it is due and nobody else is sending it. Returns what happened."""
    now = timezone.now()
    claimed = (
        OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=OutboundEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            _build_message(email, connection).send()
    except Exception as error:
        code = _smtp_code(error)
        permanent = code is not None and 500 <= code < 600
        exhausted = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        failed = permanent or exhausted
        OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.SENDING).update(
            status=OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.QUEUED,
            next_attempt_at=None if failed else timezone.now() + _backoff(email.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        log.warning("Mail %s to %s not sent (attempt %s): %s", email_id, email.to, email.attempts, error)
        return "failed" if failed else "retry"
    OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.SENDING).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return "sent"


def sweep(*, batch: int = SWEEP_BATCH) -> int:
    """Re-queue mails whose worker died and publish those that are due. Set-based; returns how many."""
    now = timezone.now()
    OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=OutboundEmail.Status.QUEUED, next_attempt_at=now, last_error="Worker stopped mid-send.")
    due = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
        .filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = list(due)
    for email_id in ids:
        publish(email_id)
    return len(ids)


def resend(queryset) -> int:
    """Put failed (or stuck) mails back in the queue; the office's resend action."""
    ids = list(queryset.exclude(status=OutboundEmail.Status.SENT).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.QUEUED, next_attempt_at=None, attempts=0
    )
    for email_id in ids:
        transaction.on_commit(lambda email_id=email_id: publish(email_id))
    return len(ids)
