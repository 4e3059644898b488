"""What ``netemu serve`` runs on ``--api``: the Route 53 REST API over the stored account (``--state
DIR``, SQLite; memory without it) beside the health checker's control paths and the read-only
web view under ``/ui/`` (netemu/api/ui.py), on one HTTP server.

Zones from ``--zones`` files are served beside stored ones and are read-only through the API.
Each accepted change is committed to the store, then a new compiled snapshot is swapped into the
DNS server by assignment (``server.serving``), keeping the current health and client locator.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
from dataclasses import replace
from typing import Any

from netemu.api.account import Account
from netemu.api.auth import Verifier, read_credentials
from netemu.api.dnssec import DnssecService
from netemu.api.http import DEFAULT_LIMITS, HttpLimits
from netemu.api.resolver_firewall import FirewallApi
from netemu.api.route53 import Route53Api
from netemu.api.store import open_store
from netemu.api.ui import QueryRing, WebUi
from netemu.health import DEFAULT_API
from netemu.health.service import HealthService
from netemu.route53.health import HealthSnapshot
from netemu.route53.model import ZoneSet

log = logging.getLogger("netemu.api")
DEFAULT_STATE_POLL = 0.3   # seconds between two looks at the store's change log


def make_publisher(server: Any) -> Any:
    """``publish(zoneset)``: compile a new snapshot in a worker thread (the DNS loop keeps
    answering from the current one meanwhile), then swap it in by assignment, with the health
    and client locator current at that moment."""
    from netemu.api.snapshot import SnapshotBuilder

    builder = SnapshotBuilder()

    async def publish(zoneset: ZoneSet) -> None:
        if server.serving.zoneset is zoneset:
            return
        new = await asyncio.to_thread(builder.build, zoneset)
        current = server.serving
        server.serving = replace(new, health=current.health, locator=current.locator,
                                 signers=current.signers)

    return publish


def http_limits_from(args: argparse.Namespace) -> HttpLimits:
    """The API server's connection bounds with the command line's overrides."""
    return HttpLimits(
        max_connections=getattr(args, "api_max_connections", DEFAULT_LIMITS.max_connections),
        idle_seconds=getattr(args, "api_idle_timeout", DEFAULT_LIMITS.idle_seconds))


async def serve_api(args: argparse.Namespace, server: Any) -> None:
    """``netemu serve``'s background job: run until cancelled."""
    creds = getattr(args, "api_credentials", None)
    try:
        verifier = Verifier(read_credentials(creds)) if creds else None
    except OSError as exc:
        raise ValueError(f"--api-credentials {creds}: {exc.strerror or exc}") from None
    state = getattr(args, "state", None)
    try:
        store = open_store(state)
    except (OSError, sqlite3.Error) as exc:
        raise ValueError(f"--state {state}: {getattr(exc, 'strerror', None) or exc}") from None
    account = Account(server.serving.zoneset, store, make_publisher(server),
                      strict_aws=getattr(args, "strict_aws", False), follow=state is not None)
    await account.start()
    # other servers on the same --state: their commits are taken in every --state-poll seconds
    following = asyncio.ensure_future(account.follow_store(
        getattr(args, "state_poll", DEFAULT_STATE_POLL))) if state is not None else None
    api = Route53Api(account, verifier, serving=lambda: server.serving)
    queries = QueryRing()
    queries.install()
    ui = WebUi(lambda: account.zoneset, lambda: service.checker, queries,
               getattr(args, "dataplane_state", None), getattr(args, "ui_topology", None))

    def publish_signers(signers: dict[str, Any]) -> None:
        server.serving = replace(server.serving, signers=signers)

    api.dnssec = DnssecService(account, state, publish_signers)
    publish_signers(api.dnssec.signers())
    refresh = asyncio.ensure_future(api.dnssec.refresh())
    # Route53Resolver's DNS Firewall operations, on the same store (its JSON file of earlier
    # versions migrated on the first start)
    try:
        firewall = FirewallApi(store, state, verifier, account=account)
    except (OSError, sqlite3.Error) as exc:
        raise ValueError(f"--state {state}: {getattr(exc, 'strerror', None) or exc}") from None

    def publish_health(snapshot: HealthSnapshot) -> None:
        server.serving = server.serving.with_health(snapshot)

    service = HealthService(account.zoneset, publish_health,
                            time_scale=getattr(args, "time_scale", 1.0),
                            api=getattr(args, "api", DEFAULT_API),
                            web_routes=[ui.handle, firewall.handle, api.handle],
                            http_limits=http_limits_from(args))
    account.health = service.checker  # GetHealthCheckStatus reads the checker's observations
    # each server probes every health check itself (stored ones included, whichever server
    # created them) and answers DNS from its own observations
    try:
        await service.start()
        if getattr(args, "state", None):
            log.info("Route 53 API state in %s (version %d)", args.state, account.version)
        await asyncio.Event().wait()
    finally:
        refresh.cancel()
        if following is not None:
            following.cancel()
        queries.remove()
        await service.stop()
        store.close()
