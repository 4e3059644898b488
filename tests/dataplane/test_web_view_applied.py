"""The web view follows ``netemu apply``: a topology really applied on namespaces (its state in
the apply's state directory) is drawn at ``/ui/topology`` of a real ``netemu serve --api``, its
trace form draws a flow on it, and after ``destroy`` the page says nothing is applied."""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from netemu.dataplane import destroy
from netemu.vpc.load import load_topology_file
from tests.dataplane.conftest import Deployment
from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.netns, pytest.mark.slow]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def test_applied_topology_is_drawn_and_traced_until_destroyed_V54(
        deploy_module: Callable[..., Deployment], tmp_path: Path) -> None:
    """peering.yaml applied: h1 -> b1 arrives over the hub-b peering but spoke-b has no route
    back (peering is not transitive, V54): the return path's drop is drawn at spoke-b's
    router."""
    d = deploy_module(load_topology_file(ROOT / "topologies" / "peering.yaml"))
    dns_port, api = free_port(), free_port(socket.SOCK_STREAM)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "netemu", "serve", "--no-query-log", "--zones",
         str(ROOT / "zones" / "basics.yaml"), "--listen", f"127.0.0.1:{dns_port}",
         "--api", f"127.0.0.1:{api}", "--loop", "asyncio", "--dataplane-state", str(d.state)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log,
        stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", api), 0.5).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        base = f"http://127.0.0.1:{api}/ui"
        assert "peering.yaml</a>" in get(base + "/")
        raw = get(base + "/topology?from=h1&to=b1&protocol=tcp&port=443")
        page = html.unescape(raw)
        for name in ("VPC hub", "VPC spoke-a", "VPC spoke-b", ">h1<", ">a1<", ">b1<"):
            assert name in page, name
        assert 'id="trace-verdict"' in page and "NOT REACHABLE" in page
        note = page.split('class="node netemu-drop"', 1)[1].split("</g>", 1)[0]
        assert "DROPPED (return hop" in note and "NO_ROUTE_TO_DESTINATION" in note
        destroy.destroy(d.prefix, d.state)
        assert "No topology is applied" in get(base + "/topology")
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
