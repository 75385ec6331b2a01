"""The branch office's tool. Each module registers the admin of one domain."""

from . import core, minutes  # noqa: F401
