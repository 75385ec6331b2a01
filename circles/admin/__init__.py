"""The branch office's tool. Each module registers the admin of one domain."""

from . import claims, meetings, minutes, networks, org, overview, people, reminders  # noqa: F401
