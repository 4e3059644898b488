"""Pass 3 of the topology loader: validated drafts -> the frozen model (``model.py``), with
everything AWS makes implicitly made explicit: local routes, the main route table, the default
NACL and SG, resolved associations, allocated private addresses, auto-assigned public IPv4
addresses (V17), ENI ids, propagated transit-gateway routes, blackhole routes (V26), stale SG
references (V45)."""

from __future__ import annotations

from collections.abc import Callable

from netemu.vpc import addressing
from netemu.vpc.draft import (
    DInstance,
    DNaclRule,
    DNat,
    DRouteTable,
    DSecurityGroup,
    DSgRule,
    DSubnet,
    DTgw,
    DTopology,
    DVpc,
)
from netemu.vpc.model import (
    GroupRef,
    Instance,
    InternetHost,
    NaclRule,
    NatGateway,
    NetworkAcl,
    Peering,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SgRule,
    Subnet,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    Topology,
    TransitGateway,
    Vpc,
)
from netemu.vpc.validate import peering_between, tgw_sg_referencing

__all__ = ["build"]

ALL_V4, ALL_V6 = "0.0.0.0/0", "::/0"


def _blackholed(v: DVpc, topo: DTopology, target: RouteTarget) -> bool:
    """Is the target unavailable (V26)? Validation already made sure it exists."""
    gone = _GONE.get(target.kind)
    return gone is not None and gone(v, topo, target.name or "")


# Route target kind -> is the target named so unavailable, leaving its routes blackholed (V26)?
# local and transit gateway targets never are.
_GONE: dict[str, Callable[[DVpc, DTopology, str], bool]] = {
    "internet_gateway": lambda v, topo, name: not v.igw_attached(),
    "egress_only_internet_gateway": lambda v, topo, name: not v.eigw_attached(),
    "nat_gateway": lambda v, topo, name: any(
        n.name == name and not n.live for n in v.nat_gateways),
    "instance": lambda v, topo, name: any(
        i.name == name and not i.live for i in v.instances),
    "peering": lambda v, topo, name: any(
        p.name == name and p.status != "active" for p in topo.peerings),
}


def _route_tables(v: DVpc, topo: DTopology) -> tuple[RouteTable, ...]:
    blocks = v.cidrs()
    tables: list[DRouteTable] = list(v.route_tables)
    if not any(rt.main for rt in tables):
        tables.insert(0, DRouteTable("main", v.path, True))
    out = []
    for rt in tables:
        local = {b: Route(b, RouteTarget("local"), "CreateRouteTable") for b in blocks}
        extra: list[Route] = []
        for r in rt.routes:
            if r.destination in local:
                if r.target.kind in ("nat_gateway", "instance"):  # V20: local target replaced
                    local[r.destination] = Route(r.destination, r.target, "CreateRouteTable")
                continue
            if _blackholed(v, topo, r.target):
                extra.append(Route(r.destination, RouteTarget("blackhole"), "CreateRoute",
                                   unavailable_target=r.target))
            else:
                extra.append(Route(r.destination, r.target))
        out.append(RouteTable(rt.name, v.name, tuple(local.values()) + tuple(extra), rt.main,
                              tuple(rt.edge_associations)))
    return tuple(out)


def _nacls(v: DVpc) -> tuple[NetworkAcl, ...]:
    def rules(rs: list[DNaclRule]) -> tuple[NaclRule, ...]:
        built = [NaclRule(r.number, r.protocol, r.cidr, r.action, r.ports, r.icmp) for r in rs]
        return tuple(sorted(built, key=lambda r: r.number))

    default_rules = (NaclRule(100, -1, ALL_V4, "allow"),) + (
        (NaclRule(101, -1, ALL_V6, "allow"),) if v.ipv6_cidr_blocks else ())
    out = []
    declared = {n.name: n for n in v.network_acls}
    if "default" in declared:
        d = declared["default"]
        out.append(NetworkAcl("default", v.name, rules(d.inbound), rules(d.outbound), True))
    else:
        out.append(NetworkAcl("default", v.name, default_rules, default_rules, True))
    out.extend(NetworkAcl(n.name, v.name, rules(n.inbound), rules(n.outbound))
               for n in v.network_acls if n.name != "default")
    return tuple(out)


def _all_out(v: DVpc) -> tuple[SgRule, ...]:
    return (SgRule(-1, cidr=ALL_V4),) + ((SgRule(-1, cidr=ALL_V6),) if v.ipv6_cidr_blocks else ())


def _security_groups(v: DVpc, topo: DTopology) -> tuple[SecurityGroup, ...]:
    def rule(r: DSgRule) -> SgRule:
        group = None
        stale = False
        if r.group is not None:
            gvpc = r.group[0] or v.name
            group = GroupRef(gvpc, r.group[1])
            if gvpc != v.name:
                p = peering_between(topo, v.name, gvpc)
                # V45: referenced across a peering that was deleted -> the rule is stale
                stale = (p is not None and p.status == "deleted"
                         and not tgw_sg_referencing(topo, v.name, gvpc))
        return SgRule(r.protocol, r.ports, r.cidr, group, r.icmp, r.description, stale=stale)

    def build(sg: DSecurityGroup, default: bool) -> SecurityGroup:
        egress = _all_out(v) if sg.egress is None else tuple(rule(r) for r in sg.egress)
        return SecurityGroup(sg.name, v.name, tuple(rule(r) for r in sg.ingress), egress, default)

    declared = {s.name: s for s in v.security_groups}
    if "default" in declared:
        first = build(declared["default"], True)
    else:
        first = SecurityGroup("default", v.name, (SgRule(-1, group=GroupRef(v.name, "default")),),
                              _all_out(v), True)
    return (first,) + tuple(build(s, False) for s in v.security_groups if s.name != "default")


def _addresses(v: DVpc) -> dict[tuple[str, str], str]:
    """(kind, name) -> private IP, explicit or allocated ascending from the free ones."""
    taken: dict[str, set[str]] = {s.name: set() for s in v.subnets}
    out: dict[tuple[str, str], str] = {}
    parts: list[tuple[str, DNat | DInstance]] = [
        ("nat" if isinstance(p, DNat) else "instance", p) for p in v.live_parts()]
    for kind, p in parts:
        if p.private_ip is not None:
            out[(kind, p.name)] = p.private_ip
            taken.setdefault(p.subnet, set()).add(p.private_ip)
        if isinstance(p, DInstance):  # V164: secondary addresses are not allocated again
            taken.setdefault(p.subnet, set()).update(p.secondary_private_ips)
    cidr_of = {s.name: _cidr(s) for s in v.subnets}
    waiting: dict[str, list[tuple[str, str]]] = {}
    for kind, p in parts:
        if p.private_ip is None:
            waiting.setdefault(p.subnet, []).append((kind, p.name))
    for subnet, keys in waiting.items():  # validation made sure there is room
        got = addressing.allocate(cidr_of[subnet], taken[subnet], len(keys))
        out.update(zip(keys, got, strict=True))
    return out


def _cidr(s: DSubnet) -> str:
    """A subnet's CIDR: the file's was unreadable only when validation refused the file."""
    if s.cidr is None:
        raise ValueError(f"{s.path}: build() needs a validated topology")
    return s.cidr


def _maps_public_ip(s: DSubnet) -> bool:
    """V17: the subnet's MapPublicIpOnLaunch: as the file says, else true for a default subnet."""
    return s.default_for_az if s.map_public_ip_on_launch is None else s.map_public_ip_on_launch


def _auto_public_ips(topo: DTopology) -> dict[str, dict[str, str]]:
    """VPC -> instance -> the public IPv4 address assigned at launch (V17): to the running
    instances without a public_ip whose ``associate_public_ip_address`` (else their subnet's
    ``map_public_ip_on_launch``) is true, in file order, from addressing.AUTO_PUBLIC_IPV4_POOL,
    skipping every public, internet-host and VPC address of the file."""
    taken: set[str] = {h.ip for h in topo.hosts}
    for v in topo.vpcs:
        taken.update(p.public_ip for p in v.all_parts() if p.public_ip)
    blocks = [c.cidr for v in topo.vpcs for c in v.cidr_blocks]
    out: dict[str, dict[str, str]] = {}
    for v in topo.vpcs:
        maps = {s.name: _maps_public_ip(s) for s in v.subnets}
        for i in v.live_instances():
            wanted = i.associate_public_ip_address
            if wanted is None:
                wanted = maps.get(i.subnet, False)
            if not wanted or i.public_ip is not None or i.state == "stopped":  # V163
                continue
            ip = addressing.auto_public_ipv4(v.name, i.name, taken)
            while any(addressing.contains(b, ip) for b in blocks):
                taken.add(ip)
                ip = addressing.auto_public_ipv4(v.name, i.name, taken)
            taken.add(ip)
            out.setdefault(v.name, {})[i.name] = ip
    return out


def build(topo: DTopology, source: str) -> Topology:
    auto_public = _auto_public_ips(topo)
    return Topology(
        topo.region, tuple(_vpc(v, topo, auto_public.get(v.name, {})) for v in topo.vpcs),
        tuple(Peering(p.name, p.requester, p.accepter, p.status) for p in topo.peerings),
        tuple(InternetHost(h.name, h.ip) for h in topo.hosts),
        tuple(_transit_gateway(t, topo) for t in topo.transit_gateways), topo.account_id,
        source, tuple(sorted(topo.quotas.items())))


def _vpc(v: DVpc, topo: DTopology, public: dict[str, str]) -> Vpc:
    """One VPC; ``public``: its instances' auto-assigned public IPv4 addresses (V17)."""
    tables = _route_tables(v, topo)
    main = next(rt.name for rt in tables if rt.main)
    subnets = tuple(Subnet(s.name, v.name, _cidr(s), s.az, s.route_table or main,
                           s.network_acl or "default", s.ipv6_cidr,
                           _maps_public_ip(s), s.default_for_az) for s in v.subnets)
    ips = _addresses(v)
    nats = tuple(NatGateway(n.name, v.name, n.subnet, ips[("nat", n.name)], n.public_ip,
                            n.connectivity,
                            eni_id=addressing.eni_id(v.name, n.name, nat_gateway=True))
                 for n in v.live_nat_gateways())
    instances = tuple(
        Instance(i.name, v.name, i.subnet, ips[("instance", i.name)],
                 tuple(i.security_groups or ("default",)), i.public_ip or public.get(i.name),
                 i.ipv6_address, i.source_dest_check, addressing.eni_id(v.name, i.name),
                 auto_public_ip=i.name in public,
                 secondary_private_ips=tuple(i.secondary_private_ips), state=i.state)
        for i in v.live_instances())
    return Vpc(
        v.name, v.region, tuple(c.cidr for c in v.cidr_blocks), subnets, tables, _nacls(v),
        _security_groups(v, topo), nats, instances, tuple(c.cidr for c in v.ipv6_cidr_blocks),
        v.igw_attached(), v.eigw_attached(), v.enable_dns_support, v.enable_dns_hostnames,
        v.default)


def _transit_gateway(t: DTgw, topo: DTopology) -> TransitGateway:
    """A transit gateway, with the routes its attachments propagate (V74, V76)."""
    by_name = {v.name: v for v in topo.vpcs}
    tables: list[TgwRouteTable] = []
    for rt in t.route_tables:
        routes = [TgwRoute(r.destination, r.attachment, r.blackhole) for r in rt.routes]
        for a in t.attachments:
            if rt.name in a.propagations:
                routes.extend(TgwRoute(c, a.name, origin="propagated")
                              for c in by_name[a.vpc].cidrs())
        tables.append(TgwRouteTable(rt.name, tuple(routes)))
    atts = tuple(TgwAttachment(a.name, a.vpc, tuple(a.subnets), a.association,
                               tuple(a.propagations), a.appliance_mode,
                               a.security_group_referencing) for a in t.attachments)
    return TransitGateway(t.name, tuple(tables), atts)
