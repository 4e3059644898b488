"""Every veth pair of a topology, decided in one place before any namespace is built: its id,
its two ends (namespace, interface, bridge) and, for point-to-point links, its transit
addresses. Builders read the wiring; none of them adds a link. PURE.

Link ids (the state file's keys, so never renamed):

| id | a end | b end |
| --- | --- | --- |
| ``eni:VPC/i:NAME``, ``eni:VPC/n:NAME`` | router: a port of the subnet's bridge | ``eth0`` |
| ``igw:VPC``, ``eigw:VPC`` | router ``igw0`` / ``eigw0`` | gateway ``vpc0`` |
| ``inet:VPC``, ``einet:VPC`` | internet | gateway ``inet0`` |
| ``pcx:NAME`` | requester's router | accepter's router |
| ``tgw:TGW/ATTACHMENT/SUBNET`` | VPC router | transit gateway |
| ``host:NAME`` | internet | host ``eth0`` |
| ``vpn:CONNECTION`` | the VGW's VPC router, or the TGW | site (a VPN that is up) |

Each link has the MTU of the hop it stands for, from ``netemu.vpc.mtu`` (V39, V60): 9001 for an
ENI and a peering in one Region, 1500 towards and on the internet and across Regions, 8500 to a
transit gateway. Every link but an ENI's takes a /30 from ``names.TRANSIT_POOL`` (end a = .1,
end b = .2) and its IPv6 twin, a /112 in fd00:6e65:6d75::/48 (ULA, never routed).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netemu.dataplane import names
from netemu.dataplane.plan.values import Link
from netemu.vpc import mtu
from netemu.vpc.model import Peering, RouteTarget, Topology, Vpc

V6_TRANSIT = ipaddress.IPv6Address("fd00:6e65:6d75::")

# Fixed interface names inside gateway, instance and host namespaces.
ETH = "eth0"
TO_VPC = "vpc0"
TO_INTERNET = "inet0"
GATEWAY_IF = {"igw": "igw0", "eigw": "eigw0"}  # the router's end of a gateway link


def eni_link(vpc: str, what: str) -> str:
    return f"eni:{vpc}/{what}"


def eni_port(vpc: str, what: str) -> str:
    """The router's end of an ENI's link: a port of its subnet's bridge (``what``: i:NAME,
    n:NAME)."""
    return names.ifname("v", vpc, what)


def gateway_link(kind: str, vpc: str) -> str:
    """``igw:VPC`` / ``eigw:VPC``: router to gateway."""
    return f"{kind}:{vpc}"


def internet_link(kind: str, vpc: str) -> str:
    """``inet:VPC`` / ``einet:VPC``: the internet to the gateway of ``kind`` (igw | eigw)."""
    return ("inet" if kind == "igw" else "einet") + f":{vpc}"


def pcx_link(peering: str) -> str:
    return f"pcx:{peering}"


def tgw_link(tgw: str, attachment: str, subnet: str) -> str:
    return f"tgw:{tgw}/{attachment}/{subnet}"


def host_link(host: str) -> str:
    return f"host:{host}"


def vpce_link(vpc: str, host: str) -> str:
    """``vpce:VPC:HOST``: a gateway endpoint's path from the VPC router straight to the service
    host (V136: no internet gateway or NAT on the way)."""
    return f"vpce:{vpc}:{host}"


def vpce_if(host: str) -> str:
    """The router's end of a gateway endpoint link."""
    return names.ifname("e", host)


def vpce_host_if(vpc: str) -> str:
    """The service host's end of a gateway endpoint link."""
    return names.ifname("v", vpc)


def vpce_hosts(topology: Topology, vpc: str) -> list[str]:
    """The service hosts a VPC's gateway endpoints lead to."""
    return sorted({ep.host for ep in topology.gateway_endpoints if ep.vpc == vpc})


def vpn_link(connection: str) -> str:
    """``vpn:CONNECTION``: a Site-to-Site VPN that is up, as a plain veth from the VGW's VPC
    router to the site (no IPsec), MTU 1500."""
    return f"vpn:{connection}"


def vpn_if(connection: str) -> str:
    return names.ifname("p", connection)


def vpn_links(topology: Topology, kind: str = "vpc") -> list[tuple[str, str, str]]:
    """(connection, VPC or TGW, site) of every VPN connection realised: up, to a VGW of a VPC
    here (``kind`` vpc) or to a transit gateway here (``kind`` tgw)."""
    vpcs = {v.name for v in topology.vpcs}
    gws = {g.name: g.vpc for g in topology.vpn.gateways if g.vpc in vpcs}
    tgws = {t.name for t in topology.transit_gateways}
    sites = {x.name for x in topology.vpn.sites}
    if kind == "tgw":
        return sorted((c.name, c.transit_gateway, c.site) for c in topology.vpn.connections
                      if c.up and c.transit_gateway in tgws and c.site in sites)
    return sorted((c.name, gws[c.vpn_gateway], c.site) for c in topology.vpn.connections
                  if c.up and c.vpn_gateway in gws and c.site in sites)


def bridge(vpc: str, subnet: str) -> str:
    return names.ifname("b", vpc, subnet)


def pcx_if(peering: str) -> str:
    return names.ifname("x", peering)


def tgw_if(tgw: str, attachment: str, subnet: str) -> str:
    return names.ifname("t", tgw, attachment, subnet)


def internet_if(kind: str, vpc: str) -> str:
    """The internet namespace's end of a gateway's link."""
    return names.ifname("g" if kind == "igw" else "e", vpc)


def host_if(host: str) -> str:
    return names.ifname("h", host)


def gateway_ns(prefix: str, kind: str, vpc: str) -> str:
    return names.ns_igw(prefix, vpc) if kind == "igw" else names.ns_eigw(prefix, vpc)


@dataclass(frozen=True, slots=True, order=True)
class TgwPeeringLink:
    """One veth between two peered transit gateways (V175): ``a`` sorts before ``b``; end a
    is .1 of the /30. Only an available peering whose two transit gateways are here."""

    a: str
    b: str
    name: str

    @property
    def id(self) -> str:
        return f"tgwpcx:{self.a}/{self.b}/{self.name}"

    def ifname(self, tgw: str) -> str:
        return names.ifname("q", self.name, tgw)

    def end(self, tgw: str) -> int:
        return 1 if tgw == self.a else 2


def tgw_peering_links(topology: Topology) -> list[TgwPeeringLink]:
    here = {t.name for t in topology.transit_gateways}
    return sorted({TgwPeeringLink(min(t.name, pa.peer), max(t.name, pa.peer), pa.name)
                   for t in topology.transit_gateways for pa in t.peerings
                   if pa.state == "available" and pa.peer in here})


@dataclass(frozen=True, slots=True, order=True)
class TgwLink:
    """One veth between a transit gateway and a VPC router: (TGW, attachment, VPC, subnet)."""

    tgw: str
    attachment: str
    vpc: str
    subnet: str

    @property
    def id(self) -> str:
        return tgw_link(self.tgw, self.attachment, self.subnet)

    @property
    def ifname(self) -> str:
        return tgw_if(self.tgw, self.attachment, self.subnet)


@dataclass(frozen=True, slots=True)
class Wiring:
    links: tuple[Link, ...]
    peerings: tuple[Peering, ...]  # active, both VPCs in the topology
    tgw_links: tuple[TgwLink, ...]
    transit: dict[str, ipaddress.IPv4Network]

    def addr(self, link: str, n: int) -> str:
        """Address ``n`` of a link's transit /30 (1: end a, 2: end b)."""
        return str(self.transit[link][n])

    def addr6(self, link: str, n: int) -> str:
        """The IPv6 twin of a link's /30: a /112 in fd00:6e65:6d75::/48."""
        start = int(self.transit[link].network_address) - int(names.TRANSIT_POOL.network_address)
        return str(ipaddress.IPv6Network((int(V6_TRANSIT) + ((start // 4) << 16), 112))[n])

    def tgw_links_of(self, vpc: str) -> list[TgwLink]:
        return [t for t in self.tgw_links if t.vpc == vpc]


def wire(topology: Topology, prefix: str) -> Wiring:
    vpcs = {v.name: v for v in topology.vpcs}
    peerings = tuple(pc for pc in topology.peerings if pc.status == "active"
                     and pc.requester in vpcs and pc.accepter in vpcs)
    tgw_links = tuple(
        TgwLink(tgw.name, att.name, att.vpc, sn)
        for tgw in topology.transit_gateways for att in tgw.attachments if att.vpc in vpcs
        for sn in att.subnets
        if any(x.name == sn and ":" not in x.cidr for x in vpcs[att.vpc].subnets)
    )
    links = [lk for vpc in topology.vpcs for lk in _vpc_links(vpc, prefix)]
    links += [Link(vpce_link(vpc.name, h), names.ns_router(prefix, vpc.name), vpce_if(h),
                   names.ns_host(prefix, h), vpce_host_if(vpc.name),
                   mtu=mtu.hop_mtu("vpc_endpoint"))
              for vpc in topology.vpcs for h in vpce_hosts(topology, vpc.name)]
    links += [Link(pcx_link(pc.name), names.ns_router(prefix, pc.requester), pcx_if(pc.name),
                   names.ns_router(prefix, pc.accepter), pcx_if(pc.name),
                   mtu=mtu.target_mtu(topology, pc.requester, RouteTarget("peering", pc.name)))
              for pc in peerings]
    links += [Link(t.id, names.ns_router(prefix, t.vpc), t.ifname, names.ns_tgw(prefix, t.tgw),
                   t.ifname, mtu=mtu.hop_mtu("transit_gateway")) for t in tgw_links]
    links += [Link(host_link(h.name), names.ns_internet(prefix), host_if(h.name),
                   names.ns_host(prefix, h.name), ETH, mtu=mtu.hop_mtu("internet"))
              for h in topology.internet_hosts]
    links += [Link(vpn_link(c), names.ns_router(prefix, vpc), vpn_if(c),
                   names.ns_site(prefix, site), vpn_if(c), mtu=mtu.hop_mtu("vpn_gateway"))
              for c, vpc, site in vpn_links(topology)]
    links += [Link(vpn_link(c), names.ns_tgw(prefix, tgw), vpn_if(c), names.ns_site(prefix, site),
                   vpn_if(c), mtu=mtu.hop_mtu("vpn_gateway"))
              for c, tgw, site in vpn_links(topology, "tgw")]
    links += [Link(pl.id, names.ns_tgw(prefix, pl.a), pl.ifname(pl.a), names.ns_tgw(prefix, pl.b),
                   pl.ifname(pl.b), mtu=mtu.hop_mtu("transit_gateway"))
              for pl in tgw_peering_links(topology)]
    transit = names.transit_slots([lk.id for lk in links if not lk.id.startswith("eni:")])
    return Wiring(tuple(sorted(links, key=lambda lk: lk.id)), peerings, tgw_links, transit)


def _vpc_links(vpc: Vpc, prefix: str) -> list[Link]:
    """A VPC's ENIs on their subnets' bridges and its gateways (router side, internet side)."""
    router = names.ns_router(prefix, vpc.name)
    subnets = {s.name for s in vpc.subnets}
    # a secondary ENI (V165) is eth<device index> in its instance's namespace
    enis = [(f"i:{i.name}", i.subnet,
             names.ns_instance(prefix, vpc.name, i.attached_to or i.name), f"eth{i.device_index}")
            for i in vpc.instances]
    enis += [(f"n:{n.name}", n.subnet, names.ns_nat(prefix, vpc.name, n.name), ETH)
             for n in vpc.nat_gateways]
    links = []
    for what, subnet, ns, ifname in enis:
        if subnet not in subnets:
            raise KeyError(f"vpc {vpc.name}: no subnet {subnet}")
        links.append(Link(eni_link(vpc.name, what), router, eni_port(vpc.name, what),
                          ns, ifname, a_master=bridge(vpc.name, subnet), mtu=mtu.VPC_MTU))
    for kind, present, target in (
            ("igw", vpc.internet_gateway, "internet_gateway"),
            ("eigw", vpc.egress_only_internet_gateway, "egress_only_internet_gateway")):
        if present:
            gw = gateway_ns(prefix, kind, vpc.name)
            links.append(Link(gateway_link(kind, vpc.name), router, GATEWAY_IF[kind], gw, TO_VPC,
                              mtu=mtu.hop_mtu(target)))
            links.append(Link(internet_link(kind, vpc.name), names.ns_internet(prefix),
                              internet_if(kind, vpc.name), gw, TO_INTERNET,
                              mtu=mtu.hop_mtu("internet")))
    return links
