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
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.health.endpoints import Endpoint
from tests.helpers import ROOT, free_port

SCALE = 0.1
INTERVAL = 10 * SCALE
THRESHOLD = 2
SLACK = 4.0  # process start, probe stagger, a poll of 16 digs, a loaded host
BOUND = THRESHOLD * INTERVAL + SLACK

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")

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


class Server:
    def __init__(self, proc: asyncio.subprocess.Process, dns: int) -> None:
        self.proc, self.dns = proc, dns

    async def dig(self, name: str, *opts: str) -> set[str]:
        p = await asyncio.create_subprocess_exec(
            "dig", "@127.0.0.1", "-p", str(self.dns), name, "A", "+short", "+time=1",
            "+tries=1", *opts, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await p.communicate()
        return {ln.strip() for ln in out.decode().splitlines() if ln.strip()[:1].isdigit()}

    async def seen(self, name: str, *opts: str, n: int = 16) -> set[str]:
        """Every address answered over ``n`` queries (weighted answers vary)."""
        out: set[str] = set()
        for _ in range(n):
            out |= await self.dig(name, *opts)
        return out

    async def until(self, name: str, want: set[str], *opts: str) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        got: set[str] = set()
        while loop.time() - start <= BOUND:
            # 16 draws: a healthy 50/50 member is missed with probability 2**-16
            got = await self.seen(name, *opts, n=16)
            if got == want:
                return loop.time() - start
            await asyncio.sleep(0.1)
        pytest.fail(f"{name}: wanted {sorted(want)} within {BOUND:.1f} s, last {sorted(got)}")


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
async def server(blue: Endpoint, green: Endpoint, tmp_path: Path) -> AsyncIterator[Server]:
    zone = tmp_path / "ah.yaml"
    zone.write_text(ZONE.format(blue=blue.port, green=green.port, threshold=THRESHOLD))
    dns = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "netemu", "serve", "--zones", str(zone),
        "--listen", f"127.0.0.1:{dns}", "--api", f"127.0.0.1:{free_port()}",
        "--time-scale", str(SCALE), cwd=ROOT, stdout=log, stderr=log)
    srv = Server(proc, dns)
    try:
        for _ in range(100):
            if proc.returncode is not None or await srv.dig("www.ah.example.org"):
                break
            await asyncio.sleep(0.1)
        assert proc.returncode is None, (tmp_path / "serve.log").read_text()
        yield srv
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)  # stopped by the PID we started
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()


async def test_alias_evaluate_target_health_over_dns(server: Server, blue: Endpoint,
                                                     green: Endpoint) -> None:
    pool = {"192.0.2.61", "192.0.2.62"}
    assert await server.seen("www.ah.example.org") == pool          # R80: healthy at start
    assert await server.seen("geo.ah.example.org", FRANCE) == pool
    await asyncio.sleep(INTERVAL)

    await blue.stop()        # one pool member down: the alias stays healthy (R38)
    took = await server.until("www.ah.example.org", {"192.0.2.62"})
    print(f"blue left the pool after {took:.2f} s (bound {BOUND:.1f} s)")
    assert await server.seen("edge.ah.example.org") == {"192.0.2.62"}          # chain (R53)
    assert await server.seen("geo.ah.example.org", FRANCE) == {"192.0.2.62"}

    await green.stop()       # every member down: the alias PRIMARY is unhealthy (R38, R52)
    took = await server.until("www.ah.example.org", {"192.0.2.200"})
    print(f"failover to SECONDARY after {took:.2f} s (bound {BOUND:.1f} s)")
    assert await server.seen("edge.ah.example.org") == {"192.0.2.200"}
    # the FR alias is unhealthy: geolocation walks up to the default (R62)
    assert await server.seen("geo.ah.example.org", FRANCE) == {"192.0.2.99"}

    port = blue.port
    await blue.start()       # back: the PRIMARY alias answers again
    assert blue.port == port
    took = await server.until("www.ah.example.org", {"192.0.2.61"})
    print(f"back to PRIMARY after {took:.2f} s (bound {BOUND:.1f} s)")
