"""Many outbox mails in one statement: for the periodic jobs, which decide thousands at a time.

The same rows ``netvaerk.outbox.services.enqueue`` records, written with one ``bulk_create`` (the
unique key makes a second run add nothing) and published as one batch after commit. Rendering is
the same: subject and text part without HTML escaping, HTML escaped, one-time links sealed.
"""

from dataclasses import dataclass, field
from email.utils import formataddr

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext

from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from netvaerk.outbox.services import publish


@dataclass
class Mail:
    template: str
    to: str
    key: str
    to_name: str = ""
    context: dict = field(default_factory=dict)
    branch: object = None
    attachments: list = field(default_factory=list)
    secrets: dict = field(default_factory=dict)
    topic: str = ""


def _plain(name: str, context: dict) -> str:
    return get_template(name).template.render(Context(context, autoescape=False))


def render(mail: Mail) -> OutboundEmail:
    """The outbox row of one mail, not saved."""
    secrets = {name: value for name, value in mail.secrets.items() if value}
    context = {
        "site_url": settings.SITE_URL,
        "sender": str(mail.branch) if mail.branch is not None else gettext("Netværk"),
        **mail.context,
        **{name: sealing.placeholder(name) for name in secrets},
    }
    subject = " ".join(_plain(f"emails/{mail.template}_subject.txt", context).split())
    return OutboundEmail(
        key=mail.key,
        template=mail.template,
        topic=mail.topic,
        branch=mail.branch,
        to=formataddr((mail.to_name, mail.to)) if mail.to_name else mail.to,
        subject=subject[:255],
        body_text=_plain(f"emails/{mail.template}.txt", context),
        body_html=render_to_string(f"emails/{mail.template}.html", context),
        attachments=mail.attachments,
        has_secrets=bool(secrets),
        sealed_secrets=sealing.seal(secrets) if secrets else "",
    )


def enqueue_many(mails: list[Mail]) -> int:
    """Record ``mails`` in the caller's transaction and publish them after commit; returns how many
    rows this call added (a key already in the outbox is left as it is)."""
    if not mails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        rows = [render(mail) for mail in mails]
    keys = [row.key for row in rows]
    before = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [row for row in rows if row.key not in before]
    OutboundEmail.objects.bulk_create(new, ignore_conflicts=True)
    topics = {row.topic for row in new if row.topic}
    if topics:
        # a newer mail on the same topic replaces the unsent older one (as enqueue's topic does)
        OutboundEmail.objects.filter(topic__in=topics, status=OutboundEmail.Status.QUEUED).exclude(
            key__in=[row.key for row in new]
        ).update(
            status=OutboundEmail.Status.WITHDRAWN,
            sealed_secrets="",
            next_attempt_at=None,
            last_error=gettext("Trukket tilbage: en nyere besked om det samme afløser den."),
        )
    added = list(
        OutboundEmail.objects.filter(key__in=[key for key in keys if key not in before]).values_list(
            "pk", flat=True
        )
    )
    if added:
        transaction.on_commit(lambda: publish(added))
    return len(added)
