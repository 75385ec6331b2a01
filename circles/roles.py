"""The two staff roles and the model permissions each gets; kept in step after every migrate."""

from django.contrib.auth.models import Group, Permission

OFFICE = "Kredskontor"
CONSULTANT = "Konsulent"

_ALL = ("add", "change", "delete", "view")
ROLE_PERMISSIONS = {
    OFFICE: {
        "circles": {
            "person": _ALL,
            "mandate": _ALL,
            "network": _ALL,
            "networkoverview": ("view",),
            "membership": _ALL,
            "employer": _ALL,
            "workplace": _ALL,
            "meeting": _ALL,
            "agendaitem": _ALL,
            "attendance": _ALL,
            "invitation": ("view",),
            "minutes": ("change", "view"),
            "minutesattachment": ("view",),
            "minutesversion": ("view",),
            "branch": ("change", "view"),
            "reminder": ("view",),
            # release time and mileage: decided and billed through the services, never edited by hand
            "releaseclaim": ("change", "view"),
            "employerbill": ("add", "change", "view"),
            "mileagerate": _ALL,
            # the networks' voice: sign-ups decided, points answered, requests answered via services
            "signup": ("change", "view"),
            "keymessagedelivery": ("view",),
            "leaveletter": ("view",),
            "boardtopic": _ALL,
            "boardpoint": ("change", "view"),
            "supervisionrequest": ("change", "view"),
        },
        "mentoring": {
            "programme": _ALL,
            "mentor": _ALL,
            "mentorrequest": ("add", "change", "view"),
            "offer": ("change", "view"),
            "pairing": ("change", "view"),
            "session": ("view",),
            "feedback": ("view",),
        },
        "privacy": {
            "accesslogentry": ("view",),
            "retentionpolicy": ("change", "view"),
            "erasurenotice": ("change", "view"),
            "erasurereview": ("change", "view"),
        },
        "outbox": {"outboundemail": ("change", "view")},
    },
    CONSULTANT: {
        "circles": {
            "person": ("view",),
            "mandate": ("view",),
            "network": ("change", "view"),
            "networkoverview": ("view",),
            "membership": ("add", "change", "view"),
            "employer": ("view",),
            "workplace": ("view",),
            "meeting": ("view",),
            "branch": ("view",),
            "signup": ("change", "view"),
            "leaveletter": ("view",),
        },
        "mentoring": {
            "programme": ("view",),
            "mentor": ("change", "view"),
            "mentorrequest": ("add", "change", "view"),
            "offer": ("view",),
            "pairing": ("view",),
        },
    },
}


def ensure_groups(**kwargs):
    for name, apps in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [
            f"{action}_{model}"
            for models in apps.values()
            for model, actions in models.items()
            for action in actions
        ]
        permissions = Permission.objects.filter(content_type__app_label__in=list(apps), codename__in=wanted)
        group.permissions.set(permissions)


def is_office(user) -> bool:
    return _has_role(user, OFFICE)


def is_consultant(user) -> bool:
    return _has_role(user, CONSULTANT)


def _has_role(user, name) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    cache = getattr(user, "_role_names", None)
    if cache is None:
        cache = user._role_names = set(user.groups.values_list("name", flat=True))
    return name in cache
