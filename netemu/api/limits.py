"""The API server's connection bounds (``HttpLimits``; docs/api.md, "Limits"), apart from the
server itself (netemu.api.http, which re-exports them) so that the command line can show their
defaults without importing aiohttp: every ``netemu`` command builds the ``serve`` parser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The API server's connection bounds; defaults are what ``netemu serve`` uses."""

    max_connections: int = 256     # open at once; at the limit the longest-waiting one is closed
    idle_seconds: float = 10.0     # to deliver a complete request, from the start or last response


DEFAULT_LIMITS = HttpLimits()

__all__ = ["DEFAULT_LIMITS", "HttpLimits"]
