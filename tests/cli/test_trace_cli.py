"""``netemu trace`` as a user runs it: a real subprocess, exit codes, JSON, colour, flow logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_netemu

pytestmark = pytest.mark.slow  # starts a server or a subprocess

EXAMPLE = str(ROOT / "tests" / "vpc" / "data" / "architecture-example.yaml")


def test_reachable_json_exit_0() -> None:
    r = run_netemu("trace", EXAMPLE, "--from", "client", "--to", "web1", "--port", "80", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["reachable"] is True
    assert data["hops"][-1] == {**data["hops"][-1], "component": "instance", "decision": "allow"}
    assert data["return_path"][-1]["component"] == "internet"
    assert data["blockers"] == []


def test_unreachable_exit_2_human_output() -> None:
    r = run_netemu("trace", EXAMPLE, "--from", "web1", "--to", "client", "--port", "443")
    assert r.returncode == 2, r.stderr
    assert "DROP" in r.stdout and "SUBNET_ACL_RESTRICTION" in r.stdout
    assert "NOT REACHABLE" in r.stdout
    assert "\033[" not in r.stdout  # not a terminal: no colour
    r = run_netemu("trace", EXAMPLE, "--from", "web1", "--to", "client", "--port", "443",
                   "--color")
    assert "\033[31m" in r.stdout


def test_all_blockers_and_flow_log() -> None:
    r = run_netemu("trace", EXAMPLE, "--from", "web1", "--to", "client", "--port", "443",
                   "--all-blockers", "--flow-log", "--flow-log-start", "1700000000", "--json")
    assert r.returncode == 2
    data = json.loads(r.stdout)
    assert [b["path"] for b in data["blockers"]] == ["forward", "return"]
    assert data["flow_log"][0].startswith("2 123456789012 eni-")
    assert data["flow_log"][0].endswith("1700000000 1700000060 REJECT OK")


def test_refused_file_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: us-east-1\nvpcs:\n  - {name: x, cidr_blocks: [10.0.0.0/15]}\n")
    r = run_netemu("trace", str(bad), "--from", "a", "--to", "b", "--port", "1")
    assert r.returncode == 1
    assert str(bad) in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_unknown_node_exit_1() -> None:
    r = run_netemu("trace", EXAMPLE, "--from", "nobody", "--to", "web1", "--port", "80")
    assert r.returncode == 1
    assert "unknown source 'nobody'" in r.stderr and "Traceback" not in r.stderr


def test_ipv6_by_names_and_icmp_type() -> None:
    ex = str(ROOT / "topologies" / "ipv6-egress-only.yaml")
    r = run_netemu("trace", ex, "--from", "webv6", "--to", "worker", "-6", "--protocol", "icmp",
                   "--json")
    data = json.loads(r.stdout)
    assert data["flow"]["packet"]["protocol"] == "icmpv6"
    assert data["flow"]["packet"]["icmp_type"] == 128
    assert ":" in data["flow"]["packet"]["dst"]
    r = run_netemu("trace", ex, "--from", "worker", "--to", "2001:db8:1::80", "--protocol",
                   "icmpv6", "--icmp-type", "128", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["return_path"][-1]["packet"]["icmp_type"] == 129
