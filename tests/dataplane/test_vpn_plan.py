"""The plan of an on-premises site over Site-to-Site VPN (pure): a site namespace with its
hosts, a plain 1500-byte link to the VGW's VPC router for each VPN that is up, none for one that
is down, and the propagated route over that link (V150, V152, V153)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.plan import build
from netemu.textfile import read_data
from netemu.vpc.load import load_topology

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "hybrid-vpn.yaml"
P = "netemu-plan-"


def plan(status: str = "down") -> Any:
    data = copy.deepcopy(read_data(TEACHING))
    data["vpn_connections"][1]["status"] = status
    return build(load_topology(data, "hybrid-vpn"), P)


def test_site_namespaces_links_and_propagated_routes_V152_V153() -> None:
    d = plan()
    spaces = {n.name: n for n in d.namespaces}
    office, branch = spaces[names.ns_site(P, "office")], spaces[names.ns_site(P, "branch")]
    assert ("lo", "10.50.1.10/32") in {(a.ifname, a.cidr) for a in office.addresses}
    vpn = {lk.id: lk for lk in d.links if lk.id.startswith("vpn:")}
    # branch-vpn is down: no link
    assert sorted(vpn) == ["vpn:dc-vpn", "vpn:lab-vpn", "vpn:office-vpn"]
    link = vpn["vpn:office-vpn"]
    assert (link.a_ns, link.b_ns, link.mtu) == (names.ns_router(P, "app"), office.name, 1500)
    assert [r.dst for r in office.routes] == ["10.0.0.0/16"]
    assert office.routes[0].src == "10.50.1.10"
    assert not branch.routes
    router = spaces[names.ns_router(P, "app")]
    to_office = [r for r in router.routes if r.dst == "10.50.0.0/16"]
    assert [r.dev for r in to_office] == [link.a_if] and "propagated" in to_office[0].reason
    assert not any(r.dst == "10.60.0.0/16" for r in router.routes)


def test_a_vpn_brought_up_gets_its_link_and_route_V152() -> None:
    d = plan("up")
    assert sorted(lk.id for lk in d.links if lk.id.startswith("vpn:")) == [
        "vpn:branch-vpn", "vpn:dc-vpn", "vpn:lab-vpn", "vpn:office-vpn"]
    router = next(n for n in d.namespaces if n.name == names.ns_router(P, "app"))
    assert any(r.dst == "10.60.0.0/16" and r.kind == "unicast" for r in router.routes)


def test_tgw_vpn_attachment_is_a_link_from_the_tgw_with_its_association_V74_V76() -> None:
    d = plan()
    link = next(lk for lk in d.links if lk.id == "vpn:dc-vpn")
    assert (link.a_ns, link.b_ns, link.mtu) == (
        names.ns_tgw(P, "hub"), names.ns_site(P, "dc"), 1500)
    tgw = next(n for n in d.namespaces if n.name == names.ns_tgw(P, "hub"))
    rule = next(r for r in tgw.rules if r.iif == link.a_if)
    to_dc = next(r for r in tgw.routes if r.dst == "10.70.0.0/16" and r.table == rule.table)
    assert to_dc.table == rule.table and to_dc.dev == link.a_if and "propagated" in to_dc.reason
    site = next(n for n in d.namespaces if n.name == names.ns_site(P, "dc"))
    assert [r.dst for r in site.routes] == ["10.1.0.0/16"]  # the VPCs attached to hub
