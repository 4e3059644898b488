"""``netemu serve`` as a subprocess for asyncio tests that also run their own HTTP endpoints in
the test's event loop (so waiting must never block the loop, unlike tests/dns_live.py), and the
real ``dig`` to watch answers change."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port


class LiveServer:
    def __init__(self, proc: asyncio.subprocess.Process, dns: int, api: int, log: Path) -> None:
        self.proc, self.dns, self.api, self.log = proc, dns, api, log

    async def dig(self, name: str, *opts: str) -> list[str]:
        """The addresses of one A query (``dig +short``), sorted."""
        p = await asyncio.create_subprocess_exec(
            "dig", "@127.0.0.1", "-p", str(self.dns), name, "A", "+short", "+time=1",
            "+tries=1", *opts, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await p.communicate()
        return sorted(ln.strip() for ln in out.decode().splitlines() if ln.strip()[:1].isdigit())

    async def seen(self, name: str, *opts: str, n: int = 16) -> set[str]:
        """Every address answered over ``n`` queries (weighted answers vary)."""
        out: set[str] = set()
        for _ in range(n):
            out.update(await self.dig(name, *opts))
        return out

    async def until(self, name: str, want: set[str], within: float, n: int = 1) -> float:
        """Seconds until ``n`` queries answer exactly ``want``; fails after ``within``."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        got: set[str] = set()
        while loop.time() - start <= within:
            got = await self.seen(name, n=n)
            if got == want:
                return loop.time() - start
            await asyncio.sleep(0.1)
        pytest.fail(f"{name}: wanted {sorted(want)} within {within:.1f} s, last {sorted(got)}")

    def changes(self, check_id: str) -> list[str]:
        """The state changes the server logged for one check."""
        prefix = f"health-check {check_id}: "
        return [line[line.index(prefix):] for line in self.log.read_text().splitlines()
                if prefix in line]


@asynccontextmanager
async def live_serve(zones: Path, workdir: Path, ready: str,
                     scale: float) -> AsyncIterator[LiveServer]:
    """Serve ``zones`` (file or folder) at ``--time-scale scale`` until ``ready`` answers; stop
    the process by the PID we started (SIGINT, then kill)."""
    dns, api = free_port(), free_port()
    log_path = workdir / "serve.log"
    log = log_path.open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "netemu", "serve", "--zones", str(zones),
        "--listen", f"127.0.0.1:{dns}", "--api", f"127.0.0.1:{api}",
        "--time-scale", str(scale), cwd=ROOT, stdout=log, stderr=log)
    srv = LiveServer(proc, dns, api, log_path)
    try:
        for _ in range(100):
            if proc.returncode is not None or await srv.dig(ready):
                break
            await asyncio.sleep(0.1)
        assert proc.returncode is None, log_path.read_text()
        yield srv
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
