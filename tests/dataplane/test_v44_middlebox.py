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
from typing import Any

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


@pytest.mark.parametrize(
    "src,dst,port,expected,why", FLOWS, ids=[f"{f[0]}-{f[1]}-{f[2]}" for f in FLOWS]
)
def test_sg_reference_through_a_middlebox_V44(
    dep: Deployment, src: str, dst: str, port: int, expected: bool, why: str
) -> None:
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


def pcx_topology() -> Topology:
    """app1 reaches VPC b through fw1 then the peering; app3 through the peering only. db1 (in
    b) admits 5432 from a's group ``app`` (a reference across a same-Region peering) and 3306
    from a's CIDR."""
    return load_topology(pcx_spec(), "pcx")


def tgw_topology() -> Topology:
    """pcx_topology with a transit gateway (SG referencing support on) instead of the peering."""
    spec = pcx_spec()
    del spec["peerings"]
    a, b = spec["vpcs"]
    a["route_tables"][1]["routes"] = [{"destination": "10.64.0.0/16",
                                       "target": {"transit_gateway": "hub"}}]
    b["route_tables"][0]["routes"] = [{"destination": "10.63.0.0/16",
                                       "target": {"transit_gateway": "hub"}}]
    spec["transit_gateways"] = [{
        "name": "hub", "route_tables": [{"name": "rt", "routes": []}],
        "attachments": [{"name": n, "vpc": v, "subnets": [sn], "association": "rt",
                         "propagations": ["rt"], "security_group_referencing": True}
                        for n, v, sn in (("a-att", "a", "edge"), ("b-att", "b", "data"))]}]
    return load_topology(spec, "tgw")


def pcx_spec() -> dict[str, Any]:
    return {
        "region": "us-east-1",
        "vpcs": [
            {
                "name": "a",
                "cidr_blocks": ["10.63.0.0/16"],
                "subnets": [
                    {"name": "app", "cidr": "10.63.1.0/24", "route_table": "app"},
                    {"name": "edge", "cidr": "10.63.2.0/24", "route_table": "edge"},
                    {"name": "other", "cidr": "10.63.3.0/24", "route_table": "edge"},
                ],
                "route_tables": [
                    {
                        "name": "app",
                        "routes": [{"destination": "10.64.0.0/16", "target": {"instance": "fw1"}}],
                    },
                    {
                        "name": "edge",
                        "routes": [{"destination": "10.64.0.0/16", "target": {"peering": "ab"}}],
                    },
                ],
                "security_groups": [
                    {"name": "app"},
                    {"name": "fw", "ingress": [{"protocol": "all", "cidr": "10.63.0.0/16"}]},
                ],
                "instances": [
                    {
                        "name": "app1",
                        "subnet": "app",
                        "private_ip": "10.63.1.10",
                        "security_groups": ["app"],
                    },
                    {
                        "name": "fw1",
                        "subnet": "edge",
                        "private_ip": "10.63.2.10",
                        "security_groups": ["fw"],
                        "source_dest_check": False,
                    },
                    {
                        "name": "app3",
                        "subnet": "other",
                        "private_ip": "10.63.3.10",
                        "security_groups": ["app"],
                    },
                ],
            },
            {
                "name": "b",
                "cidr_blocks": ["10.64.0.0/16"],
                "subnets": [{"name": "data", "cidr": "10.64.1.0/24", "route_table": "data"}],
                "route_tables": [
                    {
                        "name": "data",
                        "routes": [{"destination": "10.63.0.0/16", "target": {"peering": "ab"}}],
                    }
                ],
                "security_groups": [
                    {
                        "name": "db",
                        "ingress": [
                            {
                                "protocol": "tcp",
                                "ports": 5432,
                                "source_group": {"vpc": "a", "name": "app"},
                            },
                            {"protocol": "tcp", "ports": 3306, "cidr": "10.63.0.0/16"},
                        ],
                    }
                ],
                "instances": [
                    {
                        "name": "db1",
                        "subnet": "data",
                        "private_ip": "10.64.1.10",
                        "security_groups": ["db"],
                    }
                ],
            },
        ],
        "peerings": [{"name": "ab", "requester": "a", "accepter": "b"}],
    }


PCX_FLOWS = [
    (
        "app1",
        "db1",
        5432,
        False,
        "V44: through fw1, then the peering: the reference no longer matches",
    ),
    ("app1", "db1", 3306, True, "V44: the CIDR rule matches through fw1 and the peering"),
    ("app3", "db1", 5432, True, "V44: straight from a member's ENI across the peering"),
]


@pytest.fixture(scope="module")
def dep_pcx(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    return deploy_module(pcx_topology())


@pytest.mark.parametrize("src,dst,port,expected,why", PCX_FLOWS,
                         ids=[f"{f[0]}-{f[1]}-{f[2]}" for f in PCX_FLOWS])
def test_sg_reference_through_a_middlebox_and_a_peering_V44(
        dep_pcx: Deployment, src: str, dst: str, port: int, expected: bool, why: str) -> None:
    t = dep_pcx.topology
    ips = {i.name: (v.name, i.private_ip) for v in t.vpcs for i in v.instances}
    tr = trace(t, Flow(ips[src][1], ips[dst][1], "tcp", port))
    assert tr.reachable == expected, f"trace: {why}"
    got = probe(dep_pcx.node_ns(f"{ips[src][0]}/{src}"), dep_pcx.node_ns(f"{ips[dst][0]}/{dst}"),
                ips[dst][1], "tcp", port)
    assert got.reply == expected, f"kernel {got}: {why}"


@pytest.fixture(scope="module")
def dep_tgw(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    return deploy_module(tgw_topology())


@pytest.mark.parametrize("src,dst,port,expected,why", PCX_FLOWS,
                         ids=[f"{f[0]}-{f[1]}-{f[2]}" for f in PCX_FLOWS])
def test_sg_reference_through_a_middlebox_and_a_transit_gateway_V44(
        dep_tgw: Deployment, src: str, dst: str, port: int, expected: bool, why: str) -> None:
    """As across the peering, with a transit gateway whose attachments support security group
    referencing (V79): only the middlebox takes the reference away."""
    t = dep_tgw.topology
    ips = {i.name: (v.name, i.private_ip) for v in t.vpcs for i in v.instances}
    tr = trace(t, Flow(ips[src][1], ips[dst][1], "tcp", port))
    assert tr.reachable == expected, f"trace: {why}"
    got = probe(dep_tgw.node_ns(f"{ips[src][0]}/{src}"), dep_tgw.node_ns(f"{ips[dst][0]}/{dst}"),
                ips[dst][1], "tcp", port)
    assert got.reply == expected, f"kernel {got}: {why}"
