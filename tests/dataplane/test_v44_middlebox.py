"""V44 on real packets: a security group rule naming a group matches a member's private address
only when the packet comes straight from that member's ENI; routed through an instance whose
source/destination check is off (a middlebox), only CIDR rules can match it. Each flow is
checked three ways: the expected AWS verdict, ``vpc.trace``, and real packets.

The topology covers a middlebox in another subnet (the packet comes back to the VPC router, so
it is routed twice), a middlebox in the destination's own subnet (it hands the packet to the
destination port to port, never through the router again), a reference matched at the
middlebox itself, and a member routed straight (no middlebox) as the control."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping

import pytest

from netemu.dataplane import nft
from netemu.dataplane.plan import wiring
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe

pytestmark = pytest.mark.netns


def v44_topology() -> Topology:
    def sg(name: str, *rules: Mapping[str, object]) -> dict[str, object]:
        return {"name": name, "ingress": list(rules)}

    ref_5432 = {"protocol": "tcp", "ports": 5432, "source_group": "app"}
    cidr_3306 = {"protocol": "tcp", "ports": 3306, "cidr": "10.60.1.0/24"}
    box = {"protocol": "all", "cidr": "10.60.0.0/16"}
    inst = [("app1", "app", "10.60.1.10", "app"), ("fw1", "edge", "10.60.2.10", "fw1"),
            ("db1", "data", "10.60.3.10", "db"), ("db3", "data", "10.60.3.30", "dbcidr"),
            ("fw2", "near", "10.60.4.10", "box"), ("db2", "near", "10.60.4.20", "db"),
            ("app3", "other", "10.60.5.10", "app")]
    return load_topology({
        "region": "us-east-1",
        "vpcs": [{
            "name": "v44", "cidr_blocks": ["10.60.0.0/16"],
            "subnets": [{"name": n, "cidr": f"10.60.{i}.0/24", "route_table": rt}
                        for i, n, rt in ((1, "app", "app"), (2, "edge", "main"),
                                         (3, "data", "data"), (4, "near", "main"),
                                         (5, "other", "main"))],
            "route_tables": [
                {"name": "main", "main": True, "routes": []},
                {"name": "app", "routes": [
                    {"destination": "10.60.3.0/24", "target": {"instance": "fw1"}},
                    {"destination": "10.60.4.0/24", "target": {"instance": "fw2"}}]},
                {"name": "data", "routes": [
                    {"destination": "10.60.1.0/24", "target": {"instance": "fw1"}}]},
            ],
            "security_groups": [
                sg("app"), sg("box", box), sg("db", ref_5432, cidr_3306),
                sg("dbcidr", {"protocol": "tcp", "ports": 5432, "cidr": "10.60.1.0/24"}),
                # fw1 admits 5432 only by the reference: straight from app1, it matches there
                sg("fw1", ref_5432, cidr_3306),
            ],
            "instances": [{"name": n, "subnet": s, "private_ip": ip, "security_groups": [g],
                           "source_dest_check": not n.startswith("fw")}
                          for n, s, ip, g in inst],
        }],
    }, "v44")


# (src, dst, port, AWS's verdict, why)
FLOWS = [
    ("app1", "db1", 5432, False, "V44: the reference does not match through fw1 (another subnet)"),
    ("app1", "db1", 3306, True, "V44: the CIDR rule still matches through fw1"),
    ("app1", "db3", 5432, True, "V44: at fw1 itself the packet is straight from app1's ENI"),
    ("app3", "db1", 5432, True, "V44: routed by the VPC router but straight from the member"),
    ("app1", "db2", 5432, False, "V44: fw2 hands it to db2 in its own subnet: no reference"),
    ("app1", "db2", 3306, True, "V44: the CIDR rule matches what fw2 hands over"),
]


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    return deploy_module(v44_topology())


@pytest.mark.parametrize("src,dst,port,expected,why", FLOWS, ids=[f"{f[0]}-{f[1]}-{f[2]}" for f in FLOWS])
def test_sg_reference_through_a_middlebox_V44(dep: Deployment, src: str, dst: str, port: int,
                                              expected: bool, why: str) -> None:
    t = dep.topology
    ips = {i.name: i.private_ip for i in t.vpcs[0].instances}
    tr = trace(t, Flow(ips[src], ips[dst], "tcp", port))
    assert tr.reachable == expected, f"trace: {why}"
    if not expected:
        assert "SG_REFERENCES_NOT_PRESERVED" in {h.code for h in tr.hops}, why
    got = probe(dep.node_ns(f"v44/{src}"), dep.node_ns(f"v44/{dst}"), ips[dst], "tcp", port)
    assert got.reply == expected, f"kernel {got}: {why}"


def test_router_marks_only_what_a_middlebox_forwards_V44(dep: Deployment) -> None:
    """The router's V44 table marks what arrives from the ports of the two middleboxes (one rule
    per port and IP family) and rewrites the source MAC of marked packets, routed or bridged."""
    rules = subprocess.run(["ip", "netns", "exec", dep.ns("r-v44"), "nft", "list", "table",
                            "bridge", "netemu_v44"], capture_output=True, text=True, check=True)
    marked = re.findall(r'iifname "(\S+)" (ip6?) saddr != .* meta mark set 0x0*44 ', rules.stdout)
    ports = {wiring.eni_port("v44", f"i:{n}") for n in ("fw1", "fw2")}
    assert sorted(marked) == sorted((p, fam) for p in ports for fam in ("ip", "ip6"))
    assert rules.stdout.count("ether saddr set " + nft.MIDDLEBOX_MAC) == 2
