"""Lookup tables over a loaded Topology, built once per topology and shared by every trace.

The topology is never mutated; the index only adds ways to find things quickly: ENIs by address
(private, public, IPv6), security-group membership by private address (V44), route tables,
NACLs and subnets by name, peerings, transit gateways and internet hosts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from netemu.vpc import addressing
from netemu.vpc.addressing import canonical_address, contains
from netemu.vpc.gateway_endpoints import GatewayEndpoint
from netemu.vpc.model import (
    GroupRef,
    Instance,
    InternetHost,
    NatGateway,
    NetworkAcl,
    Peering,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Subnet,
    TgwAttachment,
    Topology,
    TransitGateway,
    Vpc,
)


@dataclass(frozen=True, slots=True)
class Eni:
    """A network interface: an instance's, a NAT gateway's, or a transit gateway attachment's
    (``tgw_attachment``, no address of its own)."""

    kind: str  # "instance" | "nat_gateway" | "tgw_attachment"
    name: str
    vpc: str
    subnet: str
    private_ip: str | None
    eni_id: str
    public_ip: str | None = None
    ipv6: str | None = None
    security_groups: tuple[str, ...] = ()
    source_dest_check: bool = True
    auto_public_ip: bool = False  # public_ip was assigned at launch (V17)
    secondary: tuple[str, ...] = ()  # secondary private IPv4 addresses (V164)
    owner: str = ""  # the instance this ENI belongs to (its own name for a primary ENI, V165)

    def addresses(self) -> tuple[str, ...]:
        return tuple(a for a in (self.private_ip, self.ipv6, *self.secondary) if a)

    def label(self) -> str:
        return f"{self.name} ({self.private_ip or self.ipv6})"


@dataclass(slots=True)
class Index:
    topology: Topology
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[tuple[str, str], Subnet] = field(default_factory=dict)
    route_tables: dict[tuple[str, str], RouteTable] = field(default_factory=dict)
    nacls: dict[tuple[str, str], NetworkAcl] = field(default_factory=dict)
    groups: dict[tuple[str, str], SecurityGroup] = field(default_factory=dict)
    nat_gateways: dict[tuple[str, str], NatGateway] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    enis_by_name: dict[tuple[str, str], Eni] = field(default_factory=dict)
    by_private: dict[str, Eni] = field(default_factory=dict)  # private IPv4 and IPv6
    by_public: dict[str, Eni] = field(default_factory=dict)
    members: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    peerings: dict[str, Peering] = field(default_factory=dict)
    tgws: dict[str, TransitGateway] = field(default_factory=dict)
    hosts_by_name: dict[str, InternetHost] = field(default_factory=dict)
    hosts_by_ip: dict[str, InternetHost] = field(default_factory=dict)
    endpoints: dict[tuple[str, str], GatewayEndpoint] = field(default_factory=dict)

    # --- queries -----------------------------------------------------------------------------
    def out_eni(self, eni: Eni, dst: str) -> Eni:
        """The ENI an instance forwarding to ``dst`` sends from (V167): the one of its ENIs whose
        subnet holds ``dst`` (the OS's connected route), else its primary (the default route)."""
        if eni.kind != "instance":
            return eni
        mine = [e for e in self.enis_by_name.values()
                if e.kind == "instance" and e.vpc == eni.vpc and e.owner == eni.owner]
        if len(mine) < 2:
            return eni
        for e in mine:
            if self.subnet_contains(self.subnets[(e.vpc, e.subnet)], dst):
                return e
        return next((e for e in mine if e.name == eni.owner), eni)

    def eni_in_vpc(self, vpc: str, ip: str) -> Eni | None:
        eni = self.by_private.get(ip)
        return eni if eni is not None and eni.vpc == vpc else None

    def in_vpc(self, vpc: str, ip: str) -> bool:
        v = self.vpcs[vpc]
        return any(contains(c, ip) for c in v.cidr_blocks + v.ipv6_cidr_blocks)

    def vpc_of_address(self, ip: str) -> str | None:
        for v in self.vpcs.values():
            if self.in_vpc(v.name, ip):
                return v.name
        return None

    def subnet_contains(self, subnet: Subnet, ip: str) -> bool:
        return contains(subnet.cidr, ip) or (
            subnet.ipv6_cidr is not None and contains(subnet.ipv6_cidr, ip)
        )

    def member_ips(self, ref: GroupRef) -> frozenset[str]:
        return self.members.get((ref.vpc, ref.name), frozenset())

    def groups_of(self, eni: Eni) -> tuple[SecurityGroup, ...]:
        return tuple(self.groups[(eni.vpc, g)] for g in eni.security_groups)

    def attachment(self, tgw: str, vpc: str) -> TgwAttachment | None:
        t = self.tgws.get(tgw)
        if t is None:
            return None
        for att in t.attachments:
            if att.vpc == vpc:
                return att
        return None

    def connected(self, a: str, b: str) -> bool:
        """VPCs ``a`` and ``b`` are joined by an active peering or attached to one transit
        gateway or to two peered ones (V175) (else an unreachable path between them is
        DISCONNECTED_VPCS, V94)."""
        if any(p.status == "active" and {p.requester, p.accepter} == {a, b}
               for p in self.peerings.values()):
            return True
        on = {t.name: {att.vpc for att in t.attachments} for t in self.tgws.values()}
        return any(a in on[t.name] and (b in on[t.name] or any(
            b in on.get(pa.peer, set()) for pa in t.peerings)) for t in self.tgws.values())

    def gateway_route_table(self, vpc: str) -> RouteTable | None:
        """The route table edge-associated with the VPC's internet gateway (V27): it routes the
        traffic coming in from the internet; None when traffic goes by the local route."""
        return next((t for t in self.vpcs[vpc].route_tables
                     if "internet_gateway" in t.edge_associations), None)

    def attachment_subnet(self, tgw: str, vpc: str, az: str) -> str | None:
        """The subnet of ``vpc``'s attachment to ``tgw`` in Availability Zone ``az``: traffic
        from that zone reaches the transit gateway through it, and none when there is no such
        subnet (V78, ``TGW_ROUTE_AZ_RESTRICTION``)."""
        att = self.attachment(tgw, vpc)
        if att is None:
            return None
        return next((s for s in att.subnets if self.subnets[(vpc, s)].az == az), None)

    def target_available(self, vpc: str, target: RouteTarget) -> bool:
        """False when the route's target is gone: the route is in state blackhole (V26)."""
        check = _AVAILABLE.get(target.kind)
        return check is not None and check(self, vpc, target.name or "")


def _peering_active(ix: Index, vpc: str, name: str) -> bool:
    p = ix.peerings.get(name)
    return p is not None and p.status == "active" and vpc in (p.requester, p.accepter)


def _instance_in(ix: Index, vpc: str, name: str) -> bool:
    inst = ix.instances.get(name)
    return inst is not None and inst.vpc == vpc


# Route target kind -> is a target of that kind (named ``name``) available to VPC ``vpc``?
# "blackhole" (and any unknown kind) never is (V26).
_AVAILABLE: dict[str, Callable[[Index, str, str], bool]] = {
    "local": lambda ix, vpc, name: True,
    "internet_gateway": lambda ix, vpc, name: ix.vpcs[vpc].internet_gateway,
    "egress_only_internet_gateway": lambda ix, vpc, name: ix.vpcs[vpc].egress_only_internet_gateway,
    "nat_gateway": lambda ix, vpc, name: (vpc, name) in ix.nat_gateways,
    "instance": _instance_in,
    "peering": _peering_active,
    "transit_gateway": lambda ix, vpc, name: ix.attachment(name, vpc) is not None,
    "vpc_endpoint": lambda ix, vpc, name: (vpc, name) in ix.endpoints,
    "vpn_gateway": lambda ix, vpc, name: any(
        g.name == name and g.vpc == vpc for g in ix.topology.vpn.gateways),
}


def build(topology: Topology) -> Index:
    ix = Index(topology)
    members: dict[tuple[str, str], set[str]] = {}
    for v in topology.vpcs:
        _index_vpc(ix, v, members)
    ix.members = {k: frozenset(s) for k, s in members.items()}
    for p in topology.peerings:
        ix.peerings[p.name] = p
    for t in topology.transit_gateways:
        ix.tgws[t.name] = t
    for h in topology.internet_hosts:
        ix.hosts_by_name[h.name] = h
        ix.hosts_by_ip[canonical_address(h.ip)] = h
    for ep in topology.gateway_endpoints:
        ix.endpoints[(ep.vpc, ep.name)] = ep
    return ix


def _index_vpc(ix: Index, v: Vpc, members: dict[tuple[str, str], set[str]]) -> None:
    ix.vpcs[v.name] = v
    for s in v.subnets:
        ix.subnets[(v.name, s.name)] = s
    for r in v.route_tables:
        ix.route_tables[(v.name, r.name)] = r
    for a in v.network_acls:
        ix.nacls[(v.name, a.name)] = a
    for g in v.security_groups:
        ix.groups[(v.name, g.name)] = g
        members.setdefault((v.name, g.name), set())
    for n in v.nat_gateways:
        ix.nat_gateways[(v.name, n.name)] = n
        _add_eni(ix, Eni(
            "nat_gateway", n.name, v.name, n.subnet, canonical_address(n.private_ip),
            n.eni_id or addressing.eni_id(v.name, n.name, nat_gateway=True),
            public_ip=canonical_address(n.public_ip) if n.public_ip else None,
        ))
    for i in v.instances:
        ix.instances[i.name] = i
        eni = Eni(
            "instance", i.name, v.name, i.subnet, canonical_address(i.private_ip),
            i.eni_id or addressing.eni_id(v.name, i.name),
            public_ip=canonical_address(i.public_ip) if i.public_ip else None,
            ipv6=canonical_address(i.ipv6_address) if i.ipv6_address else None,
            security_groups=i.security_groups,
            source_dest_check=i.source_dest_check,
            auto_public_ip=i.auto_public_ip,
            secondary=tuple(canonical_address(a) for a in i.secondary_private_ips),
            owner=i.attached_to or i.name,
        )
        _add_eni(ix, eni)
        for group in i.security_groups:
            members.setdefault((v.name, group), set()).update(eni.addresses())


def _add_eni(ix: Index, eni: Eni) -> None:
    ix.enis_by_name[(eni.vpc, eni.name)] = eni
    for ip in eni.addresses():
        ix.by_private[ip] = eni
    if eni.public_ip:
        ix.by_public[eni.public_ip] = eni


_CACHE: dict[tuple[str, str], tuple[Topology, Index]] = {}
_CACHE_SIZE = 8


def index_of(topology: Topology) -> Index:
    """The index of ``topology``, built on first use and kept for the next traces. Kept under
    the topology's stable name (its source file and account), never ``id()``: a reload of an
    unchanged file reuses the index; a topology whose content changed gets a new one."""
    key = (topology.source or "<topology>", topology.account_id)
    hit = _CACHE.get(key)
    if hit is not None and (hit[0] is topology or hit[0] == topology):
        if hit[0] is not topology:
            _CACHE[key] = (topology, hit[1])
        return hit[1]
    ix = build(topology)
    if key not in _CACHE and len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (topology, ix)
    return ix
