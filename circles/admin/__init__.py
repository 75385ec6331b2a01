"""The branch office's tool. Each module registers the admin of one domain."""

from . import (  # noqa: F401
    claims,
    meetings,
    minutes,
    networks,
    org,
    overview,
    people,
    reminders,
    signups,
    voice,
)
