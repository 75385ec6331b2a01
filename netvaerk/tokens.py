"""One-time links: random, stored only as a hash, expiring, and single-use where the caller needs it.

The meeting answer links and the mentor offers both use this. A link carries the raw token; the
database keeps ``digest(token)`` only, so neither a database dump nor the admin can open the link.
Look a token up by its digest, and consume a single-use one with a conditional UPDATE so two clicks
(or two browsers) never both win.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

TOKEN_BYTES = 32  # 256 bits, urlsafe: 43 characters in a link


@dataclass(frozen=True)
class Token:
    """A freshly made token: ``raw`` goes into the link (once), ``digest`` into the database."""

    raw: str
    digest: str


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue() -> Token:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return Token(raw=raw, digest=digest(raw))


def is_expired(expires_at: datetime | None, *, now: datetime | None = None) -> bool:
    return expires_at is not None and expires_at <= (now or timezone.now())


def consume(
    queryset: QuerySet, raw: str, *, digest_field: str = "token_hash", used_field: str = "used_at"
) -> int:
    """Mark the one unexpired, unused row behind ``raw`` as used. Returns 1 if this call won, else 0.

    ``queryset`` should already be narrowed to rows that may still be used (e.g. not expired).
    """
    return queryset.filter(**{digest_field: digest(raw), f"{used_field}__isnull": True}).update(
        **{used_field: timezone.now()}
    )
