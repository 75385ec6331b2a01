"""Take the one-time links out of the mails recorded before links were sealed.

Password mails carried their link in the body and in the key, meeting invitations their answer
link in the body. A mail still waiting to be sent gets its link sealed (so it arrives working); a
mail already sent or failed keeps only the placeholder. Keys get a digest of the link instead.
"""

import hashlib
import json
import re

from django.db import migrations

from netvaerk.outbox import sealing

PASSWORD = re.compile(r"/accounts/password/reset/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/")
ANSWER = re.compile(r"/svar/[A-Za-z0-9_-]{16,}/")
LINKS = {
    "accounts/password_reset": ("link", PASSWORD),
    "circles/account_invitation": ("link", PASSWORD),
    "circles/meeting_invitation": ("answer_url", ANSWER),
}
PENDING = ("queued", "sending")


def _replace(value, old, new):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    return value


def seal_recorded_links(apps, schema_editor):
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    for template, (name, pattern) in LINKS.items():
        for email in OutboundEmail.objects.filter(template=template, has_secrets=False).iterator():
            stored = " ".join([email.key, email.body_text, email.body_html, json.dumps(email.attachments)])
            links = list(dict.fromkeys(pattern.findall(stored)))
            if not links:
                continue
            for link in links:
                email.key = email.key.replace(link, hashlib.sha256(link.encode()).hexdigest())
                placeholder = sealing.placeholder(name)
                email.body_text = email.body_text.replace(link, placeholder)
                email.body_html = email.body_html.replace(link, placeholder)
                email.attachments = _replace(email.attachments, link, placeholder)
            email.has_secrets = True
            email.sealed_secrets = sealing.seal({name: links[0]}) if email.status in PENDING else ""
            email.save(
                update_fields=[
                    "key",
                    "body_text",
                    "body_html",
                    "attachments",
                    "has_secrets",
                    "sealed_secrets",
                ]
            )


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_sealed_secrets")]

    operations = [migrations.RunPython(seal_recorded_links, migrations.RunPython.noop)]
