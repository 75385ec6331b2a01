"""One-time links in mails, kept sealed until the moment a mail is sent.

A mail's body is stored with a placeholder where a secret (a password link, an answer link) goes;
the values themselves are kept encrypted in the row (Fernet, with a key derived from SECRET_KEY),
put into the message only when it is built for sending, and wiped once the mail is delivered or has
failed for good. So neither the admin nor a database dump shows a link that still opens something.
"""

import base64
import json
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.html import escape

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
INFO = b"netvaerk.outbox.sealed-secrets"

__all__ = ["InvalidToken", "placeholder", "seal", "unseal", "reveal"]


def placeholder(name: str) -> str:
    """What a template renders where the secret ``name`` goes; survives HTML escaping unchanged."""
    if not NAME.match(name):
        raise ValueError(f"Secret names are lower-case identifiers, not {name!r}.")
    return f"[[secret:{name}]]"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    """The current SECRET_KEY seals; it and the fallbacks open, so a key rotation loses no queued mail."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(secrets: dict[str, str]) -> str:
    for name in secrets:
        placeholder(name)  # validates the name
    return _keys().encrypt(json.dumps(secrets).encode()).decode()


def unseal(sealed: str) -> dict[str, str]:
    """The secrets of one mail. Raises ``InvalidToken`` when they cannot be opened (e.g. a new SECRET_KEY)."""
    if not sealed:
        return {}
    return json.loads(_keys().decrypt(sealed.encode()))


def reveal(text: str, secrets: dict[str, str], *, html: bool = False) -> str:
    """Put the secrets where their placeholders are; escaped for an HTML part."""
    for name, value in secrets.items():
        text = text.replace(placeholder(name), escape(value) if html else value)
    return text
