"""What ``netemu serve`` starts for health: the checker and the HTTP server on ``--api`` (the
``/_netemu/`` control paths, and the Route 53 API routes that ``netemu.api.service`` hands over
as ``web_routes``), in the serving process's event loop. The caller hands over a ``publish``
callback that swaps the new snapshot into its immutable serving state by assignment; nothing
here touches the DNS path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from netemu.health import DEFAULT_API
from netemu.health.checker import HealthChecker
from netemu.health.control import Handler, health_routes
from netemu.hostport import parse_host_port  # the one HOST:PORT parser
from netemu.route53.health import HealthSnapshot
from netemu.route53.model import ZoneSet

log = logging.getLogger("netemu.health")


def parse_address(text: str, default_port: int = 4580) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``), ``HOST`` or ``:PORT``; raises ValueError naming --api."""
    return parse_host_port(text, "--api", default_port)


class HealthService:
    """The checker plus the control server; ``start`` inside the running loop, ``stop`` at exit."""

    def __init__(self, zones: ZoneSet, publish: Callable[[HealthSnapshot], None],
                 time_scale: float = 1.0, api: str | None = DEFAULT_API,
                 extra_routes: Sequence[Handler] = (), prober: str = "process",
                 web_routes: Sequence[Any] = ()) -> None:
        from netemu.api.http import HttpServer  # the one HTTP server on --api

        self.checker = HealthChecker(zones.health_checks, publish, time_scale, prober=prober)
        self.api = api
        self.control = HttpServer([health_routes(self.checker), *extra_routes],
                                  web_routes=web_routes)

    async def start(self) -> None:
        """Start both; on failure (the --api address is in use) stop what was started and
        raise OSError whose ``filename`` is the --api address."""
        await self.checker.start()
        if self.api:
            try:
                host, port = parse_address(self.api)
                await self.control.start(host, port)
            except OSError as exc:
                await self.stop()
                raise OSError(exc.errno, exc.strerror or str(exc), self.api) from exc
            except BaseException:
                await self.stop()
                raise
            log.info("control channel on http://%s:%d/_netemu/ (%d health checks, time scale %g)",
                     host, port, len(self.checker.checks), self.checker.time_scale)

    async def stop(self) -> None:
        await self.control.stop()
        await self.checker.stop()
