"""Namespaces between the VPCs and the world: the internet gateway (1:1 NAT of public IPv4
addresses and the V64-V66 checks, IPv6 routed and filtered), the egress-only internet gateway
(V73), the transit gateways (V74-V78) and the emulated internet. PURE.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from netemu.dataplane import names, nft
from netemu.dataplane.plan import wiring as w
from netemu.dataplane.plan.context import (
    EDGE_TABLE,
    FIRST_TABLE,
    FORWARDER_SYSCTLS,
    RULE_PRIORITY,
    Context,
    subnet,
    sysctls,
    v4,
)
from netemu.dataplane.plan.values import (
    Address,
    KernelRoute,
    KernelRule,
    Namespace,
    by_ifname,
    by_table,
)
from netemu.vpc import appliance, routing
from netemu.vpc.model import TgwRoute, TgwRouteTable, TransitGateway, Vpc

# priorities of the flow-hash rules, before the plain ones (RULE_PRIORITY): room for 998
FLOW_RULES = 1


def gateway(ctx: Context, vpc: Vpc, kind: str) -> Namespace:
    """The internet gateway (``kind`` igw) or the egress-only internet gateway (eigw): ``vpc0``
    faces the VPC router, ``inet0`` the internet."""
    v6 = bool(vpc.ipv6_cidr_blocks)
    wg = ctx.wiring
    up, down = w.gateway_link(kind, vpc.name), w.internet_link(kind, vpc.name)
    addresses = [Address(w.TO_INTERNET, f"{wg.addr(down, 2)}/30"),
                 Address(w.TO_VPC, f"{wg.addr(up, 2)}/30")]
    routes = []
    if kind == "igw":
        routes += [KernelRoute(c, via=wg.addr(up, 1), dev=w.TO_VPC, reason=f"VPC CIDR {c}")
                   for c in vpc.cidr_blocks if v4(c)]
        routes.append(KernelRoute("0.0.0.0/0", via=wg.addr(down, 1), dev=w.TO_INTERNET,
                                  reason="the internet"))
    if v6:
        addresses += [Address(w.TO_INTERNET, f"{wg.addr6(down, 2)}/112"),
                      Address(w.TO_VPC, f"{wg.addr6(up, 2)}/112")]
        routes += [KernelRoute(c, via=wg.addr6(up, 1), dev=w.TO_VPC, reason=f"VPC IPv6 CIDR {c}")
                   for c in vpc.ipv6_cidr_blocks]
        routes.append(KernelRoute("::/0", via=wg.addr6(down, 1), dev=w.TO_INTERNET,
                                  reason="the IPv6 internet"))
    if kind == "igw":
        v6_enis = sorted({i.ipv6_address for i in vpc.instances if i.ipv6_address})
        text = nft.igw_ruleset(ctx.public_map(vpc))
        text += nft.igw6_ruleset(vpc.ipv6_cidr_blocks, v6_enis) if v6 else ""
    else:
        text = nft.eigw_ruleset(vpc.ipv6_cidr_blocks)
    return Namespace(
        name=w.gateway_ns(ctx.prefix, kind, vpc.name), role=kind, node=f"{kind}:{vpc.name}",
        addresses=by_ifname(addresses), routes=by_table(routes),
        sysctls=sysctls(FORWARDER_SYSCTLS, v6, forward=True), nft=text,
    )


def transit_gateway(ctx: Context, tgw: TransitGateway) -> Namespace:
    """One namespace per transit gateway: a veth per (attachment, subnet) to the VPC router,
    one kernel table per (TGW route table, zone the packet entered in, flow-hash value)
    chosen by the entering link's association (V74-V77): a VPC attachment is left through its
    subnet in that zone, or in appliance mode through the subnet the flow's hash chose (V78;
    the hash is a conntrack mark, so both directions of a flow agree)."""
    mine = [t for t in ctx.wiring.tgw_links if t.tgw == tgw.name]
    az_of = {(t.vpc, t.subnet): subnet(_vpc(ctx, t.vpc), t.subnet).az for t in mine}
    mod = appliance.modulus(tgw)
    zones: list[str | None] = [*sorted({az_of[(t.vpc, t.subnet)] for t in mine}), None]
    variants = [(az, k) for az in zones for k in range(mod + 1)]
    tables = {(rt.name, az, k): FIRST_TABLE + i for i, (rt, (az, k)) in enumerate(
        (rt, v) for rt in sorted(tgw.route_tables, key=lambda r: r.name) for v in variants)}
    addresses = [Address(t.ifname, f"{ctx.wiring.addr(t.id, 2)}/30") for t in mine]
    links = {(t.attachment, t.subnet): t for t in mine}
    by_name = {a.name: a for a in tgw.attachments}

    def link_for(attachment: str, az: str | None, k: int) -> w.TgwLink | None:
        att = by_name.get(attachment)
        if att is None or not att.subnets:
            return None
        if att.appliance_mode and mod and k:
            sn = appliance.subnet_for_hash(att, k)
        else:
            sn = appliance.same_zone_subnet(
                att, az, {s: az_of.get((att.vpc, s), "") for s in att.subnets})
        return links.get((attachment, sn))

    # VPN attachments (vpn.py): the TGW is end a (.1) of the link to the site
    vpns = {c: (w.vpn_link(c), w.vpn_if(c)) for c, t, _ in w.vpn_links(ctx.t, "tgw")
            if t == tgw.name}
    addresses += [Address(ifn, f"{ctx.wiring.addr(lid, 1)}/30") for lid, ifn in vpns.values()]
    # peering attachments (V175): a veth to the peer TGW; the route goes to the other end
    peers = {pl.name: (pl.id, pl.ifname(tgw.name), 3 - pl.end(tgw.name))
             for pl in w.tgw_peering_links(ctx.t) if tgw.name in (pl.a, pl.b)}
    addresses += [Address(ifn, f"{ctx.wiring.addr(lid, 3 - other)}/30")
                  for lid, ifn, other in peers.values()]
    vpns.update({n: (lid, ifn) for n, (lid, ifn, _) in peers.items()})
    far = {n: other for n, (_, _, other) in peers.items()}
    routes = [r for rt in tgw.route_tables for az, k in variants
              for r in _tgw_table(ctx, rt, tables[(rt.name, az, k)],
                                  functools.partial(link_for, az=az, k=k), vpns, far)]
    routes.append(KernelRoute("0.0.0.0/0", EDGE_TABLE, "blackhole",
                              reason="attachment without association"
                              " (TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION)"))
    conns = {c.name: c for c in ctx.t.vpn.connections}
    # (priority, entering link, association, zone entered in, what) of each way in
    entries: list[tuple[int, str, str | None, str | None, str]] = [
        (RULE_PRIORITY + j, t.ifname, by_name[t.attachment].association,
         az_of[(t.vpc, t.subnet)], f"attachment {t.attachment}")
        for j, t in enumerate(sorted(ctx.wiring.tgw_links)) if t.tgw == tgw.name]
    assoc_of = {c: conns[c].association for c in conns} | {
        pa.name: pa.association for pa in tgw.peerings}
    entries += [(RULE_PRIORITY + len(ctx.wiring.tgw_links) + j, ifn, assoc_of[c], None,
                 f"{'peering' if c in far else 'VPN'} attachment {c}")
                for j, (c, (_, ifn)) in enumerate(sorted(vpns.items()))]
    rules = []
    for i, (prio, ifn, assoc, az, who) in enumerate(entries):
        why = f"{who} is associated with {assoc}" + (f", entered in {az}" if az else "")
        rules.append(KernelRule(prio, ifn, tables.get((assoc or "", az, 0), EDGE_TABLE), why))
        rules += [KernelRule(FLOW_RULES + i * mod + k - 1, ifn,
                             tables.get((assoc or "", az, k), EDGE_TABLE),
                             f"{why}, flow hash {k} (appliance mode, V78)",
                             fwmark=(nft.flow_mark(k), nft.FLOW_MARK_MASK))
                  for k in range(1, mod + 1)]
    text = nft.tgw_flow_ruleset(mod) if mod else ""
    if mine and ctx.middleboxes_anywhere():  # V44: what a middlebox forwarded stays marked
        text += nft.middlebox_links_ruleset([t.ifname for t in mine])
    return Namespace(
        name=names.ns_tgw(ctx.prefix, tgw.name), role="tgw", node=f"tgw:{tgw.name}",
        addresses=by_ifname(addresses), routes=by_table(routes),
        rules=tuple(sorted(rules, key=lambda r: r.priority)), sysctls=FORWARDER_SYSCTLS,
        nft=text,
    )


def _vpc(ctx: Context, name: str) -> Vpc:
    return next(v for v in ctx.t.vpcs if v.name == name)


def _tgw_table(ctx: Context, rt: TgwRouteTable, table: int,
               link_for: Callable[[str], w.TgwLink | None],
               vpns: dict[str, tuple[str, str]], far: dict[str, int]) -> list[KernelRoute]:
    """One TGW route table: per prefix, static before propagated (V75-V77, the model's
    ``routing.best_match``); a VPC attachment is reached through the link ``link_for``
    chooses (V78); ``vpns``: (link, interface) of each VPN and peering attachment, whose far
    end is .2 (a site) or ``far[name]`` (the peer TGW)."""
    entries = {"0.0.0.0/0": KernelRoute("0.0.0.0/0", table, "blackhole",
                                        reason=f"{rt.name}: no route matches")}
    for dst in sorted({r.destination for r in rt.routes if v4(r.destination)}):
        same = tuple(r for r in rt.routes if r.destination == dst)
        win = routing.best_match(same, str(ipaddress.IPv4Network(dst).network_address))
        assert isinstance(win, TgwRoute)
        why = f"{rt.name}: {dst} -> {win.attachment or 'blackhole'} ({win.origin})"
        vpn = vpns.get(win.attachment or "")
        to = None if win.blackhole or vpn is not None else link_for(win.attachment or "")
        if vpn is not None and not win.blackhole:  # to a site over its VPN attachment
            entries[dst] = KernelRoute(dst, table, via=ctx.wiring.addr(vpn[0], far.get(
                win.attachment or "", 2)), dev=vpn[1], reason=why)
        elif win.blackhole or to is None:
            entries[dst] = KernelRoute(dst, table, "blackhole", reason=f"{why} (V77)")
        else:
            entries[dst] = KernelRoute(dst, table, via=ctx.wiring.addr(to.id, 1), dev=to.ifname,
                                       reason=f"{why} via subnet {to.subnet}")
    return list(entries.values())


def internet(ctx: Context, any_v6: bool) -> Namespace:
    """The emulated internet: each public /32 routed to its VPC's IGW, each host to its
    namespace, IPv6 CIDRs to the VPC's gateway; everything else a blackhole."""
    addresses: list[Address] = []
    routes = [KernelRoute("0.0.0.0/0", kind="blackhole",
                          reason="no route on the emulated internet")]
    if any_v6:
        routes.append(KernelRoute("::/0", kind="blackhole",
                                  reason="no route on the emulated internet"))
    for vpc in ctx.t.vpcs:
        for kind, present in (("igw", vpc.internet_gateway),
                              ("eigw", vpc.egress_only_internet_gateway)):
            if present:
                _to_gateway(ctx, vpc, kind, addresses, routes)
    for h in ctx.t.internet_hosts:
        ifn, link = w.host_if(h.name), w.host_link(h.name)
        addresses.append(Address(ifn, f"{ctx.wiring.addr(link, 1)}/30"))
        if v4(h.ip):
            routes.append(KernelRoute(f"{h.ip}/32", via=ctx.wiring.addr(link, 2), dev=ifn,
                                      reason=f"internet host {h.name}"))
        else:
            addresses.append(Address(ifn, f"{ctx.wiring.addr6(link, 1)}/112"))
            routes.append(KernelRoute(f"{h.ip}/128", via=ctx.wiring.addr6(link, 2), dev=ifn,
                                      reason=f"internet host {h.name}"))
    return Namespace(
        name=names.ns_internet(ctx.prefix), role="internet", node="inet:router",
        addresses=by_ifname(addresses), routes=by_table(routes),
        sysctls=sysctls(FORWARDER_SYSCTLS, any_v6, forward=True),
    )


def _to_gateway(ctx: Context, vpc: Vpc, kind: str, addresses: list[Address],
                routes: list[KernelRoute]) -> None:
    """The internet's end of a gateway link: public /32s towards the IGW; IPv6 in through the
    two-way IGW when there is one (the egress-only IGW lets nothing in)."""
    ifn, link = w.internet_if(kind, vpc.name), w.internet_link(kind, vpc.name)
    addresses.append(Address(ifn, f"{ctx.wiring.addr(link, 1)}/30"))
    if kind == "igw":
        routes += [KernelRoute(f"{pub}/32", via=ctx.wiring.addr(link, 2), dev=ifn,
                               reason=f"public address of VPC {vpc.name}")
                   for pub in sorted(ctx.public_map(vpc))]
    if vpc.ipv6_cidr_blocks:
        addresses.append(Address(ifn, f"{ctx.wiring.addr6(link, 1)}/112"))
        if kind == "igw" or not vpc.internet_gateway:
            routes += [KernelRoute(c, via=ctx.wiring.addr6(link, 2), dev=ifn,
                                   reason=f"IPv6 CIDR of VPC {vpc.name}")
                       for c in vpc.ipv6_cidr_blocks]
