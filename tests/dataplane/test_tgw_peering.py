"""Transit gateway peering on real packets (V175-V177): a VPC on TGW east reaches a VPC on TGW
west through a veth between the two TGW namespaces only while both sides have a static route to
the peering attachment and the attachment is available; each verdict agrees with trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netemu.dataplane import apply
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.vpc.tgw_peering_topo import side, spec, table

pytestmark = pytest.mark.netns


def _no_route_back(d: dict[str, Any]) -> None:
    table(d, "west")["routes"] = []


def _pending(d: dict[str, Any]) -> None:
    side(d, "east")["state"] = side(d, "west")["state"] = "pendingAcceptance"


def _unchanged(d: dict[str, Any]) -> None:
    pass


# (what, change, reachable)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], bool]] = [
    ("static routes on both sides", _unchanged, True),
    ("no static route on west: the reply is lost (no propagation, V176)", _no_route_back, False),
    ("pendingAcceptance (V177)", _pending, False),
    ("accepted again", _unchanged, True),
]


def test_vpcs_on_peered_tgws_reach_each_other_only_with_static_routes_V175_V176_V177(
        deploy_module: Callable[[Topology], Deployment]) -> None:
    dep = deploy_module(load_topology(spec(), "peering"))
    a1, b1 = dep.node_ns("a/a1"), dep.node_ns("b/b1")
    for what, change, expected in CASES:
        data = spec()
        change(data)
        t = load_topology(data, "peering")
        apply.apply(t, dep.prefix, dep.state)
        dep.topology = t
        assert trace(t, Flow("a1", "b1", "tcp", 443)).reachable == expected, what
        assert probe(a1, b1, "10.72.1.10", "tcp", 443).delivered == expected, what
        assert trace(t, Flow("b1", "a1", "tcp", 443)).reachable == expected, what
        assert probe(b1, a1, "10.71.1.10", "tcp", 443).delivered == expected, what
