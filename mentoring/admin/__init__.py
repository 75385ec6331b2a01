"""The office's side of the mentor programme. Each module registers the admin of one part;
``scopes`` adds the mentoring models to the admin's branch scoping."""

from . import offers, pairings, programmes, scopes  # noqa: F401
