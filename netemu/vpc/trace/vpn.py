"""The trace through a Site-to-Site VPN (``netemu.vpc.vpn``): from an on-premises host into a
VPC through its virtual private gateway, and out of a VPC by a route to the VGW (V150-V153)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netemu.vpc import mtu
from netemu.vpc.packets import Packet
from netemu.vpc.trace import gateways
from netemu.vpc.vpn import VPN_MTU, VpnConnection

if TYPE_CHECKING:
    from netemu.vpc.trace.walk import Walk


def _how(c: VpnConnection) -> str:
    if c.routing == "bgp":
        return f"VPN connection {c.name} (BGP: site {c.site} advertises {', '.join(c.routes)})"
    return f"VPN connection {c.name} (static routes {', '.join(c.routes)})"


def _down(w: Walk, c: VpnConnection, p: Packet) -> None:
    if not c.up:
        w.drop("vpn-connection", c.name,
               f"VPN connection {c.name} is down: its tunnels carry no traffic and its routes "
               "are withdrawn (V152)", p, "VPN_CONNECTION_DOWN",
               change=f"bring VPN connection {c.name} up (status: up)")


def from_site(w: Walk, site: str, p: Packet) -> None:
    """A host of ``site`` sends ``p`` towards a VPC: customer gateway, VPN, VGW, the VPC."""
    cfg = w.ix.topology.vpn
    vpc = w.ix.vpc_of_address(p.dst)
    if vpc is None:
        w.drop("on-premises", site, f"{p.dst} is in no VPC reached from site {site}", p)
    vgw = cfg.gateway_of(vpc)
    c = cfg.connection_for(vgw.name, site) if vgw is not None else None
    if c is None:
        t = next((x for x in cfg.connections if x.site == site and x.transit_gateway), None)
        if t is not None:
            _site_to_tgw(w, site, t, p)
            return
    if vgw is None or c is None:
        w.drop("on-premises", site, f"site {site} has no VPN connection to a virtual private "
               f"gateway of VPC {vpc}", p, "NO_PATH",
               change=f"connect site {site} to a VGW attached to {vpc} (V150)")
    assert vgw is not None and c is not None
    w.note("customer-gateway", site, f"customer gateway of site {site} sends it into {_how(c)}",
           p)
    _down(w, c, p)
    w.check_mtu(VPN_MTU, "vpn-connection", c.name, p)
    w.note("vpn-connection", c.name, f"carried by {_how(c)} to virtual private gateway "
           f"{vgw.name} (MTU {VPN_MTU})", p)
    eni = w.ix.eni_in_vpc(vpc, p.dst)
    if eni is None:
        w.drop("vpn-gateway", vgw.name, f"no network interface in VPC {vpc} has {p.dst}", p)
    assert eni is not None
    w.note("vpn-gateway", vgw.name, f"virtual private gateway {vgw.name} delivers it into VPC "
           f"{vpc} by the local route", p)
    w.arrive(eni, p, from_subnet=None)


def _site_to_tgw(w: Walk, site: str, c: VpnConnection, p: Packet) -> None:
    """Into a transit gateway through its VPN attachment (named like the connection)."""
    tgw = c.transit_gateway or ""
    w.note("customer-gateway", site, f"customer gateway of site {site} sends it into {_how(c)}",
           p)
    _down(w, c, p)
    w.check_mtu(VPN_MTU, "vpn-connection", c.name, p)
    w.note("transit-gateway-attachment", c.name, f"carried by {_how(c)} into transit gateway "
           f"{tgw} (a VPN attachment, MTU {VPN_MTU})", p)
    if c.association is None:
        w.drop("transit-gateway-attachment", c.name,
               f"VPN attachment {c.name} is associated with no route table", p,
               "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")
    assert c.association is not None
    gateways.tgw_route(w, tgw, c.association, p, None, True)


def tgw_to_site(w: Walk, tgw: str, c: VpnConnection, p: Packet) -> None:
    """A transit gateway route sends ``p`` to VPN attachment ``c``."""
    site = next(s for s in w.ix.topology.vpn.sites if s.name == c.site)
    w.note("transit-gateway-attachment", c.name,
           f"leaves transit gateway {tgw} into {_how(c)}", p)
    _down(w, c, p)
    w.check_mtu(VPN_MTU, "vpn-connection", c.name, p)
    _deliver(w, site.name, p)


def _deliver(w: Walk, site: str, p: Packet) -> None:
    host = w.ix.topology.vpn.host(p.dst)
    if host is None or host.site != site:
        w.drop("on-premises", site, f"no host of site {site} has the address {p.dst}", p)
    assert host is not None
    w.note("on-premises", site, f"delivered to {host.name} in on-premises site {site} by its "
           "customer gateway", p)
    w.delivered = p


def to_site(w: Walk, vpc: str, vgw: str, p: Packet) -> None:
    """A route of ``vpc`` sends ``p`` to virtual private gateway ``vgw``."""
    cfg = w.ix.topology.vpn
    site = cfg.site_of(p.dst)
    # the VGW's connection whose routes (static, or learnt by BGP) hold the destination
    c = next((x for x in cfg.connections if x.vpn_gateway == vgw
              and any(_within(p.dst, r) for r in x.routes)), None)
    if site is None or c is None:
        w.drop("vpn-gateway", vgw, f"virtual private gateway {vgw} has no VPN connection to a "
               f"site holding {p.dst}", p, "NO_PATH")
    assert site is not None and c is not None
    w.note("vpn-gateway", vgw, f"virtual private gateway {vgw} sends it into {_how(c)}", p)
    _down(w, c, p)
    w.check_mtu(mtu.hop_mtu("vpn_gateway"), "vpn-connection", c.name, p)
    _deliver(w, site.name, p)


def _within(addr: str, cidr: str) -> bool:
    import ipaddress

    return ipaddress.ip_address(addr) in ipaddress.ip_network(cidr)
