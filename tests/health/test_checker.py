"""The checker with real probes against loopback endpoints started by the test (R74-R83).

Time scale 0.1: a 10 s RequestInterval is 1 s, so FailureThreshold x interval stays short.
Waits poll the published snapshots with a deadline; the deadline is generous (a slack for a
loaded machine) and is not a timing assertion.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from netemu.health.checker import HealthChecker
from netemu.route53.health import HealthSnapshot
from netemu.route53.model import AlarmIdentifier, HealthCheck, HealthCheckConfig
from tests.health.endpoints import Endpoint
from tests.helpers import free_port

SCALE = 0.1
INTERVAL = 10 * SCALE


def endpoint_check(id: str, port: int, type: str = "HTTP", path: str | None = "/ok",
                   threshold: int = 1, **kw: object) -> HealthCheck:
    return HealthCheck(id, HealthCheckConfig(
        type=type, ip_address="127.0.0.1", port=port, resource_path=path, request_interval=10,
        failure_threshold=threshold, **kw))  # type: ignore[arg-type]


class Running:
    """A started checker and every snapshot it published."""

    def __init__(self, checks: list[HealthCheck], prober: str = "inline") -> None:
        self.published: list[HealthSnapshot] = []
        self.checker = HealthChecker(checks, self.published.append, time_scale=SCALE,
                                     prober=prober)

    @property
    def now(self) -> HealthSnapshot:
        return self.published[-1]

    async def until(self, predicate: Callable[[HealthSnapshot], bool], within: float) -> float:
        """Seconds until a published snapshot satisfies ``predicate``; fails after ``within``."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not predicate(self.now):
            if loop.time() - start > within:
                pytest.fail(f"not reached within {within} s; statuses {dict(self.now.statuses)}; "
                            f"reports {dict(self.checker.report().reports)}")
            await asyncio.sleep(0.02)
        return loop.time() - start


@pytest.fixture
async def web() -> AsyncIterator[Endpoint]:
    ep = await Endpoint(slow=1.0).start()
    yield ep
    await ep.stop()


@pytest.fixture
async def running() -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    started: list[Running] = []

    async def make(checks: list[HealthCheck], prober: str = "inline") -> Running:
        r = Running(checks, prober)
        await r.checker.start()
        started.append(r)
        return r

    yield make
    for r in started:
        await r.checker.stop()


@pytest.mark.slow  # starts a server or a subprocess
async def test_each_check_type_and_failure_R74_R75(web: Endpoint, running) -> None:  # type: ignore[no-untyped-def]
    closed = free_port()
    checks = [
        endpoint_check("http-ok", web.port),
        endpoint_check("http-5xx", web.port, path="/fail"),
        endpoint_check("http-slow", web.port, path="/slow"),
        endpoint_check("str-ok", web.port, "HTTP_STR_MATCH", search_string="status: OK"),
        endpoint_check("str-missing", web.port, "HTTP_STR_MATCH", search_string="nope"),
        endpoint_check("tcp-open", web.port, "TCP", path=None),
        endpoint_check("tcp-closed", closed, "TCP", path=None),
    ]
    r = await running(checks)
    bad = {"http-5xx", "http-slow", "str-missing", "tcp-closed"}
    await r.until(lambda s: all(s.is_healthy(c.id) == (c.id not in bad) for c in checks),
                  within=3 * INTERVAL + 2)
    reports = r.checker.report().reports
    assert reports["http-5xx"].observation == f"HTTP 500 from 127.0.0.1:{web.port}"
    assert reports["tcp-closed"].observation == f"connection refused by 127.0.0.1:{closed}"
    assert reports["str-missing"].observation.endswith("search string not in the first 5120 bytes")
    assert reports["http-slow"].observation.startswith("no HTTP status")
    assert reports["http-ok"].healthy and reports["http-ok"].checked_at is not None


@pytest.mark.parametrize("prober", ["inline", "process"])
@pytest.mark.slow  # starts a server or a subprocess
async def test_endpoint_dies_and_returns_logged_once_R76(web: Endpoint, running, caplog,  # type: ignore[no-untyped-def]
                                                         prober: str) -> None:
    caplog.set_level(logging.INFO, logger="netemu.health")
    r = await running([endpoint_check("web", web.port, threshold=2)], prober)
    await asyncio.sleep(2 * INTERVAL)
    assert r.now.is_healthy("web")
    port = web.port
    await web.stop()
    took = await r.until(lambda s: not s.is_healthy("web"), within=2 * INTERVAL + 2)
    assert took >= INTERVAL * 0.9   # two consecutive failures were needed, not one
    await web.start()               # same port
    await r.until(lambda s: s.is_healthy("web"), within=2 * INTERVAL + 2)
    changes = [rec.getMessage() for rec in caplog.records if rec.name == "netemu.health"]
    assert changes == [
        f"health-check web: Healthy -> Unhealthy (connection refused by 127.0.0.1:{port})",
        f"health-check web: Unhealthy -> Healthy (HTTP 200 from 127.0.0.1:{port})",
    ]
    assert len(r.published) == 3    # the first snapshot and one per change


@pytest.mark.slow  # starts a server or a subprocess
async def test_calculated_and_or_R82(web: Endpoint, running) -> None:  # type: ignore[no-untyped-def]
    def calc(id: str, threshold: int) -> HealthCheck:
        return HealthCheck(id, HealthCheckConfig(type="CALCULATED", health_threshold=threshold,
                                                 child_health_checks=("up", "down")))

    r = await running(
        [
            endpoint_check("up", web.port),
            endpoint_check("down", web.port, path="/fail"),
            calc("all", 2),
            calc("any", 1),
            calc("none-needed", 0),
        ]
    )
    await r.until(lambda s: not s.is_healthy("down"), within=INTERVAL + 2)
    assert dict(r.now.statuses) == {"up": True, "down": False, "all": False, "any": True,
                                    "none-needed": True}


@pytest.mark.slow  # starts a server or a subprocess
async def test_inverted_R80_R81(web: Endpoint, running) -> None:  # type: ignore[no-untyped-def]
    r = await running([endpoint_check("inv-failing", web.port, path="/fail", inverted=True),
                 endpoint_check("inv-ok", web.port, inverted=True)])
    assert not r.now.is_healthy("inv-failing")      # new inverted check: unhealthy (R80)
    await r.until(lambda s: s.is_healthy("inv-failing"), within=INTERVAL + 2)
    await asyncio.sleep(INTERVAL)
    assert not r.now.is_healthy("inv-ok")


@pytest.mark.slow  # starts a server or a subprocess
async def test_disabled_is_healthy_and_not_probed_R81(web: Endpoint, running) -> None:  # type: ignore[no-untyped-def]
    r = await running([endpoint_check("off", web.port, path="/notfound", disabled=True),
                 endpoint_check("on", web.port, path="/fail")])
    await r.until(lambda s: not s.is_healthy("on"), within=INTERVAL + 2)
    await asyncio.sleep(INTERVAL)
    assert r.now.is_healthy("off")
    assert web.requests and all(line == "GET /fail HTTP/1.1" for line, _ in web.requests)
    assert r.checker.report().reports["off"].observation == "disabled"


async def test_alarms_R83(running, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="netemu.health")

    def metric(id: str, policy: str) -> HealthCheck:
        return HealthCheck(id, HealthCheckConfig(
            type="CLOUDWATCH_METRIC", alarm_identifier=AlarmIdentifier("us-east-1", "cpu-high"),
            insufficient_data_health_status=policy))
    r = await running([metric("last", "LastKnownStatus"), metric("pessimist", "Unhealthy")])
    assert r.now.statuses == {"last": True, "pessimist": False}
    assert r.checker.set_alarm("cpu-high", "ALARM") == ["last", "pessimist"]
    assert r.now.statuses == {"last": False, "pessimist": False}
    r.checker.set_alarm("cpu-high", "INSUFFICIENT_DATA")
    assert r.now.statuses == {"last": False, "pessimist": False}   # last known: ALARM
    r.checker.set_alarm("cpu-high", "OK")
    assert r.now.statuses == {"last": True, "pessimist": True}
    assert r.checker.set_alarm("unused", "ALARM") == []
    with pytest.raises(ValueError):
        r.checker.set_alarm("cpu-high", "RED")
    assert [rec.getMessage() for rec in caplog.records] == [
        "health-check last: Healthy -> Unhealthy (alarm cpu-high is ALARM)",
        "health-check last: Unhealthy -> Healthy (alarm cpu-high is OK)",
        "health-check pessimist: Unhealthy -> Healthy (alarm cpu-high is OK)",
    ]


@pytest.mark.slow  # starts a server or a subprocess
async def test_worker_process_stops_with_the_checker(web: Endpoint) -> None:
    published: list[HealthSnapshot] = []
    checker = HealthChecker([endpoint_check("w", web.port, path="/fail")], published.append,
                            time_scale=SCALE, prober="process")
    await checker.start()
    worker = checker._worker
    assert worker is not None and worker.proc is not None and worker.proc.returncode is None
    for _ in range(100):
        if not published[-1].is_healthy("w"):
            break
        await asyncio.sleep(0.05)
    assert checker.report().reports["w"].observation == f"HTTP 500 from 127.0.0.1:{web.port}"
    await checker.stop()
    assert worker.proc.returncode == 0     # exited on its own when its stdin closed


@pytest.mark.slow  # starts a server or a subprocess
async def test_a_dead_worker_is_replaced(web: Endpoint, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="netemu.health")
    checker = HealthChecker([endpoint_check("w", web.port)], time_scale=SCALE, prober="process")
    await checker.start()
    try:
        worker = checker._worker
        assert worker is not None and worker.proc is not None
        first = worker.proc
        await asyncio.sleep(INTERVAL)
        first.kill()                      # the worker this checker started, by its PID
        await first.wait()
        killed = time.time()              # no result of the dead worker is stamped after this
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10       # generous: worker restart delay plus Python start-up

        def probed_since_kill() -> bool:
            checked = checker.report().reports["w"].checked_at
            return checked is not None and checked > killed

        while worker.proc is first or not probed_since_kill():
            if loop.time() > deadline:
                pytest.fail("no probe from a new worker within 10 s")
            await asyncio.sleep(0.1)
        assert worker.proc.returncode is None
        assert any("starting a new one" in r.getMessage() for r in caplog.records)
    finally:
        await checker.stop()
