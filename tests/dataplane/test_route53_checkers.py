"""Route 53 health checkers inside the data plane (root, real packets, real HTTP endpoint):
the zones' health checks are probed from checker hosts on the emulated internet, so a security
group that does not allow the checkers' ranges makes a check unhealthy, with the reason, until
a rule allows them and the topology is re-applied (R180, R181, R183); a check of a private
address is unhealthy (R182). Driven through the command line: apply, health, trace, dig."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netemu.dataplane import names
from tests.dataplane.conftest import unique_prefix

pytestmark = [pytest.mark.netns, pytest.mark.slow]

DATA = Path(__file__).resolve().parent / "data"
TOPOLOGY = DATA / "checkers.yaml"
ZONE = DATA / "checkers-zone.yaml"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-1"]

APP = r"""
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = f"hello {self.client_address[0]}\n".encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
s = HTTPServer(("0.0.0.0", 80), H)
print("ready", flush=True)
s.serve_forever()
"""


def netemu(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([sys.executable, "-m", "netemu", *args], capture_output=True,
                         text=True, timeout=120, check=False)
    if check:
        assert out.returncode == 0, out.stderr + out.stdout
    return out


class Applied:
    def __init__(self, prefix: str, state: Path) -> None:
        self.prefix, self.state = prefix, state
        self.notes = ""   # what the first apply printed

    def opts(self) -> list[str]:
        return ["--prefix", self.prefix, "--state", str(self.state)]

    def apply(self, topology: Path, *extra: str) -> str:
        return netemu("apply", str(topology), "--quiet", *extra, *self.opts()).stdout

    def health(self) -> dict[str, Any]:
        out = netemu("health", "--applied", "--json", "--state", str(self.state))
        return {c["id"]: c for c in json.loads(out.stdout)["health_checks"]}

    def wait(self, check_id: str, status: str, seconds: float = 30) -> dict[str, Any]:
        """The check once it has ``status`` and every checker Region has observed it."""
        deadline = time.monotonic() + seconds
        seen: dict[str, Any] = {}
        while time.monotonic() < deadline:
            seen = self.health().get(check_id, {})
            regions = seen.get("checkers") or []
            if seen.get("status") == status and len(regions) == 8 and all(
                    r["checked_at"] for r in regions):
                return seen
            time.sleep(0.3)
        raise AssertionError(f"{check_id}: wanted {status}, saw {json.dumps(seen, indent=1)}")


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    a = Applied(unique_prefix(), tmp_path_factory.mktemp("state"))
    app: subprocess.Popen[str] | None = None
    try:
        a.notes = a.apply(TOPOLOGY, "--zones", str(ZONE), "--time-scale", "0.1")
        ns = names.ns_instance(a.prefix, "web", "web1")
        app = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", APP],
                               stdout=subprocess.PIPE, text=True)
        assert app.stdout is not None and app.stdout.readline().strip() == "ready"
        yield a
    finally:
        if app is not None:
            app.kill()
            app.wait(timeout=10)
        netemu("destroy", *a.opts(), check=False)


def dig(a: Applied, name: str) -> list[str]:
    ns = names.ns_instance(a.prefix, "web", "web1")
    out = subprocess.run(["ip", "netns", "exec", ns, "dig", "+short", "+time=2", "+tries=2",
                          "@10.20.0.2", name, "A"], capture_output=True, text=True, timeout=30,
                         check=False)
    return out.stdout.split()


def test_private_address_is_unhealthy_with_the_reason_R182(applied: Applied) -> None:
    assert "note: health check web-private will be unhealthy: 10.20.1.10" in applied.notes
    assert "web-public" not in applied.notes
    seen = applied.wait("web-private", "Unhealthy")
    assert "10.20.1.10 is a local, private" in seen["last_observation"]
    assert {r["region"] for r in seen["checkers"]} >= set(REGIONS)
    assert all(not r["passed"] and "cannot reach it" in r["observation"]
               for r in seen["checkers"])


def test_sg_without_checker_ranges_then_with_them_R180_R181_R183(applied: Applied,
                                                                   tmp_path: Path) -> None:
    # The same endpoint answers the office, so only the checkers are refused.
    office = netemu("exec", "office", *applied.opts(), "--", "curl", "-s", "--max-time", "5",
                    "http://198.51.100.10/")
    assert office.stdout.startswith("hello 203.0.113.7")
    blocked = applied.wait("web-public", "Unhealthy")
    assert "no connection to 198.51.100.10:80" in blocked["last_observation"]
    assert all(not r["passed"] for r in blocked["checkers"])
    assert dig(applied, "www.checkers.example.org.") == ["192.0.2.2"]   # failed over
    refused = netemu("trace", str(TOPOLOGY), "--from", "route53-checker:us-east-1", "--to",
                     "web1", "--protocol", "tcp", "--port", "80", "--json", check=False)
    assert refused.returncode != 0 and not json.loads(refused.stdout)["reachable"]

    data = yaml.safe_load(TOPOLOGY.read_text())
    data["vpcs"][0]["security_groups"][0]["ingress"].append(
        {"protocol": "tcp", "ports": 80, "prefix_list": "route53-healthchecks"})
    allowed_topology = tmp_path / "checkers-allowed.yaml"
    allowed_topology.write_text(yaml.safe_dump(data))
    allowed = netemu("trace", str(allowed_topology), "--from", "route53-checker:eu-west-1",
                     "--to", "web1", "--protocol", "tcp", "--port", "80", "--json")
    assert json.loads(allowed.stdout)["reachable"]
    applied.apply(allowed_topology)

    healthy = applied.wait("web-public", "Healthy")
    assert all(r["passed"] and "HTTP 200 from 198.51.100.10:80" in r["observation"]
               for r in healthy["checkers"])
    assert dig(applied, "www.checkers.example.org.") == ["198.51.100.10"]
    text = netemu("health", "--applied", "--state", str(applied.state)).stdout
    assert "CHECKER REGION OBSERVATIONS" in text and "eu-west-1" in text
