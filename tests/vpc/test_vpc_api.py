"""``netemu.vpc``'s curated public API (issue 9): exactly these names, each the real object."""

from __future__ import annotations

import netemu.vpc as vpc
from netemu.vpc import load, mtu
from netemu.vpc import trace as trace_module

INTENDED = {
    "QUOTAS", "Blocker", "Flow", "Hop", "Instance", "InternetHost", "NatGateway", "Peering",
    "RouteTable", "RouteTarget", "SecurityGroup", "Subnet", "Topology", "Trace", "TraceError",
    "TransitGateway", "Vpc", "hop_mtu", "load_topology", "load_topology_file", "path_mtu",
    "target_mtu", "trace",
}


def test_vpc_exports_exactly_the_intended_names() -> None:
    assert len(vpc.__all__) == len(set(vpc.__all__))
    assert set(vpc.__all__) == INTENDED
    namespace: dict[str, object] = {}
    exec("from netemu.vpc import *", namespace)
    assert set(namespace) - {"__builtins__"} == INTENDED


def test_vpc_names_are_the_real_objects() -> None:
    assert vpc.load_topology is load.load_topology
    assert vpc.trace is trace_module and vpc.Flow is trace_module.Flow
    assert callable(vpc.trace.trace)
    assert vpc.hop_mtu is mtu.hop_mtu
