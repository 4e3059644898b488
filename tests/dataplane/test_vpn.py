"""An on-premises site over Site-to-Site VPN on real packets (root, namespaces): a host of the
site reaches a private instance through the VGW with the propagated route, and the instance
reaches it back; after the VPN is marked down and the topology re-applied, neither does; each
verdict agrees with ``vpc.trace`` (V150, V152)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netemu.dataplane import apply
from netemu.textfile import read_data
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe

pytestmark = [pytest.mark.netns, pytest.mark.slow]

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "hybrid-vpn.yaml"


def topology(office_status: str) -> Topology:
    data: dict[str, Any] = copy.deepcopy(read_data(TEACHING))
    data["vpcs"][0]["security_groups"][0]["ingress"].append(
        {"protocol": "icmp", "cidr": "10.50.0.0/16"})
    data["vpn_connections"][0]["status"] = office_status
    return load_topology(data, "hybrid-vpn")


def test_onprem_host_reaches_private_instance_until_the_vpn_goes_down_V150_V152(
        deploy_module: Callable[[Topology], Deployment]) -> None:
    dep = deploy_module(topology("up"))
    site, app1 = dep.node_ns("site:office"), dep.node_ns("app/app1")
    t = dep.topology
    assert trace(t, Flow("office1", "app1", "tcp", 22)).reachable
    got = probe(site, app1, "10.0.1.10", "tcp", 22)
    assert got.delivered and got.seen_from == "10.50.1.10", got  # its own address, no NAT
    assert trace(t, Flow("app1", "office1", "tcp", 443)).reachable
    assert probe(app1, site, "10.50.1.10", "tcp", 443).delivered
    assert probe(site, None, "10.0.1.10", "icmp").delivered
    # the VPN is marked down: re-applied, its link and its propagated route are gone
    down = topology("down")
    apply.apply(down, dep.prefix, dep.state)
    dep.topology = down
    assert not trace(down, Flow("office1", "app1", "tcp", 22)).reachable
    assert not probe(site, app1, "10.0.1.10", "tcp", 22).delivered
    assert not trace(down, Flow("app1", "office1", "tcp", 443)).reachable
    assert not probe(app1, site, "10.50.1.10", "tcp", 443).delivered
    assert not probe(site, None, "10.0.1.10", "icmp").delivered


def _without_lab_route() -> Topology:
    data: dict[str, Any] = copy.deepcopy(read_data(TEACHING))
    main = data["transit_gateways"][0]["route_tables"][0]
    main["routes"] = [r for r in main["routes"] if r.get("attachment") != "lab-vpn"]
    return load_topology(data, "hybrid-vpn (no static route to lab-vpn)")


def test_tgw_static_route_to_a_vpn_attachment_and_a_blackhole_V76_V77(
        deploy_module: Callable[[Topology], Deployment]) -> None:
    """The lab site's static VPN attachment propagates nothing: shared1 reaches lab1 only by the
    static TGW route 10.80.0.0/16 -> lab-vpn (V76), and not once it is removed; the static
    blackhole 10.70.9.0/24 drops what the propagated 10.70.0.0/16 would carry to dc9, while
    dc1 stays reachable (V77). Trace and real packets agree each time."""
    dep = deploy_module(load_topology(read_data(TEACHING), "hybrid-vpn"))
    t = dep.topology
    shared1 = dep.node_ns("shared/shared1")
    lab, dc = dep.node_ns("site:lab"), dep.node_ns("site:dc")
    tr = trace(t, Flow("shared1", "lab1", "tcp", 443))
    assert tr.reachable and any(h.rule == "10.80.0.0/16 -> lab-vpn (static)" for h in tr.hops)
    assert probe(shared1, lab, "10.80.1.10", "tcp", 443).delivered
    hole = trace(t, Flow("shared1", "dc9", "tcp", 443))
    assert not hole.reachable and hole.blockers[0].code == "BAD_STATE_ROUTE"
    assert not probe(shared1, dc, "10.70.9.10", "tcp", 443).forward
    assert trace(t, Flow("shared1", "dc1", "tcp", 443)).reachable
    assert probe(shared1, dc, "10.70.1.10", "tcp", 443).delivered
    gone = _without_lab_route()
    apply.apply(gone, dep.prefix, dep.state)
    dep.topology = gone
    tr = trace(gone, Flow("shared1", "lab1", "tcp", 443))
    assert not tr.reachable and tr.blockers[0].code == "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT"
    assert not probe(shared1, lab, "10.80.1.10", "tcp", 443).forward
