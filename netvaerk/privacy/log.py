"""One helper writes the access log: who, from where, did what to which object about which person.

Callers: ``record(request, "read", "Referat 12", obj=minutes, person_id=...)`` from a view, or
``record(user, "erase", ...)`` from a service that has no request. The IP is ``REMOTE_ADDR``; the
``X-Forwarded-For`` header is trusted only when ``settings.PRIVACY_TRUST_X_FORWARDED_FOR`` is true
(behind our own proxy), and then only its last hop, which that proxy wrote.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from .models import AccessLogEntry

_FIELD_MAX = {f.name: getattr(f, "max_length", None) for f in AccessLogEntry._meta.fields}


def _cut(field: str, value: str) -> str:
    limit = _FIELD_MAX.get(field)
    value = (value or "").replace("\x00", "")
    return value[:limit] if limit else value


def _client_ip(request: HttpRequest) -> str | None:
    candidate = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "PRIVACY_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def record(
    request_or_user,
    action: str,
    what: str,
    *,
    obj=None,
    person_id: int | None = None,
    branch=None,
    branch_id: int | None = None,
) -> AccessLogEntry:
    """Write one access-log row. ``action`` is one of ``AccessLogEntry.Action``."""
    if action not in AccessLogEntry.Action.values:
        raise ValueError(f"Unknown access-log action: {action!r}")
    if isinstance(request_or_user, HttpRequest):
        request = request_or_user
        user = getattr(request, "user", None)
        ip = _client_ip(request)
        path = request.get_full_path()
    else:
        request, user, ip, path = None, request_or_user, None, ""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if branch is not None:
        branch_id = branch.pk
    elif branch_id is None and user is not None:
        branch_id = getattr(user, "branch_id", None)
    return AccessLogEntry.objects.create(
        user=user,
        user_label=_cut("user_label", user_label(user)),
        branch_id=branch_id,
        action=action,
        what=_cut("what", str(what)),
        object_type=_cut("object_type", obj._meta.label if obj is not None else ""),
        object_id=_cut("object_id", str(obj.pk) if obj is not None and obj.pk is not None else ""),
        person_id=person_id,
        path=_cut("path", path),
        ip=ip,
    )
