"""Alias records with EvaluateTargetHealth into routing policies, driven by real health checks
and seen with dig (R38, R43, R52, R53, R62).

Two real HTTP endpoints on loopback (blue, green), ``netemu serve --time-scale 0.1`` as a
subprocess (a check every 1 s, FailureThreshold 2), the real dig. The zone: a weighted pool of
blue and green with health checks; ``www`` a failover pair whose PRIMARY is an alias with
EvaluateTargetHealth to the pool; ``edge`` an alias to ``www`` (a chain); ``geo`` a geolocation
set whose FR record is an alias with EvaluateTargetHealth to the pool. Each wait polls dig with
a deadline of FailureThreshold x interval + SLACK (process start, probe stagger, a loaded host).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.health.endpoints import Endpoint
from tests.live import LiveServer, live_serve

SCALE = 0.1
INTERVAL = 10 * SCALE
THRESHOLD = 2
SLACK = 4.0  # process start, probe stagger, a poll of 16 digs, a loaded host
BOUND = THRESHOLD * INTERVAL + SLACK

pytestmark = [pytest.mark.slow,  # starts a server or a subprocess
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

ZONE = """
HostedZone: {{Name: ah.example.org.}}
HealthChecks:
  - Id: ah-blue
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {blue}, ResourcePath: /health,
                         RequestInterval: 10, FailureThreshold: {threshold}}}
  - Id: ah-green
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {green}, ResourcePath: /health,
                         RequestInterval: 10, FailureThreshold: {threshold}}}
ResourceRecordSets:
  - {{Name: pool.ah.example.org., Type: A, SetIdentifier: blue, Weight: 50, TTL: 5,
     HealthCheckId: ah-blue, ResourceRecords: [{{Value: 192.0.2.61}}]}}
  - {{Name: pool.ah.example.org., Type: A, SetIdentifier: green, Weight: 50, TTL: 5,
     HealthCheckId: ah-green, ResourceRecords: [{{Value: 192.0.2.62}}]}}
  - Name: www.ah.example.org.
    Type: A
    SetIdentifier: primary
    Failover: PRIMARY
    AliasTarget: {{DNSName: pool.ah.example.org., EvaluateTargetHealth: true}}
  - {{Name: www.ah.example.org., Type: A, SetIdentifier: sorry, Failover: SECONDARY, TTL: 5,
     ResourceRecords: [{{Value: 192.0.2.200}}]}}
  - Name: edge.ah.example.org.
    Type: A
    AliasTarget: {{DNSName: www.ah.example.org., EvaluateTargetHealth: true}}
  - Name: geo.ah.example.org.
    Type: A
    SetIdentifier: fr
    GeoLocation: {{CountryCode: FR}}
    AliasTarget: {{DNSName: pool.ah.example.org., EvaluateTargetHealth: true}}
  - {{Name: geo.ah.example.org., Type: A, SetIdentifier: any, GeoLocation: {{CountryCode: "*"}},
     TTL: 5, ResourceRecords: [{{Value: 192.0.2.99}}]}}
"""
FRANCE = "+subnet=90.0.0.0/16"  # FR in the embedded database


@pytest.fixture
async def blue() -> AsyncIterator[Endpoint]:
    ep = await Endpoint().start()
    yield ep
    await ep.stop()


@pytest.fixture
async def green() -> AsyncIterator[Endpoint]:
    ep = await Endpoint().start()
    yield ep
    await ep.stop()


@pytest.fixture
async def server(blue: Endpoint, green: Endpoint, tmp_path: Path) -> AsyncIterator[LiveServer]:
    zone = tmp_path / "ah.yaml"
    zone.write_text(ZONE.format(blue=blue.port, green=green.port, threshold=THRESHOLD))
    async with live_serve(zone, tmp_path, "www.ah.example.org", SCALE) as srv:
        yield srv


async def test_alias_evaluate_target_health_over_dns(server: LiveServer, blue: Endpoint,
                                                     green: Endpoint) -> None:
    pool = {"192.0.2.61", "192.0.2.62"}
    assert await server.seen("www.ah.example.org") == pool          # R80: healthy at start
    assert await server.seen("geo.ah.example.org", FRANCE) == pool
    await asyncio.sleep(INTERVAL)

    await blue.stop()        # one pool member down: the alias stays healthy (R38)
    took = await server.until("www.ah.example.org", {"192.0.2.62"}, BOUND, n=16)
    print(f"blue left the pool after {took:.2f} s (bound {BOUND:.1f} s)")
    assert await server.seen("edge.ah.example.org") == {"192.0.2.62"}          # chain (R53)
    assert await server.seen("geo.ah.example.org", FRANCE) == {"192.0.2.62"}

    await green.stop()       # every member down: the alias PRIMARY is unhealthy (R38, R52)
    took = await server.until("www.ah.example.org", {"192.0.2.200"}, BOUND, n=16)
    print(f"failover to SECONDARY after {took:.2f} s (bound {BOUND:.1f} s)")
    assert await server.seen("edge.ah.example.org") == {"192.0.2.200"}
    # the FR alias is unhealthy: geolocation walks up to the default (R62)
    assert await server.seen("geo.ah.example.org", FRANCE) == {"192.0.2.99"}

    port = blue.port
    await blue.start()       # back: the PRIMARY alias answers again
    assert blue.port == port
    took = await server.until("www.ah.example.org", {"192.0.2.61"}, BOUND, n=16)
    print(f"back to PRIMARY after {took:.2f} s (bound {BOUND:.1f} s)")
