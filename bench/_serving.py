"""What the benchmark scripts share (not a benchmark: ``make bench`` skips ``bench/_*.py``): a
free loopback port and waiting until a DNS server they started answers."""

from __future__ import annotations

import socket
import subprocess
import time

# www.example.com A, id 1, no recursion desired: every shipped zone set answers it
PROBE = bytes.fromhex(
    "0001 0000 0001 0000 0000 0000 03777777 076578616d706c65 03636f6d 00 0001 0001"
)


def free_port() -> int:
    """A loopback port free for both UDP and TCP (a DNS server listens on both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def wait_answers(port: int, proc: subprocess.Popen[bytes], timeout: float = 30,
                 probe: bytes = PROBE) -> None:
    """Until the server on ``port`` answers ``probe`` over UDP; SystemExit when ``proc`` exits
    or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            s.sendto(probe, ("127.0.0.1", port))
            try:
                s.recvfrom(4096)
                return
            except OSError:
                continue
    raise SystemExit("server did not answer")
