"""The change log: django-auditlog records every model change with its field diffs; for each change
made by a logged-in user we also write an ``AccessLogEntry`` (who, when, what, from where) so the
office searches one log per person and per user, scoped to its branch.

The diffs (auditlog's ``LogEntry``) are for superusers; confidential text is masked there and the
token hashes and password are not tracked at all. Mail (the outbox) is not tracked: its bodies hold
links, and what was mailed is the outbox's own record.
"""

from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.apps import apps
from django.utils.translation import gettext

# model label -> the tracking options (fields excluded or masked)
TRACKED = {
    "circles.Branch": {},
    "circles.User": {"exclude_fields": ["password", "last_login"]},
    "circles.Employer": {},
    "circles.Workplace": {},
    "circles.Person": {},
    "circles.Mandate": {},
    "circles.Network": {},
    "circles.Membership": {},
    "circles.Meeting": {},
    "circles.AgendaItem": {},
    "circles.Invitation": {"exclude_fields": ["token_hash"]},
    "circles.Attendance": {},
    "circles.Minutes": {"mask_fields": ["text", "return_comment"]},
    "circles.MinutesAttachment": {},
    "circles.ReleaseClaim": {},
    "circles.MileageRate": {},
    "circles.EmployerBill": {},
    "circles.MentorPrompt": {},
    "circles.SignUp": {"exclude_fields": ["confirm_token_hash"]},
    "circles.BoardTopic": {},
    "circles.BoardPoint": {},
    "circles.SupervisionRequest": {},
    "mentoring.Programme": {},
    "mentoring.Mentor": {},
    "mentoring.MentorRequest": {},
    "mentoring.Offer": {"exclude_fields": ["mentor_token_hash", "mentee_token_hash"]},
    "mentoring.Pairing": {},
    "mentoring.Session": {"mask_fields": ["topics"]},
    "mentoring.Feedback": {"mask_fields": ["useful", "improve"]},
    "privacy.RetentionPolicy": {},
    "privacy.ErasureNotice": {},
}

# how to find an object's branch and the member it is about, without loading more than needed
BRANCH_PATHS = (
    "branch_id",
    "network.branch_id",
    "person.branch_id",
    "claimant.branch_id",
    "meeting.network.branch_id",
    "minutes.meeting.network.branch_id",
    "employer.branch_id",
    "programme.branch_id",
    "request.programme.branch_id",
    "pairing.programme.branch_id",
)
PERSON_PATHS = ("person_id", "claimant_id", "mentee_id")


def mask_all(value) -> str:
    """A masked field shows that it changed, never any of its text (auditlog keeps half by default)."""
    return "***"


def _follow(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def branch_id_of(obj) -> int | None:
    for path in BRANCH_PATHS:
        value = _follow(obj, path)
        if value is not None:
            return value
    return None


def person_id_of(obj) -> int | None:
    if obj._meta.label == "circles.Person":
        return obj.pk
    for path in PERSON_PATHS:
        value = getattr(obj, path, None)
        if value is not None:
            return value
    return None


def _record_change(sender, instance, action, log_entry=None, log_created=False, **kwargs):
    """A change by a logged-in user also goes into the office's searchable access log."""
    if not log_created or log_entry is None or log_entry.actor_id is None:
        return
    from .models import AccessLogEntry

    verb = {0: gettext("oprettet"), 1: gettext("ændret"), 2: gettext("slettet")}.get(
        action, gettext("ændret")
    )
    AccessLogEntry.objects.create(
        user_id=log_entry.actor_id,
        user_label=str(log_entry.actor)[:160],
        branch_id=branch_id_of(instance),
        action=AccessLogEntry.Action.CHANGE,
        # type and number only: the log itself must not become another copy of personal data
        what=f"{instance._meta.verbose_name} #{instance.pk} {verb}"[:300],
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        person_id=person_id_of(instance),
        ip=log_entry.remote_addr,
    )


def register_all() -> None:
    for label, options in TRACKED.items():
        model = apps.get_model(label)
        if "mask_fields" in options:
            options = {**options, "mask_callable": "netvaerk.privacy.audit.mask_all"}
        if not auditlog.contains(model):
            auditlog.register(model, **options)
    post_log.connect(_record_change, dispatch_uid="netvaerk.privacy.record_change")
