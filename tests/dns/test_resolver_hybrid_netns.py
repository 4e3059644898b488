"""The shipped hybrid DNS topology (topologies/hybrid-dns.yaml): every dig answer its header
promises, asked inside the namespaces, with the data centre's name server (``netemu serve`` in
onprem/dns) really queried through the outbound endpoint (R92-R95, V61)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel, resolver
from netemu.vpc.load import load_topology_file
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import unique_prefix
from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

TOPOLOGY = ROOT / "topologies" / "hybrid-dns.yaml"
DATA = ROOT / "topologies" / "hybrid-dns"


@dataclass
class Hybrid:
    topology: Topology
    prefix: str
    state: Path
    dns_log: Path

    def dig(self, node: str, *args: str) -> str:
        vpc, name = node.split("/")
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}i-{vpc}.{name}", "dig",
                               "+time=3", "+tries=1", *args],
                              capture_output=True, text=True, timeout=20).stdout

    def short(self, node: str, *args: str) -> list[str]:
        return self.dig(node, "+short", *args).split()

    def status(self, node: str, *args: str) -> str:
        m = re.search(r"status: (\w+)", self.dig(node, *args))
        return m.group(1) if m else "no answer"


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hybrid]:
    topology = load_topology_file(TOPOLOGY)
    prefix, state = unique_prefix(), tmp_path_factory.mktemp("state")
    server = None
    try:
        apply.apply(topology, prefix, state)
        resolver.ensure(topology, prefix, state, [str(DATA / "zones")])
        log = state / "onprem-dns.log"
        with open(log, "wb") as sink:
            server = subprocess.Popen(
                ["ip", "netns", "exec", f"{prefix}i-onprem.dns", sys.executable, "-m", "netemu",
                 "serve", "--zones", str(DATA / "onprem"), "--listen", "10.99.1.53:53",
                 "--api", f"127.0.0.1:{free_port()}"],
                cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink, stderr=sink)
        deadline = time.monotonic() + 20
        while b"serving" not in log.read_bytes():
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield Hybrid(topology, prefix, state, log)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []


def test_private_zone_split_view_inside_the_vpc_R89(hybrid: Hybrid) -> None:
    assert hybrid.short("app/web1", "www.example.com") == ["10.0.1.10"]
    assert hybrid.status("onprem/laptop", "@10.99.1.53", "www.example.com") == "REFUSED"


def test_forward_rule_beats_the_private_zone_and_leaves_from_the_endpoint_enis_R92(
        hybrid: Hybrid) -> None:
    assert hybrid.short("app/web1", "intranet.corp.example") == ["10.99.1.80"]
    # a query over TCP is forwarded over TCP (resolver-out allows tcp 53 too)
    assert hybrid.short("app/web1", "+tcp", "intranet.corp.example") == ["10.99.1.80"]
    # the data centre's server saw the query come from an outbound endpoint ENI address
    log = hybrid.dns_log.read_text()
    assert re.search(r"10\.0\.[12]\.100#\d+ intranet\.corp\.example\. A NOERROR", log), log
    # and the answer comes back as a recursive resolver's
    flags = re.search(r";; flags: ([^;]*);", hybrid.dig("app/web1", "intranet.corp.example"))
    assert flags and "ra" in flags.group(1).split() and "aa" not in flags.group(1).split()


def test_system_rule_carves_a_name_out_of_the_forward_rule_R92(hybrid: Hybrid) -> None:
    assert hybrid.short("app/web1", "www.corp.example") == ["10.0.1.80"]   # not 10.99.1.81


def test_outbound_endpoint_blocked_by_its_security_group_and_trace_says_so(hybrid: Hybrid) -> None:
    assert hybrid.status("app/web1", "partner.example") == "SERVFAIL"
    t = trace(hybrid.topology, Flow("rslvr-out-locked-1", "10.99.1.53", "udp", 53))
    assert not t.reachable
    assert any(h.component == "security-group" and h.name == "locked" and h.decision != "ok"
               for h in t.hops), t.hops
    assert trace(hybrid.topology, Flow("rslvr-out-1", "10.99.1.53", "udp", 53)).reachable


def test_inbound_endpoint_answers_another_network_with_the_vpc_view_R95_V61(
        hybrid: Hybrid) -> None:
    assert hybrid.short("onprem/laptop", "@10.0.1.200", "www.example.com") == ["10.0.1.10"]
    assert hybrid.short("onprem/laptop", "@10.0.2.200", "ip-10-0-1-10.ec2.internal") == [
        "10.0.1.10"]
    # the VPC's own resolver address never answers from outside the VPC
    assert hybrid.status("onprem/laptop", "@10.0.0.2", "www.example.com") == "no answer"


def test_ec2_names_in_the_hybrid_vpc_V83(hybrid: Hybrid) -> None:
    assert hybrid.short("app/web1", "ip-10-0-1-10.ec2.internal") == ["10.0.1.10"]
