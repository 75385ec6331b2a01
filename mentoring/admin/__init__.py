"""The office's side of the mentor programme. Each module registers the admin of one part."""

from . import pairings, programmes  # noqa: F401
