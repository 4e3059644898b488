"""``netemu serve`` refuses what it cannot do with one line and an exit code, never a traceback."""

from __future__ import annotations

import socket

import pytest

from tests.helpers import free_port, run_netemu

pytestmark = pytest.mark.slow  # starts a server or a subprocess


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


def test_api_port_in_use() -> None:
    """The health job's control channel cannot bind: serve stops with one line, not silently
    serving DNS without it (and its probe worker is stopped with it)."""
    dns, api = free_port(), free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", api))
        taken.listen(1)
        result = run_netemu("serve", "--listen", f"127.0.0.1:{dns}", "--api",
                            f"127.0.0.1:{api}", timeout=30)
    assert result.returncode == 1, result.stderr
    assert f"cannot listen on 127.0.0.1:{api}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_api_address() -> None:
    result = run_netemu("serve", "--listen", f"127.0.0.1:{free_port()}", "--api", "localhost:x",
                        timeout=30)
    assert result.returncode == 2 and "--api wants HOST:PORT, got 'localhost:x'" in result.stderr
    assert "Traceback" not in result.stderr
