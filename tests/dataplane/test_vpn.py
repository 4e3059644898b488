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
