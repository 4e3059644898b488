"""A real ``netemu serve`` subprocess on a free loopback port, for tests that ask it with dig and
dnspython. ``serve_process(zone_paths)`` is a context manager yielding a ``Server``; it waits
until the server answers and stops it by its PID (terminate, then kill)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query

from tests.helpers import ROOT, free_port


class Server:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.port, self.proc, self.log = port, proc, log

    def query(self, qname: str, qtype: str = "A", tcp: bool = False, **kw) -> dns.message.Message:
        q = dns.message.make_query(qname, qtype, **kw)
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, "127.0.0.1", port=self.port, timeout=3)

    def dig(self, *args: str) -> tuple[str, set[str], list[str], list[str], list[str]]:
        """status, flags and the answer / authority / additional lines (single-spaced)."""
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), "+norec", "+time=2",
                              "+tries=1", *args], capture_output=True, text=True, timeout=10).stdout
        status, flags, sections, current = "", set(), {"ANSWER": [], "AUTHORITY": [],
                                                        "ADDITIONAL": []}, None
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


@contextlib.contextmanager
def serve_process(zones: list[Path], workdir: Path, *extra: str) -> Iterator[Server]:
    """Start ``netemu serve --zones ZONES --listen 127.0.0.1:PORT EXTRA...``; log in WORKDIR."""
    port = free_port()
    log = workdir / "serve.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "netemu", "serve", "--zones", *map(str, zones),
             "--listen", f"127.0.0.1:{port}", *extra],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink, stderr=sink)
    srv = Server(port, proc, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                srv.query("www.example.com")
                break
            except (OSError, dns.exception.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
