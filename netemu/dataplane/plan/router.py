"""The VPC router namespace: a bridge per subnet owning base+1 (V14), the resolver address on
``lo`` (V15, V80), a kernel table per (route table, AZ) chosen by ``ip rule iif <bridge>``
(V18, V78), the edge table for traffic from a gateway or a peering (V54-V56, V69) or the IGW's
gateway route table (V27), the NACL ruleset (V31-V35) and the marking of what middleboxes
forward (V44). PURE.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from netemu.dataplane import names, nft
from netemu.dataplane.plan import routes as rt_routes
from netemu.dataplane.plan import wiring as w
from netemu.dataplane.plan.context import (
    EDGE_TABLE,
    FIRST_TABLE,
    GATEWAY_TABLE,
    ROUTER_SYSCTLS,
    RULE_PRIORITY,
    Context,
    plen,
    resolver_address,
    subnet,
    sysctls,
    v4,
)
from netemu.dataplane.plan.values import (
    Address,
    Bridge,
    KernelRoute,
    KernelRule,
    Namespace,
    by_ifname,
    by_table,
)
from netemu.vpc import addressing
from netemu.vpc import dns as vpc_dns
from netemu.vpc.model import Subnet, Vpc

# Rule priorities: subnets from RULE_PRIORITY, TGW attachments +300, gateways and peerings +500.
TGW_RULES, EDGE_RULES = 300, 500


@dataclass
class _Router:
    """What the router namespace accumulates while its parts are worked out."""

    families: tuple[int, ...]
    addresses: list[Address] = field(default_factory=list)
    routes: list[KernelRoute] = field(default_factory=list)
    rules: list[KernelRule] = field(default_factory=list)

    def rule(self, priority: int, iif: str, table: int, why: str) -> None:
        self.rules.extend(KernelRule(priority, iif, table, why, fam) for fam in self.families)


def router(ctx: Context, vpc: Vpc) -> tuple[Namespace, list[str]]:
    """The router namespace and the notes about what it cannot realise."""
    v6 = bool(vpc.ipv6_cidr_blocks)
    subnets = [s for s in vpc.subnets if v4(s.cidr)]
    r = _Router((4, 6) if v6 else (4,))
    r.addresses += _subnet_addresses(vpc, subnets, v6)
    r.addresses.append(Address("lo", f"{resolver_address(vpc)}/32"))
    # The resolver's other addresses (V80): 169.254.169.253, and fd00:ec2::253 with IPv6.
    r.addresses += [Address("lo", f"{a}/{128 if ':' in a else 32}")
                    for a in vpc_dns.resolver_addresses(vpc, resolver_address(vpc))[1:]]
    tables, notes = _subnet_tables(ctx, vpc, subnets, r)
    tgw_nacl = _tgw_attachments(ctx, vpc, tables, r)
    edges = _gateways(ctx, vpc, v6, r) + _peerings(ctx, vpc, r) + _vpns(ctx, vpc, r)
    _edge_table(vpc, subnets, v6, r)
    notes += _edge_rules(ctx, vpc, sorted(edges), r)
    bridges = {s.name: w.bridge(vpc.name, s.name) for s in vpc.subnets}
    ns = Namespace(
        name=names.ns_router(ctx.prefix, vpc.name),
        role="router",
        node=f"router:{vpc.name}",
        bridges=tuple(Bridge(w.bridge(vpc.name, s.name), s.name) for s in subnets),
        addresses=by_ifname(r.addresses),
        routes=by_table(r.routes),
        rules=tuple(sorted(r.rules, key=lambda k: (k.family, k.priority))),
        sysctls=sysctls(ROUTER_SYSCTLS, v6, forward=True),
        nft=nft.nacl_ruleset(vpc, bridges, tgw_nacl, _broadcasts(ctx, vpc))
        + _middleboxes(ctx, vpc),
    )
    return ns, notes


def _middleboxes(ctx: Context, vpc: Vpc) -> str:
    """The tables that carry "forwarded by a middlebox" (V44) when the topology has any instance
    with its source/destination check off: the bridge table marks what this VPC's middleboxes
    forward and gives marked packets the middlebox MAC on the bridges; the netdev table carries
    the mark over this router's peerings and TGW attachments. (Were the last middlebox removed,
    tables left by an earlier apply would mark nothing: an instance with the check on forwards
    nothing.)"""
    if not ctx.middleboxes_anywhere():
        return ""
    forwarders = [(w.eni_port(vpc.name, f"i:{i.name}"),
                   tuple(a for a in (i.private_ip, i.ipv6_address) if a))
                  for i in vpc.instances if not i.source_dest_check]
    links = [w.pcx_if(pc.name) for pc in ctx.wiring.peerings
             if vpc.name in (pc.requester, pc.accepter)]
    links += [t.ifname for t in ctx.wiring.tgw_links_of(vpc.name)]
    return nft.middlebox_ruleset(forwarders) + (nft.middlebox_links_ruleset(links) if links else "")



def _broadcasts(ctx: Context, vpc: Vpc) -> tuple[str, ...]:
    """The broadcast addresses of the subnets of this VPC and its peers (V16: never forwarded;
    the subnets of unrelated VPCs may overlap, so their broadcasts may be hosts here)."""
    peers = {pc.requester if pc.accepter == vpc.name else pc.accepter
             for pc in ctx.wiring.peerings if vpc.name in (pc.requester, pc.accepter)}
    return tuple(str(ipaddress.IPv4Network(s.cidr).broadcast_address)
                 for v in ctx.t.vpcs if v.name == vpc.name or v.name in peers
                 for s in v.subnets if v4(s.cidr))


def _subnet_addresses(vpc: Vpc, subnets: list[Subnet], v6: bool) -> list[Address]:
    """The VPC router's base+1 of every subnet, IPv4 and (dual stack) IPv6 (V14)."""
    out = [Address(w.bridge(vpc.name, s.name), f"{addressing.vpc_router(s.cidr)}/{plen(s.cidr)}")
           for s in subnets]
    out += [Address(w.bridge(vpc.name, s.name),
                    f"{addressing.vpc_router(s.ipv6_cidr)}/{plen(s.ipv6_cidr)}")
            for s in subnets if s.ipv6_cidr and v6]
    return out


def _subnet_tables(ctx: Context, vpc: Vpc, subnets: list[Subnet],
                   r: _Router) -> tuple[dict[tuple[str, str], int], list[str]]:
    """One kernel table per (route table, Availability Zone) in use: a route to a transit
    gateway leaves through the attachment subnet of the sender's AZ (V78). Each subnet's bridge
    selects its table (V18)."""
    pairs = sorted({(sub.route_table, sub.az) for sub in subnets})
    tables = {pair: FIRST_TABLE + i for i, pair in enumerate(pairs)}
    rts = {rt.name: rt for rt in vpc.route_tables}
    notes: list[str] = []
    for (rt_name, az), table in tables.items():
        r.routes += rt_routes.route_table(ctx, vpc, rts[rt_name], table, az)
        notes += rt_routes.notes(ctx, vpc, rts[rt_name])
    for i, s in enumerate(sorted(subnets, key=lambda s: s.name)):
        r.rule(RULE_PRIORITY + i, w.bridge(vpc.name, s.name), tables[(s.route_table, s.az)],
               f"subnet {s.name} uses route table {s.route_table} (V18)")
    return tables, notes


def _tgw_attachments(ctx: Context, vpc: Vpc, tables: dict[tuple[str, str], int],
                     r: _Router) -> list[tuple[str, str]]:
    """The router's end of each TGW attachment link. Traffic from the TGW is routed by the
    attachment subnet's route table; returns (interface, subnet) for the NACL ruleset."""
    tgw_nacl: list[tuple[str, str]] = []
    for j, t in enumerate(sorted(ctx.wiring.tgw_links)):
        if t.vpc != vpc.name:
            continue
        r.addresses.append(Address(t.ifname, f"{ctx.wiring.addr(t.id, 1)}/30"))
        sub = subnet(vpc, t.subnet)
        r.rules.append(KernelRule(RULE_PRIORITY + TGW_RULES + j, t.ifname,
                                  tables[(sub.route_table, sub.az)],
                                  f"from transit gateway {t.tgw}: sent from attachment subnet"
                                  f" {t.subnet}"))
        tgw_nacl.append((t.ifname, t.subnet))
    return tgw_nacl


def _gateways(ctx: Context, vpc: Vpc, v6: bool, r: _Router) -> list[str]:
    """The router's end of the IGW and egress-only IGW links; returns their interfaces."""
    edges = []
    for kind, present in (("igw", vpc.internet_gateway),
                          ("eigw", vpc.egress_only_internet_gateway)):
        if not present:
            continue
        ifn, lid = w.GATEWAY_IF[kind], w.gateway_link(kind, vpc.name)
        edges.append(ifn)
        r.addresses.append(Address(ifn, f"{ctx.wiring.addr(lid, 1)}/30"))
        if v6:
            r.addresses.append(Address(ifn, f"{ctx.wiring.addr6(lid, 1)}/112"))
    for host in w.vpce_hosts(ctx.t, vpc.name):  # gateway endpoints' links (V136)
        ifn, lid = w.vpce_if(host), w.vpce_link(vpc.name, host)
        edges.append(ifn)
        r.addresses.append(Address(ifn, f"{ctx.wiring.addr(lid, 1)}/30"))
    return edges


def _peerings(ctx: Context, vpc: Vpc, r: _Router) -> list[str]:
    """This VPC's end of each active peering (requester .1, accepter .2)."""
    edges = []
    for pc in ctx.wiring.peerings:
        if vpc.name not in (pc.requester, pc.accepter):
            continue
        ifn, lid = w.pcx_if(pc.name), w.pcx_link(pc.name)
        edges.append(ifn)
        mine = 1 if vpc.name == pc.requester else 2
        r.addresses.append(Address(ifn, f"{ctx.wiring.addr(lid, mine)}/30"))
        if ctx.pcx_v6(pc.name):
            r.addresses.append(Address(ifn, f"{ctx.wiring.addr6(lid, mine)}/112"))
    return edges


def _vpns(ctx: Context, vpc: Vpc, r: _Router) -> list[str]:
    """The VGW's end (.1) of each VPN connection that is up: like a gateway, what comes in
    reaches the VPC's subnets (vpn.py)."""
    edges = []
    for conn, v, _ in w.vpn_links(ctx.t):
        if v == vpc.name:
            ifn, lid = w.vpn_if(conn), w.vpn_link(conn)
            edges.append(ifn)
            r.addresses.append(Address(ifn, f"{ctx.wiring.addr(lid, 1)}/30"))
    return edges


def _edge_table(vpc: Vpc, subnets: list[Subnet], v6: bool, r: _Router) -> None:
    """From a gateway or a peering only the VPC's own subnets are reachable."""
    for fam in r.families:
        dflt = "0.0.0.0/0" if fam == 4 else "::/0"
        r.routes.append(KernelRoute(dflt, EDGE_TABLE, "blackhole",
                                    reason="edge: no transit through this VPC (V54, V55)"))
    for s in subnets:
        for c in (s.cidr, s.ipv6_cidr if v6 else None):
            if c:
                r.routes.append(KernelRoute(c, EDGE_TABLE, dev=w.bridge(vpc.name, s.name),
                                            reason=f"edge: deliver to subnet {s.name}"))


def _edge_rules(ctx: Context, vpc: Vpc, edges: list[str], r: _Router) -> list[str]:
    """Traffic in from a gateway or a peering uses the edge table; from the IGW, the gateway
    route table edge-associated with it when there is one (V27: local, or an appliance ENI),
    which like the edge table reaches nothing outside the VPC."""
    gateway_rt = ctx.ix.gateway_route_table(vpc.name) if vpc.internet_gateway else None
    notes: list[str] = []
    if gateway_rt is not None:
        r.routes += rt_routes.route_table(ctx, vpc, gateway_rt, GATEWAY_TABLE)
        notes += rt_routes.notes(ctx, vpc, gateway_rt)
    for j, ifn in enumerate(edges):
        if ifn == w.GATEWAY_IF["igw"] and gateway_rt is not None:
            r.rule(RULE_PRIORITY + EDGE_RULES + j, ifn, GATEWAY_TABLE,
                   f"traffic from the internet gateway follows gateway route table"
                   f" {gateway_rt.name} (V27)")
        else:
            r.rule(RULE_PRIORITY + EDGE_RULES + j, ifn, EDGE_TABLE,
                   "traffic from a gateway or peering reaches local subnets only (V54-V56)")
    return notes
