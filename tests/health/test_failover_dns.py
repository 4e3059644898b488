"""Failover and weighted routing driven by real health checks, seen over DNS with dig
(R52, R43, R74, R76, R80, R83).

A real HTTP endpoint on loopback (started by the test), ``netemu serve --time-scale 0.1`` as a
subprocess, and the real ``dig``. With RequestInterval 10 and --time-scale 0.1 a check is probed
every second; with FailureThreshold 2 a change must show within 2 x 1 s. Each wait polls dig
until the expected answer with a deadline of FailureThreshold x interval + SLACK (SLACK covers
probe stagger, process start and a loaded machine); the measured time is printed.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.health.endpoints import Endpoint
from tests.helpers import run_netemu
from tests.live import LiveServer, live_serve

SCALE = 0.1
INTERVAL = 10 * SCALE        # seconds between probes
THRESHOLD = 2
SLACK = 3.0                  # stated slack on top of FailureThreshold x interval
BOUND = THRESHOLD * INTERVAL + SLACK

pytestmark = [pytest.mark.slow,  # starts a server or a subprocess
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

ZONE = """
HostedZone: {{Name: hc.example.org.}}
HealthChecks:
  - Id: primary-web
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {port}, ResourcePath: /health,
                         RequestInterval: 10, FailureThreshold: {threshold}}}
  - Id: blue-web
    HealthCheckConfig: {{Type: HTTP_STR_MATCH, IPAddress: 127.0.0.1, Port: {port},
                         ResourcePath: /ok, SearchString: OK, RequestInterval: 10,
                         FailureThreshold: {threshold}}}
  - Id: green-web
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {port}, ResourcePath: /fail,
                         RequestInterval: 10, FailureThreshold: {threshold}}}
  - Id: canary
    HealthCheckConfig: {{Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: Healthy,
                         AlarmIdentifier: {{Region: us-east-1, Name: canary-errors}}}}
ResourceRecordSets:
  - {{Name: www.hc.example.org., Type: A, SetIdentifier: p, Failover: PRIMARY, TTL: 5,
     HealthCheckId: primary-web, ResourceRecords: [{{Value: 192.0.2.1}}]}}
  - {{Name: www.hc.example.org., Type: A, SetIdentifier: s, Failover: SECONDARY, TTL: 5,
     ResourceRecords: [{{Value: 192.0.2.2}}]}}
  - {{Name: api.hc.example.org., Type: A, SetIdentifier: blue, Weight: 50, TTL: 5,
     HealthCheckId: blue-web, ResourceRecords: [{{Value: 192.0.2.10}}]}}
  - {{Name: api.hc.example.org., Type: A, SetIdentifier: green, Weight: 50, TTL: 5,
     HealthCheckId: green-web, ResourceRecords: [{{Value: 192.0.2.20}}]}}
  - {{Name: api.hc.example.org., Type: A, SetIdentifier: canary, Weight: 50, TTL: 5,
     HealthCheckId: canary, ResourceRecords: [{{Value: 192.0.2.30}}]}}
"""


@pytest.fixture
async def web() -> AsyncIterator[Endpoint]:
    ep = await Endpoint().start()
    yield ep
    await ep.stop()


@pytest.fixture
async def server(web: Endpoint, tmp_path: Path) -> AsyncIterator[LiveServer]:
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "hc.yaml").write_text(ZONE.format(port=web.port, threshold=THRESHOLD))
    async with live_serve(zones, tmp_path, "www.hc.example.org", SCALE) as srv:
        yield srv


async def test_failover_and_recovery_over_dns_R52_R76(web: Endpoint, server: LiveServer) -> None:
    """The check probes its own endpoint (127.0.0.1), never the record's value 192.0.2.1 (R44)."""
    assert await server.adig("www.hc.example.org") == ["192.0.2.1"]   # PRIMARY, healthy (R80)
    port = web.port
    await asyncio.sleep(INTERVAL)
    await web.stop()
    took = await server.until("www.hc.example.org", {"192.0.2.2"}, BOUND)
    print(f"failover to SECONDARY after {took:.2f} s (bound {BOUND:.1f} s)")
    await web.start()
    assert web.port == port
    took = await server.until("www.hc.example.org", {"192.0.2.1"}, BOUND)
    print(f"back to PRIMARY after {took:.2f} s (bound {BOUND:.1f} s)")
    done = await asyncio.to_thread(run_netemu, "health", "--api", f"127.0.0.1:{server.api}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("primary-web "))
    assert "Healthy" in line and f"HTTP 200 from 127.0.0.1:{port}" in line
    assert server.changes("primary-web") == [   # each change logged once
        f"health-check primary-web: Healthy -> Unhealthy (connection refused by 127.0.0.1:{port})",
        f"health-check primary-web: Unhealthy -> Healthy (HTTP 200 from 127.0.0.1:{port})",
    ]


async def test_weighted_set_drops_unhealthy_members_R43_R83(server: LiveServer) -> None:
    # green-web probes /fail (HTTP 500): after FailureThreshold probes it leaves the set.
    await asyncio.sleep(BOUND)
    seen = {ip for _ in range(30) for ip in await server.adig("api.hc.example.org")}
    assert seen == {"192.0.2.10", "192.0.2.30"}
    done = await asyncio.to_thread(run_netemu, "alarm", "set", "canary-errors", "ALARM",
                                   "--api", f"127.0.0.1:{server.api}")
    assert done.returncode == 0, done.stderr
    seen = {ip for _ in range(20) for ip in await server.adig("api.hc.example.org")}
    assert seen == {"192.0.2.10"}
