"""``netemu serve`` refuses what it cannot do with one line and an exit code, never a traceback."""

from __future__ import annotations

import socket

from tests.helpers import free_port, run_netemu


def test_bad_listen_address() -> None:
    result = run_netemu("serve", "--listen", "nonsense", timeout=30)
    assert result.returncode == 2 and "--listen wants HOST:PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_zone_file() -> None:
    result = run_netemu("serve", "--zones", "/nonexistent/zones.yaml", timeout=30)
    assert result.returncode == 1 and "/nonexistent/zones.yaml: FileError" in result.stderr


def test_port_in_use() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", port))
        result = run_netemu("serve", "--listen", f"127.0.0.1:{port}", timeout=30)
    assert result.returncode == 1 and "cannot listen" in result.stderr
    assert "Traceback" not in result.stderr
