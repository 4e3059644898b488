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
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.health.endpoints import Endpoint
from tests.helpers import ROOT, free_port, run_netemu

SCALE = 0.1
INTERVAL = 10 * SCALE        # seconds between probes
THRESHOLD = 2
SLACK = 3.0                  # stated slack on top of FailureThreshold x interval
BOUND = THRESHOLD * INTERVAL + SLACK

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")

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


class Server:
    def __init__(self, proc: asyncio.subprocess.Process, dns: int, api: int, log: Path) -> None:
        self.proc, self.dns, self.api, self.log = proc, dns, api, log

    def changes(self, check_id: str) -> list[str]:
        """The state changes the server logged for one check."""
        prefix = f"health-check {check_id}: "
        return [line[line.index(prefix):] for line in self.log.read_text().splitlines()
                if prefix in line]

    async def dig(self, name: str) -> list[str]:
        p = await asyncio.create_subprocess_exec(
            "dig", "@127.0.0.1", "-p", str(self.dns), name, "A", "+short", "+time=1",
            "+tries=1", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await p.communicate()
        return sorted(line.strip() for line in out.decode().splitlines()
                      if line.strip() and not line.startswith(";"))

    async def until(self, name: str, want: list[str], within: float) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        got: list[str] = []
        while loop.time() - start <= within:
            got = await self.dig(name)
            if got == want:
                return loop.time() - start
            await asyncio.sleep(0.1)
        pytest.fail(f"{name}: wanted {want} within {within:.1f} s, last answer {got}")


@pytest.fixture
async def web() -> AsyncIterator[Endpoint]:
    ep = await Endpoint().start()
    yield ep
    await ep.stop()


@pytest.fixture
async def server(web: Endpoint, tmp_path: Path) -> AsyncIterator[Server]:
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "hc.yaml").write_text(ZONE.format(port=web.port, threshold=THRESHOLD))
    dns, api = free_port(), free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "netemu", "serve", "--zones", str(zones),
        "--listen", f"127.0.0.1:{dns}", "--api", f"127.0.0.1:{api}",
        "--time-scale", str(SCALE), cwd=ROOT, stdout=log, stderr=log)
    srv = Server(proc, dns, api, tmp_path / "serve.log")
    try:
        for _ in range(100):
            if proc.returncode is not None or await srv.dig("www.hc.example.org"):
                break
            await asyncio.sleep(0.1)
        assert proc.returncode is None, (tmp_path / "serve.log").read_text()
        yield srv
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)     # stopped by the PID we started
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()


async def test_failover_and_recovery_over_dns_R52_R76(web: Endpoint, server: Server) -> None:
    assert await server.dig("www.hc.example.org") == ["192.0.2.1"]   # PRIMARY, healthy (R80)
    port = web.port
    await asyncio.sleep(INTERVAL)
    await web.stop()
    took = await server.until("www.hc.example.org", ["192.0.2.2"], BOUND)
    print(f"failover to SECONDARY after {took:.2f} s (bound {BOUND:.1f} s)")
    await web.start()
    assert web.port == port
    took = await server.until("www.hc.example.org", ["192.0.2.1"], BOUND)
    print(f"back to PRIMARY after {took:.2f} s (bound {BOUND:.1f} s)")
    done = await asyncio.to_thread(run_netemu, "health", "--api", f"127.0.0.1:{server.api}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("primary-web "))
    assert "Healthy" in line and f"HTTP 200 from 127.0.0.1:{port}" in line
    assert server.changes("primary-web") == [   # each change logged once
        f"health-check primary-web: Healthy -> Unhealthy (connection refused by 127.0.0.1:{port})",
        f"health-check primary-web: Unhealthy -> Healthy (HTTP 200 from 127.0.0.1:{port})",
    ]


async def test_weighted_set_drops_unhealthy_members_R43_R83(server: Server) -> None:
    # green-web probes /fail (HTTP 500): after FailureThreshold probes it leaves the set.
    await asyncio.sleep(BOUND)
    seen = {ip for _ in range(30) for ip in await server.dig("api.hc.example.org")}
    assert seen == {"192.0.2.10", "192.0.2.30"}
    done = await asyncio.to_thread(run_netemu, "alarm", "set", "canary-errors", "ALARM",
                                   "--api", f"127.0.0.1:{server.api}")
    assert done.returncode == 0, done.stderr
    seen = {ip for _ in range(20) for ip in await server.dig("api.hc.example.org")}
    assert seen == {"192.0.2.10"}
