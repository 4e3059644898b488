"""On-premises sites over Site-to-Site VPN: the loader's refusals in AWS's codes, propagated
routes (V23), and trace verdicts with their hops through the VGW (V150-V153)."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.textfile import read_data
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.trace import Flow, trace
from netemu.vpc.trace.values import Trace

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "hybrid-vpn.yaml"


def base() -> dict[str, Any]:
    data: dict[str, Any] = read_data(TEACHING)
    return copy.deepcopy(data)


def codes(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as err:
        load_topology(data, "t.yaml")
    return [(p.item, p.code) for p in err.value.problems]


def comps(hops: tuple[Any, ...]) -> list[tuple[str, str]]:
    return [(h.component, h.name) for h in hops]


def test_second_vgw_on_a_vpc_is_refused_V150() -> None:
    d = base()
    d["vpn_gateways"].append({"name": "other-vgw", "vpc": "app"})
    assert codes(d) == [("vpn_gateways[other-vgw]", "VpnGatewayAttachmentLimitExceeded")]
    d = base()
    d["vpn_gateways"].append({"name": "lost-vgw", "vpc": "nowhere"})
    assert codes(d) == [("vpn_gateways[lost-vgw].vpc", "InvalidVpcId.NotFound")]


def test_connection_references_are_checked_V151() -> None:
    d = base()
    d["vpn_connections"][0]["site"] = "mars"
    assert codes(d) == [("vpn_connections[office-vpn].site",
                         "InvalidCustomerGatewayID.NotFound")]
    d = base()
    d["vpn_connections"][0]["vpn_gateway"] = "no-vgw"
    assert codes(d) == [("vpn_connections[office-vpn].vpn_gateway",
                         "InvalidVpnGatewayID.NotFound")]
    d = base()
    d["vpn_connections"][0]["transit_gateway"] = "hub"
    assert codes(d) == [("vpn_connections[office-vpn]", "InvalidParameterValue")]
    d = base()
    del d["vpn_connections"][0]["vpn_gateway"]
    d["vpn_connections"][0]["transit_gateway"] = "no-tgw"
    assert codes(d) == [("vpn_connections[office-vpn].transit_gateway",
                         "InvalidTransitGatewayID.NotFound")]
    d = base()
    d["vpn_connections"][0]["static_routes"] = ["10.50.0.0/16"]  # routing: bgp
    assert codes(d) == [("vpn_connections[office-vpn].static_routes", "InvalidParameterValue")]


def test_site_shape_and_propagation_refusals_V151_V152() -> None:
    d = base()
    d["on_premises"][0]["hosts"][0]["ip"] = "192.168.1.1"  # outside the site's CIDRs
    assert codes(d) == [("on_premises[office].hosts[office1].ip", "InvalidParameterValue")]
    d = base()
    del d["on_premises"][0]["customer_gateway"]
    assert ("on_premises[office].customer_gateway", "MissingParameter") in codes(d)
    d = base()
    d["vpcs"][0]["route_tables"][0]["propagating_vgws"] = ["ghost-vgw"]
    assert codes(d) == [("vpcs[app].route_tables[private].propagating_vgws",
                         "InvalidVpnGatewayID.NotFound")]
    d = base()
    d["vpcs"].append({"name": "other", "cidr_blocks": ["10.9.0.0/16"], "route_tables": [
        {"name": "rt", "propagating_vgws": ["app-vgw"]}]})
    assert codes(d) == [("vpcs[other].route_tables[rt].propagating_vgws", "Gateway.NotAttached")]


def test_up_connections_propagate_their_cidrs_and_down_ones_nothing_V152() -> None:
    t = load_topology_file(TEACHING)
    table = next(r for r in t.vpc("app").route_tables if r.name == "private")
    prop = [(r.destination, str(r.target)) for r in table.routes if r.origin == "propagated"]
    assert prop == [("10.50.0.0/16", "vpn_gateway:app-vgw")]  # branch-vpn is down
    d = base()
    d["vpn_connections"][1]["status"] = "up"
    t = load_topology(d)
    table = next(r for r in t.vpc("app").route_tables if r.name == "private")
    prop = [(r.destination, str(r.target)) for r in table.routes if r.origin == "propagated"]
    assert prop == [("10.50.0.0/16", "vpn_gateway:app-vgw"),
                    ("10.60.0.0/16", "vpn_gateway:app-vgw")]
    assert trace(t, Flow("branch1", "app1", "tcp", 22)).reachable


def test_static_route_of_the_same_prefix_beats_the_propagated_one_V23() -> None:
    d = base()
    app = d["vpcs"][0]
    app["subnets"].append({"name": "fw-a", "cidr": "10.0.2.0/24", "az": "us-east-1a"})
    app["instances"].append({"name": "fw", "subnet": "fw-a", "private_ip": "10.0.2.10",
                             "source_dest_check": False})
    app["route_tables"][0]["routes"] = [{"destination": "10.50.0.0/16",
                                         "target": {"instance": "fw"}}]
    t = load_topology(d)
    r = trace(t, Flow("app1", "office1", "tcp", 443))
    route = next(h for h in r.hops if h.component == "route-table")
    assert "10.50.0.0/16 -> instance:fw" in route.reason
    # it goes to fw (whose default security group stops it), never to the VGW; the
    # propagated route of the same prefix is the runner-up
    assert route.code == "HIGHER_PRIORITY_ROUTE" and "HIGHER_PRIORITY_ROUTE" in r.explanations
    assert not any(h.component == "vpn-gateway" for h in r.hops)


def forward(t: Trace) -> list[tuple[str, str]]:
    return comps(t.hops)


def test_onprem_host_reaches_private_instance_over_the_vgw_and_back_V150_V152() -> None:
    t = load_topology_file(TEACHING)
    r = trace(t, Flow("office1", "app1", "tcp", 22))
    assert r.reachable
    assert forward(r) == [("on-premises", "office"), ("customer-gateway", "office"),
                          ("vpn-connection", "office-vpn"), ("vpn-gateway", "app-vgw"),
                          ("network-acl", "default"), ("security-group", "app"),
                          ("instance", "app1")]
    assert "BGP" in r.hops[2].reason
    back = {h.component: h for h in r.return_path}
    assert "10.50.0.0/16 -> vpn_gateway:app-vgw (propagated, V23)" in back["route-table"].reason
    assert r.return_path[-1].component == "on-premises"
    out = trace(t, Flow("app1", "office1", "tcp", 443))
    assert out.reachable and forward(out)[-1] == ("on-premises", "office")


def test_vpn_down_is_unreachable_with_the_reason_V152() -> None:
    t = load_topology_file(TEACHING)
    r = trace(t, Flow("branch1", "app1", "tcp", 22))
    assert not r.reachable
    assert r.hops[-1].component == "vpn-connection" and r.hops[-1].code == "VPN_CONNECTION_DOWN"
    assert "branch-vpn is down" in r.hops[-1].reason
    back = trace(t, Flow("app1", "branch1", "tcp", 443))
    assert not back.reachable and back.hops[-1].code == "NO_ROUTE_TO_DESTINATION"


def test_vpn_path_mtu_is_1500_V153() -> None:
    t = load_topology_file(TEACHING)
    assert trace(t, Flow("office1", "app1", "tcp", 22, size=1500)).reachable
    r = trace(t, Flow("office1", "app1", "tcp", 22, size=1501))
    assert not r.reachable and r.hops[-1].component == "vpn-connection"
    assert "MTU 1500" in r.hops[-1].reason


def test_tgw_vpn_attachment_propagates_and_carries_both_ways_V74_V76_V152() -> None:
    t = load_topology_file(TEACHING)
    main = next(r for r in t.transit_gateways[0].route_tables if r.name == "main")
    assert ("10.70.0.0/16", "dc-vpn", "propagated") in {
        (r.destination, r.attachment, r.origin) for r in main.routes}
    r = trace(t, Flow("dc1", "shared1", "tcp", 22))
    assert r.reachable
    assert forward(r)[:5] == [("on-premises", "dc"), ("customer-gateway", "dc"),
                              ("transit-gateway-attachment", "dc-vpn"),
                              ("transit-gateway-route-table", "main"),
                              ("transit-gateway-attachment", "shared-att")]
    back = [h for h in r.return_path if h.component == "transit-gateway-route-table"]
    assert "10.70.0.0/16 -> dc-vpn (propagated)" in back[0].reason
    d = base()
    d["vpn_connections"][2]["status"] = "down"
    t = load_topology(d)
    main = next(r for r in t.transit_gateways[0].route_tables if r.name == "main")
    assert not any(r.attachment == "dc-vpn" for r in main.routes)
    down = trace(t, Flow("dc1", "shared1", "tcp", 22))
    assert not down.reachable and down.hops[-1].code == "VPN_CONNECTION_DOWN"
    out = trace(t, Flow("shared1", "dc1", "tcp", 443))
    assert not out.reachable and out.hops[-1].component == "transit-gateway-route-table"


def test_tgw_vpn_attachment_route_tables_are_checked_V74_V151() -> None:
    d = base()
    d["vpn_connections"][2]["association"] = "nope"
    assert codes(d) == [("vpn_connections[dc-vpn].association", "InvalidRouteTableID.NotFound")]
    d = base()
    d["vpn_connections"][0]["propagations"] = ["main"]  # a VGW connection has no TGW tables
    assert codes(d) == [("vpn_connections[office-vpn]", "InvalidParameterValue")]
    d = base()
    d["vpn_connections"][2]["association"] = None
    t = load_topology(d)
    r = trace(t, Flow("dc1", "shared1", "tcp", 22))
    assert r.hops[-1].code == "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION"
