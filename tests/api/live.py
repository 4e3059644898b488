"""A real ``netemu serve --api --state`` subprocess on free loopback ports, and a real boto3
client pointed at it (``endpoint_url``), for the Route 53 API tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, free_port

FILE_ZONE = """\
HostedZone: {Name: files.example.}
ResourceRecordSets:
  - {Name: www.files.example., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.80}]}
"""


class ApiServer:
    def __init__(self, workdir: Path, state: Path, extra: tuple[str, ...] = ()) -> None:
        self.workdir, self.state, self.extra = workdir, state, extra
        self.dns = free_port()
        self.api = free_port(socket.SOCK_STREAM)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"serve-{self.api}.log"
        zones = workdir / "zones"
        zones.mkdir(parents=True, exist_ok=True)
        (zones / "files.yaml").write_text(FILE_ZONE)
        self.zones = zones

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.api}"

    def start(self, timeout: float = 30) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "netemu", "serve", "--no-query-log",
                 "--zones", str(self.zones), "--listen", f"127.0.0.1:{self.dns}",
                 "--api", f"127.0.0.1:{self.api}", "--state", str(self.state),
                 "--loop", "asyncio", *self.extra],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"netemu serve exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.api), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"netemu serve did not open its API: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, **kw: Any) -> Any:
        import boto3

        kw.setdefault("aws_access_key_id", "test")
        kw.setdefault("aws_secret_access_key", "test")
        return boto3.client("route53", endpoint_url=self.endpoint, region_name="us-east-1",
                            **kw)


@contextmanager
def api_server(workdir: Path, state: Path | None = None,
               extra: tuple[str, ...] = ()) -> Iterator[ApiServer]:
    server = ApiServer(workdir, state or workdir / "state", extra)
    server.start()
    try:
        yield server
    finally:
        server.stop()
