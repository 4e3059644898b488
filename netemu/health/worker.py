"""Probe worker: runs the endpoint probes in a separate process, so that connecting, TLS and
HTTP parsing never take CPU from the DNS server's event loop.

Protocol (JSON lines): the parent writes one line ``{"time_scale": F, "checks": [{"id": ID,
"config": {...HealthCheckConfig fields...}}, ...]}`` on the worker's stdin and keeps stdin open;
the worker prints one line per probe ``{"id": ID, "passed": true, "detail": "...", "at": T}``
(sent in small batches, at most 20 ms late).
The worker exits when its stdin closes (the parent stopped or died). The schedule is the
checker's: each check every RequestInterval x time_scale, starts staggered over one interval.

The parent side is ``WorkerProber`` (used by ``HealthChecker(prober="process")``). A worker
that dies is started again after a delay that doubles with each death in a row (``RESTART_MIN``
up to ``RESTART_MAX``; reset once a worker has lived ``RESTART_RESET`` seconds), and every check
it was probing observes a failure saying so, so that a worker that keeps dying turns its checks
unhealthy after their FailureThreshold instead of leaving their last status standing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from netemu.health.probes import probe
from netemu.route53.health import Observation
from netemu.route53.model import HealthCheck, HealthCheckConfig

log = logging.getLogger("netemu.health")
FLUSH_DELAY = 0.02   # seconds a result may wait to be sent with others
RESTART_MIN, RESTART_MAX, RESTART_RESET = 1.0, 60.0, 60.0   # seconds (see the docstring)


def encode_check(check: HealthCheck) -> dict[str, Any]:
    return {"id": check.id, "config": dataclasses.asdict(check.config)}


def decode_config(data: dict[str, Any]) -> HealthCheckConfig:
    fields = {f.name for f in dataclasses.fields(HealthCheckConfig)}
    kw = {k: v for k, v in data.items() if k in fields and k != "alarm_identifier"}
    kw["child_health_checks"] = tuple(kw.get("child_health_checks") or ())
    kw["regions"] = tuple(kw.get("regions") or ())
    return HealthCheckConfig(**kw)


async def schedule(checks: Sequence[tuple[str, HealthCheckConfig]], time_scale: float,
                   report: Callable[[str, Observation], None], internet: bool = False) -> None:
    """Probe every check on its interval forever, handing each result to ``report``
    (``internet``: as a Route 53 checker on the emulated internet, ``probes.probe``)."""

    async def run(check_id: str, config: HealthCheckConfig, offset: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(offset)
        next_at = loop.time()
        while True:
            report(check_id, await probe(config, time_scale, internet))
            next_at += config.request_interval * time_scale
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    n = max(len(checks), 1)
    tasks = [asyncio.create_task(run(cid, cfg, cfg.request_interval * time_scale * i / n))
             for i, (cid, cfg) in enumerate(checks)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()


# --- the worker process ----------------------------------------------------------------------


async def _worker_main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    setup = json.loads(await reader.readline())
    checks = [(c["id"], decode_config(c["config"])) for c in setup["checks"]]
    out = sys.stdout
    pending: list[str] = []

    def flush() -> None:
        out.write("".join(pending))
        out.flush()
        pending.clear()

    def report(check_id: str, obs: Observation) -> None:
        # Results are sent in batches (at most FLUSH_DELAY late) so the parent wakes up rarely.
        if not pending:
            loop.call_later(FLUSH_DELAY, flush)
        pending.append(json.dumps({"id": check_id, "passed": obs.passed, "detail": obs.detail,
                                   "at": obs.at}) + "\n")

    probing = asyncio.create_task(schedule(checks, float(setup["time_scale"]), report,
                                           bool(setup.get("internet"))))
    await reader.read()          # until the parent closes our stdin
    probing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await probing


def main() -> None:
    run: Callable[[Any], Any] = asyncio.run
    try:
        import uvloop
        run = uvloop.run
    except ImportError:
        pass
    try:
        run(_worker_main())
    except (KeyboardInterrupt, BrokenPipeError):
        pass


# --- the parent side ---------------------------------------------------------------------------


class WorkerProber:
    """Starts the worker (``python -m netemu.health.worker``) and feeds its results to
    ``record``. Stopped by closing its stdin, then by its PID if it does not exit."""

    def __init__(self, checks: Sequence[HealthCheck], time_scale: float,
                 record: Callable[[str, Observation], None],
                 clock: Callable[[], float] = time.time,
                 restart_min: float = RESTART_MIN, netns: str | None = None) -> None:
        self.checks = checks
        self.netns = netns   # run inside this network namespace (a Route 53 checker's host)
        self.time_scale = time_scale
        self.record = record
        self.clock = clock
        self.restart_min = restart_min
        self.proc: asyncio.subprocess.Process | None = None
        self.task: asyncio.Task[None] | None = None
        self.stopping = False
        self.deaths = 0                  # in a row
        self.delays: list[float] = []    # every restart delay so far (for `netemu health`, tests)
        self.started_at = 0.0

    async def start(self) -> None:
        self.started_at = self.clock()
        where = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = await asyncio.create_subprocess_exec(
            *where, sys.executable, "-m", "netemu.health.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdin is not None
        setup = {"time_scale": self.time_scale, "checks": [encode_check(c) for c in self.checks],
                 "internet": self.netns is not None}
        self.proc.stdin.write(json.dumps(setup).encode() + b"\n")
        await self.proc.stdin.drain()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        rest = b""
        while chunk := await self.proc.stdout.read(1 << 16):
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                try:
                    data = json.loads(line)
                    obs = Observation(bool(data["passed"]), str(data["detail"]),
                                      float(data["at"]))
                    check_id = str(data["id"])
                except (ValueError, KeyError, TypeError):
                    log.error("probe worker (pid %s) sent a bad line: %r", self.proc.pid,
                              line[:200])
                    continue
                self.record(check_id, obs)
        if not self.stopping:     # the worker died on its own
            await self.proc.wait()
            await self._restart(f"exited with {self.proc.returncode}")

    async def _restart(self, why: str) -> None:
        """Report the death to every check, wait (doubling while it keeps dying), start again."""
        assert self.proc is not None
        pid = self.proc.pid
        while not self.stopping:
            if self.clock() - self.started_at >= RESTART_RESET:
                self.deaths = 0
            self.deaths += 1
            delay = min(RESTART_MAX, self.restart_min * 2 ** (self.deaths - 1))
            self.delays.append(delay)
            detail = f"probe worker (pid {pid}) {why}; starting a new one in {delay:g} s"
            log.error("%s", detail)
            for check in self.checks:
                self.record(check.id, Observation(False, detail, self.clock()))
            await asyncio.sleep(delay)
            if self.stopping:
                return
            try:
                await self.start()
                return
            except OSError as exc:   # cannot even start one: another death in a row
                why = f"could not be restarted ({exc})"

    async def stop(self) -> None:
        self.stopping = True
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()     # by the PID we started
            await self.proc.wait()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


if __name__ == "__main__":
    main()
