"""Helpers shared by tests: free loopback ports and running the real command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A loopback port free for both UDP and TCP at the time of the call."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free loopback port")


def run_netemu(*args: str, timeout: float = 60, cwd: Path = ROOT,
               **kw: object) -> subprocess.CompletedProcess[str]:
    """Run the real command line (``python -m netemu ...``) from ``cwd`` (the repository root
    unless told)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "netemu", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, **kw,  # type: ignore[arg-type]
    )
