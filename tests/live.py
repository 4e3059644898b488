"""The one harness for tests that run a real ``netemu serve``: a subprocess on free loopback
ports, waited for until it answers, stopped by the PID we started (SIGINT, then SIGKILL), also
when the test fails.

``Serve`` is the process. Three ways of using it, one per kind of test:

- ``serve_process(zones, workdir, *extra)`` (sync context manager, yields ``Server``): DNS tests
  that ask with dnspython and dig; ready when ``www.example.com`` answers.
- ``live_serve(zones, workdir, ready, scale)`` (async context manager, yields ``LiveServer``):
  health tests that run their own HTTP endpoints in the test's event loop, so every wait yields
  to the loop; ready when ``ready`` has an A answer.
- ``api_server(workdir, state, extra)`` / ``ApiServer`` (sync, restartable): Route 53 API tests
  with a real boto3 client; ready when the API port accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import pytest

from tests.helpers import ROOT, free_port


class Serve:
    """One ``python -m netemu serve --zones ZONES --listen 127.0.0.1:DNS [--api ...] EXTRA``,
    its output (stdout and stderr) appended to ``log``."""

    def __init__(self, zones: Sequence[Path], log: Path, *extra: str,
                 api: bool = False) -> None:
        self.zones, self.log, self.extra = list(zones), log, extra
        self.dns = free_port()
        self.api = free_port(socket.SOCK_STREAM) if api else 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.dns

    def argv(self) -> list[str]:
        api = ["--api", f"127.0.0.1:{self.api}"] if self.api else []
        return [sys.executable, "-m", "netemu", "serve", "--zones", *map(str, self.zones),
                "--listen", f"127.0.0.1:{self.dns}", *api, *self.extra]

    def spawn(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv(), cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=out,
                stderr=subprocess.STDOUT)

    def exited(self) -> bool:
        return self.proc is None or self.proc.poll() is not None

    def tail(self) -> str:
        return self.log.read_text()[-2000:] if self.log.exists() else ""

    def wait_ready(self, ready: Callable[[], bool], timeout: float) -> None:
        """Poll ``ready`` until it is true; fail if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if self.exited():
                raise RuntimeError(f"netemu serve exited: {self.tail()}")
            if ready():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"netemu serve not ready in {timeout} s: {self.tail()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGINT (netemu's clean shutdown), SIGKILL after 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    async def astop(self) -> None:
        """``stop`` without blocking the running event loop."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()

    def query(self, qname: str, qtype: str = "A", tcp: bool = False,
              **kw: Any) -> dns.message.Message:
        q = dns.message.make_query(qname, qtype, **kw)
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, "127.0.0.1", port=self.dns, timeout=3)

    def dig(self, *args: str) -> tuple[str, set[str], list[str], list[str], list[str]]:
        """status, flags and the answer / authority / additional lines (single-spaced)."""
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.dns), "+norec", "+time=2",
                              "+tries=1", *args], capture_output=True, text=True, timeout=10,
                             check=False).stdout
        status, flags = "", set()
        sections: dict[str, list[str]] = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        current: str | None = None
        for line in out.splitlines():
            if "status:" in line:
                status = line.split("status:")[1].split(",")[0].strip()
            elif line.startswith(";; flags:"):
                flags = set(line.split(":")[1].split(";")[0].split())
            elif line.startswith(";; ") and " SECTION:" in line:
                current = line[3:].split()[0]
            elif not line.strip() or line.startswith(";"):
                current = None if not line.strip() else current
            elif current in sections:
                sections[current].append(" ".join(line.split()))
        return status, flags, sections["ANSWER"], sections["AUTHORITY"], sections["ADDITIONAL"]


# --- DNS tests: dnspython and dig ------------------------------------------------------------

Server = Serve


@contextlib.contextmanager
def serve_process(zones: list[Path], workdir: Path, *extra: str) -> Iterator[Serve]:
    """``netemu serve --zones ZONES --listen 127.0.0.1:PORT EXTRA...``, log WORKDIR/serve.log;
    ready when ``www.example.com`` gets an answer (20 s at most)."""
    srv = Serve(zones, workdir / "serve.log", *extra)
    srv.spawn()

    def answers() -> bool:
        # A short timeout: a query sent before the server has bound its port is lost (no error
        # comes back to an unconnected UDP socket), and waiting 3 s for it only delays the
        # next try.
        try:
            q = dns.message.make_query("www.example.com", "A")
            dns.query.udp(q, "127.0.0.1", port=srv.dns, timeout=0.25)
        except (OSError, dns.exception.Timeout):
            return False
        return True

    try:
        srv.wait_ready(answers, 20)
        yield srv
    finally:
        srv.stop()


# --- health tests: asyncio, the test's own endpoints in the same loop --------------------------

class LiveServer(Serve):
    """Waits and digs through asyncio, so the test's own HTTP endpoints keep answering."""

    async def adig(self, name: str, *opts: str) -> list[str]:
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
            out.update(await self.adig(name, *opts))
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


@contextlib.asynccontextmanager
async def live_serve(zones: Path, workdir: Path, ready: str,
                     scale: float) -> AsyncIterator[LiveServer]:
    """Serve ``zones`` (file or folder) with an API port at ``--time-scale scale``; ready when
    ``ready`` has an A answer (100 tries)."""
    srv = LiveServer([zones], workdir / "serve.log", "--time-scale", str(scale), api=True)
    srv.spawn()
    try:
        for _ in range(100):
            if srv.exited() or await srv.adig(ready):
                break
            await asyncio.sleep(0.1)
        assert not srv.exited(), srv.log.read_text()
        yield srv
    finally:
        await srv.astop()


# --- Route 53 API tests: boto3 against --api --state -------------------------------------------

FILE_ZONE = """\
HostedZone: {Name: files.example.}
ResourceRecordSets:
  - {Name: www.files.example., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.80}]}
"""


class ApiServer(Serve):
    """``--api --state STATE`` plus one file zone (``files.example.``); ``start`` can be called
    again after ``stop`` or ``kill`` (same ports, same state)."""

    def __init__(self, workdir: Path, state: Path, extra: tuple[str, ...] = ()) -> None:
        zones = workdir / "zones"
        zones.mkdir(parents=True, exist_ok=True)
        (zones / "files.yaml").write_text(FILE_ZONE)
        super().__init__([zones], workdir / "serve.log", "--no-query-log", "--state", str(state),
                         "--loop", "asyncio", *extra, api=True)
        self.log = workdir / f"serve-{self.api}.log"
        self.workdir, self.state, self.zones_dir = workdir, state, zones

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.api}"

    def start(self, timeout: float = 30) -> None:
        """Ready when the API port accepts a connection."""
        self.spawn()

        def accepts() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.api), timeout=0.5):
                    return True
            except OSError:
                return False

        try:
            self.wait_ready(accepts, timeout)
        except RuntimeError:
            self.stop()
            raise

    def client(self, **kw: Any) -> Any:
        import boto3

        kw.setdefault("aws_access_key_id", "test")
        kw.setdefault("aws_secret_access_key", "test")
        return boto3.client("route53", endpoint_url=self.endpoint, region_name="us-east-1",
                            **kw)


@contextlib.contextmanager
def api_server(workdir: Path, state: Path | None = None,
               extra: tuple[str, ...] = ()) -> Iterator[ApiServer]:
    server = ApiServer(workdir, state or workdir / "state", extra)
    server.start()
    try:
        yield server
    finally:
        server.stop()
