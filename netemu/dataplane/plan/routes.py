"""A VPC route table as kernel routes: one table of the router namespace per (route table,
Availability Zone), one route per destination, chosen by the target's kind (a table, not a
chain of conditions). PURE.

- ``local`` becomes the connected routes of the VPC's subnets inside the destination, plus a
  blackhole for the rest of it; a table without a default route drops silently, as AWS does.
- A route whose target the model calls unavailable (V26: blackhole, deleted gateway...) and a
  route the data plane cannot realise is a kernel ``blackhole``: a silent drop.
- A route to a transit gateway leaves through the attachment subnet of the sender's AZ, or is a
  blackhole when there is none (V78 TGW_ROUTE_AZ_RESTRICTION). IPv6 through a transit gateway is
  not realised (a blackhole, and a note).
"""

from __future__ import annotations

from collections.abc import Callable

from netemu.dataplane.plan import wiring as w
from netemu.dataplane.plan.context import Context, v4
from netemu.dataplane.plan.values import KernelRoute
from netemu.vpc import addressing, routing
from netemu.vpc.model import Route, RouteTable, Vpc


def route_table(ctx: Context, vpc: Vpc, rt: RouteTable, table: int,
                az: str | None = None) -> list[KernelRoute]:
    six_on = bool(vpc.ipv6_cidr_blocks)
    entries: dict[str, KernelRoute] = {
        d: KernelRoute(d, table, "blackhole", reason=f"{rt.name}: no route matches")
        for d in (("0.0.0.0/0", "::/0") if six_on else ("0.0.0.0/0",))
    }
    realised = [r for r in rt.routes if six_on or v4(r.destination)]
    for r in realised:
        if r.target.kind == "local":
            entries.update(_local(vpc, rt, r, table))
    # same prefix: static wins over prefix-list, which wins over propagated (V23): the
    # lower-ranked are written first and overwritten
    others = sorted((r for r in realised if r.target.kind != "local"),
                    key=lambda r: -routing.ORIGIN_RANK.get(r.origin, 0))
    for r in others:
        entries[r.destination] = route(ctx, vpc, rt, r, table, az)
    return list(entries.values())


def _local(vpc: Vpc, rt: RouteTable, r: Route, table: int) -> dict[str, KernelRoute]:
    out = {r.destination: KernelRoute(r.destination, table, "blackhole",
                                      reason=f"{rt.name}: local {r.destination}, no subnet")}
    for s in vpc.subnets:
        for c in (s.cidr, s.ipv6_cidr):
            if c and addressing.within(c, r.destination):
                out[c] = KernelRoute(c, table, dev=w.bridge(vpc.name, s.name),
                                     reason=f"{rt.name}: local -> subnet {s.name}")
    return out


def route(ctx: Context, vpc: Vpc, rt: RouteTable, r: Route, table: int,
          az: str | None = None) -> KernelRoute:
    why = f"{rt.name}: {r.destination} -> {r.target}"
    blackhole = KernelRoute(r.destination, table, "blackhole", reason=f"{why}: blackhole (V26)")
    if not ctx.ix.target_available(vpc.name, r.target):  # the model decides (V26)
        return blackhole
    realise = _BY_TARGET.get(r.target.kind)
    out = realise(_Hop(ctx, vpc, r, table, az, why)) if realise else None
    return out or blackhole


def notes(ctx: Context, vpc: Vpc, rt: RouteTable) -> list[str]:
    """What a route table asks for that the data plane does not realise."""
    if not vpc.ipv6_cidr_blocks:
        return []
    return [f"{vpc.name}/{rt.name}: {r.destination} -> {r.target}: IPv6 through a TGW not realised"
            for r in rt.routes
            if r.target.kind == "transit_gateway" and not v4(r.destination)
            and ctx.ix.target_available(vpc.name, r.target)]


class _Hop:
    """One route being realised: where it is and what it says."""

    __slots__ = ("az", "ctx", "r", "six", "table", "vpc", "why")

    def __init__(self, ctx: Context, vpc: Vpc, r: Route, table: int, az: str | None,
                 why: str) -> None:
        self.ctx, self.vpc, self.r, self.table, self.az, self.why = ctx, vpc, r, table, az, why
        self.six = not v4(r.destination)

    @property
    def name(self) -> str:
        return self.r.target.name or ""

    def via(self, via: str, dev: str, why: str | None = None) -> KernelRoute:
        return KernelRoute(self.r.destination, self.table, via=via, dev=dev,
                           reason=why or self.why)

    def transit(self, link: str, end: int) -> str:
        return (self.ctx.wiring.addr6 if self.six else self.ctx.wiring.addr)(link, end)


def _gateway(kind: str) -> Callable[[_Hop], KernelRoute | None]:
    def realise(h: _Hop) -> KernelRoute | None:
        if kind == "eigw" and not h.six:
            return None
        return h.via(h.transit(w.gateway_link(kind, h.vpc.name), 2), w.GATEWAY_IF[kind])
    return realise


def _nat_gateway(h: _Hop) -> KernelRoute | None:
    if h.six:
        return None
    nat = h.ctx.ix.nat_gateways[(h.vpc.name, h.name)]
    return h.via(nat.private_ip, w.bridge(h.vpc.name, nat.subnet))


def _instance(h: _Hop) -> KernelRoute | None:
    inst = h.ctx.ix.instances[h.name]
    via = inst.ipv6_address if h.six else inst.private_ip
    return h.via(via, w.bridge(h.vpc.name, inst.subnet)) if via else None


def _peering(h: _Hop) -> KernelRoute | None:
    if h.six and not h.ctx.pcx_v6(h.name):
        return None
    pc = h.ctx.ix.peerings[h.name]
    other = 2 if h.vpc.name == pc.requester else 1
    return h.via(h.transit(w.pcx_link(pc.name), other), w.pcx_if(pc.name))


def _transit_gateway(h: _Hop) -> KernelRoute | None:
    if h.six or h.az is None:
        return None  # IPv6: not realised (see ``notes``)
    # V78: through the attachment's subnet in the source subnet's Availability Zone.
    att = h.ctx.ix.attachment(h.name, h.vpc.name)
    sn = h.ctx.ix.attachment_subnet(h.name, h.vpc.name, h.az)
    if att is None or sn is None:
        return KernelRoute(h.r.destination, h.table, "blackhole", reason=f"{h.why}: no attachment"
                           f" subnet in {h.az} (V78 TGW_ROUTE_AZ_RESTRICTION)")
    return h.via(h.ctx.wiring.addr(w.tgw_link(h.name, att.name, sn), 2),
                 w.tgw_if(h.name, att.name, sn), f"{h.why} via attachment {att.name} in {h.az}")


def _vpc_endpoint(h: _Hop) -> KernelRoute | None:
    """Straight to the service host over the endpoint's link (V136)."""
    if h.six:
        return None
    ep = h.ctx.ix.endpoints[(h.vpc.name, h.name)]
    link = w.vpce_link(h.vpc.name, ep.host)
    return h.via(h.ctx.wiring.addr(link, 2), w.vpce_if(ep.host),
                 f"{h.why} (gateway endpoint, prefix list {ep.prefix_list.id})")


def _vpn_gateway(h: _Hop) -> KernelRoute | None:
    """Over the link of the VPN connection that carries the destination (vpn.py)."""
    if h.six:
        return None
    conn = next((c for c in h.ctx.t.vpn.connections if c.vpn_gateway == h.name and c.up
                 and h.r.destination in c.routes), None)
    if conn is None:
        return None
    link = w.vpn_link(conn.name)
    return h.via(h.ctx.wiring.addr(link, 2), w.vpn_if(conn.name),
                 f"{h.why} ({h.r.origin}, VPN connection {conn.name})")


_BY_TARGET: dict[str, Callable[[_Hop], KernelRoute | None]] = {
    "vpn_gateway": _vpn_gateway,
    "vpc_endpoint": _vpc_endpoint,
    "internet_gateway": _gateway("igw"),
    "egress_only_internet_gateway": _gateway("eigw"),
    "nat_gateway": _nat_gateway,
    "instance": _instance,
    "peering": _peering,
    "transit_gateway": _transit_gateway,
}
