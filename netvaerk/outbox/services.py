"""Record mails in the caller's transaction; deliver each one exactly once after commit.

A mail is rendered from three templates (``emails/<name>_subject.txt``, ``.txt``, ``.html``) when it
is recorded, so what is sent is what the business transaction saw; the subject and the text part are
rendered without HTML escaping. The row's unique ``key`` makes recording idempotent. Delivery claims
the row with a conditional UPDATE, so a retried task, a second worker or the sweeper never sends it
twice; SMTP 4xx and network errors are retried with backoff (the due time lives in the database, not
in a Celery ETA), 5xx answers are final.

One-time links are passed as ``secrets``: the stored bodies hold a placeholder, the links stay
sealed in the row until ``deliver()`` builds the message, and are wiped once the mail is sent or has
failed for good (see ``sealing``).
"""

import hashlib
import json
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
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import sealing
from .models import OutboundEmail

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
PUBLISH_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500

secret_placeholder = sealing.placeholder


def _render_plain(name: str, context: dict) -> str:
    """A text template (a plain-text body or a subject) rendered with autoescape off, includes too."""
    return get_template(name).template.render(Context(context, autoescape=False))


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
) -> OutboundEmail:
    """Record one mail to one recipient and send it after the surrounding transaction commits.

    Calling it again with the same key changes nothing and returns the row recorded first.
    Attachments are dicts with ``filename``, ``content`` (text), ``mimetype`` and optional ``params``.
    ``secrets`` maps a context name to a one-time link (or any value only the recipient may see):
    the templates see ``secret_placeholder(name)`` under that name, and the value is put in only
    when the mail is sent. An attachment may carry ``secret_placeholder(name)`` as well. The key
    must not contain a secret: use ids, or ``netvaerk.tokens.digest`` of the secret.
    """
    secrets = {name: value for name, value in (secrets or {}).items() if value}
    attachments = attachments or []
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "site_url": settings.SITE_URL,
            "sender": str(branch) if branch is not None else gettext("Netværk"),
            **(context or {}),
            **{name: sealing.placeholder(name) for name in secrets},
        }
        subject = " ".join(_render_plain(f"emails/{template}_subject.txt", context).split())
        body_text = _render_plain(f"emails/{template}.txt", context)
        body_html = render_to_string(f"emails/{template}.html", context)
    stored = [key, subject, body_text, body_html, json.dumps(attachments, ensure_ascii=False)]
    if any(value in text for value in secrets.values() for text in stored):
        raise ValueError(
            "A secret would be stored in the outbox (key, body or attachment); pass it in secrets."
        )
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "template": template,
            "branch": branch,
            "to": formataddr((to_name, to)) if to_name else to,
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "attachments": attachments,
            "has_secrets": bool(secrets),
            "sealed_secrets": sealing.seal(secrets) if secrets else "",
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


def _finish(email_id: int, **fields) -> None:
    """Record the outcome of one attempt; a mail that is done for good loses its sealed links."""
    if fields["status"] in (OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED):
        fields["sealed_secrets"] = ""
    OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.SENDING).update(**fields)


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
        secrets = sealing.unseal(email.sealed_secrets)
    except sealing.InvalidToken:
        secrets = {}
    if email.has_secrets and not secrets:
        _finish(
            email_id,
            status=OutboundEmail.Status.FAILED,
            next_attempt_at=None,
            last_error=gettext("Mailens personlige link findes ikke længere; send mailen på ny."),
        )
        log.warning("Mail %s has lost its sealed links and is not sent.", email_id)
        return "failed"
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            _build_message(email, connection, secrets).send()
    except Exception as error:
        code = _smtp_code(error)
        permanent = code is not None and 500 <= code < 600
        exhausted = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        failed = permanent or exhausted
        _finish(
            email_id,
            status=OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.QUEUED,
            next_attempt_at=None if failed else timezone.now() + _backoff(email.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        log.warning("Mail %s to %s not sent (attempt %s): %s", email_id, email.to, email.attempts, error)
        return "failed" if failed else "retry"
    _finish(
        email_id,
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
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


def unsendable(queryset):
    """Mails whose personal link was wiped after a final failure: only a new mail can carry a new link."""
    return queryset.filter(has_secrets=True, sealed_secrets="")


def resend(queryset) -> int:
    """Put failed (or stuck) mails back in the queue; the office's resend action.

    A mail whose one-time link is gone is left alone (see ``unsendable``): sent again, it would
    arrive without its link.
    """
    pending = queryset.exclude(status=OutboundEmail.Status.SENT)
    ids = list(pending.exclude(pk__in=unsendable(pending).values("pk")).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.QUEUED, next_attempt_at=None, attempts=0
    )
    for email_id in ids:
        transaction.on_commit(lambda email_id=email_id: publish(email_id))
    return len(ids)
