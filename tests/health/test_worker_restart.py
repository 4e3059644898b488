"""A probe worker that keeps dying (issue 14): it is started again with a doubling delay, and
each death is a failed observation of every check it probed, so the checks report the failure
instead of keeping their last status. Real worker processes, killed by their PID; real HTTP
endpoints on loopback. Waits poll with generous deadlines (no timing assertions)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from netemu.health.checker import HealthChecker
from netemu.health.worker import WorkerProber
from netemu.route53.health import HealthSnapshot, Observation
from netemu.route53.model import HealthCheck, HealthCheckConfig
from tests.health.endpoints import Endpoint

pytestmark = pytest.mark.slow   # starts servers or subprocesses

SCALE = 0.1


def check(port: int, threshold: int = 1) -> HealthCheck:
    return HealthCheck("w", HealthCheckConfig(type="HTTP", ip_address="127.0.0.1", port=port,
                                              resource_path="/ok", request_interval=10,
                                              failure_threshold=threshold))


@pytest.fixture
async def web() -> AsyncIterator[Endpoint]:
    endpoint = await Endpoint().start()
    try:
        yield endpoint
    finally:
        await endpoint.stop()


async def until(condition, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_restarts_back_off_while_the_worker_keeps_dying(web: Endpoint) -> None:
    seen: list[Observation] = []
    prober = WorkerProber([check(web.port)], SCALE, lambda _id, obs: seen.append(obs),
                          restart_min=0.1)
    await prober.start()
    try:
        pids = []
        for _ in range(3):
            proc = prober.proc
            assert proc is not None
            pids.append(proc.pid)
            proc.kill()                      # the worker this prober started, by its PID
            await proc.wait()
            await until(lambda proc=proc: prober.proc is not proc)   # type: ignore[misc]
        assert prober.delays == [0.1, 0.2, 0.4]          # doubling while it keeps dying
        deaths = [o for o in seen if not o.passed and "probe worker" in o.detail]
        assert [o.detail.split(")")[0] for o in deaths] == [f"probe worker (pid {p}"
                                                            for p in pids]
        assert all("starting a new one in" in o.detail for o in deaths)
        count = len(seen)
        await until(lambda: any(o.passed for o in seen[count:]))  # the new worker probes
    finally:
        await prober.stop()


async def test_checks_report_a_dead_worker_then_recover(web: Endpoint) -> None:
    published: list[HealthSnapshot] = []
    checker = HealthChecker([check(web.port)], published.append, time_scale=SCALE,
                            prober="process")
    await checker.start()
    try:
        await until(lambda: checker.report().reports["w"].checked_at is not None)
        assert published[-1].is_healthy("w")
        worker = checker._worker
        assert worker is not None and worker.proc is not None
        worker.proc.kill()
        await until(lambda: not published[-1].is_healthy("w"))
        why = checker.report().reports["w"].observation or ""
        assert "probe worker" in why and "exited with -9" in why
        await until(lambda: published[-1].is_healthy("w"))   # the restarted worker probes OK
    finally:
        await checker.stop()
