"""The desired data plane for a topology: which namespaces, bridges, veth pairs, addresses,
routes, policy rules, sysctls and nftables rulesets realise it. PURE: model in, sorted value out.

Realisation (one fact per line; the AWS item it reproduces in brackets):

- Each VPC has a *router* namespace holding one Linux bridge per subnet. The router owns the
  subnet's base+1 address on that bridge (the VPC router, V14) and the primary CIDR's base+2 on
  ``lo`` (the resolver address, V15/V80; served by the VPC DNS work).
- Each instance, NAT gateway and internet host is a namespace. Instances and NAT gateways hang
  off their subnet's bridge with a veth (``eth0``), hold only their private address (V65) and a
  default route via base+1.
- One kernel table per route table in the router namespace, chosen by ``ip rule iif <subnet
  bridge>`` (V18). Longest-prefix match is the kernel's (V22). A ``local`` route becomes the
  connected routes of the VPC's subnets plus a blackhole for the rest of the CIDR; blackhole
  routes and routes to absent targets are kernel blackholes (V26); a table with no default route
  drops silently, as AWS does.
- Traffic entering the router from the IGW or a peering is looked up in an *edge* table that
  only reaches the VPC's own subnets: peering is not transitive and there is no edge-to-edge
  routing (V54-V56, V69). From the IGW, the gateway route table edge-associated with it takes
  the edge table's place when there is one (V27: local or an appliance ENI).
- NACLs: nftables in the router namespace on the forward hook, outbound chain of the source
  subnet keyed on the ingress bridge, inbound chain of the destination subnet keyed on the egress
  bridge, stateless (V31-V34). Same-subnet traffic is bridged and never reaches them (V35;
  ``bridge-nf-call-iptables=0`` there).
- Security groups: nftables in each instance namespace, conntrack-stateful (V40-V48).
- IGW: a namespace between the router and the shared internet namespace doing 1:1 NAT of public
  addresses and the V66 checks. NAT gateway: SNAT to its private address with ports remapped
  into 1024-65535, forward only for sources in its VPC, nothing initiated from outside (V68-V70);
  its public address is then the IGW's 1:1 NAT like any ENI's.
- IPv6 (dual stack): subnets' /64 on the same bridges (router at base+1), instances' IPv6
  addresses, IPv6 routes in the same kernel tables, NACL and SG rules for both families in
  ``inet`` tables; the IGW routes IPv6 untranslated (in only to ENI addresses), the egress-only
  IGW is a namespace that lets replies in and nothing new (V73). No DAD, no autoconfiguration.
- Transit gateway: a namespace per TGW with a veth per (attachment, attachment subnet) to the
  VPC router and a kernel table per TGW route table; in the VPC a TGW route leaves through the
  attachment subnet of the sender's AZ (tables are per route table *and* AZ, V78); traffic from
  the TGW is routed by the attachment subnet's route table.
- Not realised: IPv6 through a transit gateway (its IPv6 routes are blackholes, with a note).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import asdict, dataclass, field, replace

from netemu.dataplane import names, nft
from netemu.vpc import addressing, routing
from netemu.vpc import dns as vpc_dns
from netemu.vpc.index import index_of
from netemu.vpc.model import (
    Instance,
    NatGateway,
    Route,
    RouteTable,
    Subnet,
    TgwRoute,
    Topology,
    TransitGateway,
    Vpc,
)

EDGE_TABLE = 999
GATEWAY_TABLE = 998  # the IGW's gateway route table (V27), when the VPC has one
FIRST_TABLE = 1000
RULE_PRIORITY = 1000


@dataclass(frozen=True, slots=True)
class Address:
    ifname: str
    cidr: str  # "10.0.1.1/24"


@dataclass(frozen=True, slots=True)
class KernelRoute:
    dst: str
    table: int = 254  # main
    kind: str = "unicast"  # unicast | blackhole
    via: str | None = None
    dev: str | None = None
    src: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class KernelRule:
    priority: int
    iif: str
    table: int
    reason: str = ""
    family: int = 4


@dataclass(frozen=True, slots=True)
class Bridge:
    ifname: str
    subnet: str


@dataclass(frozen=True, slots=True)
class Namespace:
    """One namespace and everything configured inside it. ``node`` is the name users give to
    ``netemu exec`` (``vpc/instance``, a host name, ``router:vpc``...)."""

    name: str
    role: str  # router | instance | nat | igw | internet | host
    node: str
    bridges: tuple[Bridge, ...] = ()
    addresses: tuple[Address, ...] = ()
    routes: tuple[KernelRoute, ...] = ()
    rules: tuple[KernelRule, ...] = ()
    sysctls: tuple[tuple[str, str], ...] = ()
    nft: str = ""
    resolver: str | None = None
    up: tuple[str, ...] = ()  # every interface of the namespace but lo: bridges and veth ends
    resolv_conf: str | None = None  # the node's DHCP options as resolv.conf (search, nameservers)

    def batch(self) -> str:
        """The ``ip -batch`` script that configures this namespace when it is new: interfaces
        up, addresses, routes (direct before via), rules."""
        lines = ["link set dev lo up"] + [f"link set dev {i} up" for i in self.up]
        lines += [f"address add {a.cidr} dev {a.ifname}" + (" nodad" if ":" in a.cidr else "")
                  for a in self.addresses]
        for r in sorted(self.routes, key=lambda r: (r.via is not None, r.table, r.dst)):
            if r.kind == "blackhole":
                lines.append(f"route add blackhole {r.dst} table {r.table} proto static")
                continue
            words = ["route add", r.dst]
            if r.via is not None:
                words.append(f"via {r.via}")
            if r.dev is not None:
                words.append(f"dev {r.dev}")
            if r.via is None:
                words.append("scope link")
            if r.src is not None:
                words.append(f"src {r.src}")
            words.append(f"table {r.table} proto static")
            lines.append(" ".join(words))
        lines += [f"rule add priority {r.priority} iif {r.iif} table {r.table}" for r in self.rules if r.family == 4]
        return "\n".join(lines) + "\n"

    def batch6(self) -> str:
        """The IPv6 policy rules (``ip -6 -batch``: a batch line cannot choose the family)."""
        return "".join(f"rule add priority {r.priority} iif {r.iif} table {r.table}\n"
                       for r in self.rules if r.family == 6)

    def structure(self) -> str:
        """Fingerprint of what needs the namespace recreated when it changes (role, bridges)."""
        return _fingerprint([self.role, [asdict(b) for b in self.bridges]])

    def config(self) -> str:
        """Fingerprint of what is reconciled in place (addresses, routes, rules, nft, sysctls)."""
        return _fingerprint(
            [
                [asdict(a) for a in self.addresses],
                [asdict(r) for r in self.routes],
                [asdict(r) for r in self.rules],
                list(self.sysctls),
                self.nft,
                self.resolver,
                self.resolv_conf,
            ]
        )


@dataclass(frozen=True, slots=True)
class Link:
    """A veth pair: end ``a`` in namespace ``a_ns`` (optionally enslaved to bridge ``a_master``),
    end ``b`` in ``b_ns``."""

    id: str
    a_ns: str
    a_if: str
    b_ns: str
    b_if: str
    a_master: str | None = None
    b_master: str | None = None

    def fingerprint(self) -> str:
        return _fingerprint(asdict(self))


@dataclass(frozen=True, slots=True)
class Desired:
    topology: str
    prefix: str
    namespaces: tuple[Namespace, ...]
    links: tuple[Link, ...]
    notes: tuple[str, ...] = field(default=())

    def namespace(self, name: str) -> Namespace:
        for n in self.namespaces:
            if n.name == name:
                return n
        raise KeyError(name)


def _fingerprint(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _v4(cidr: str) -> bool:
    return ":" not in cidr


def _plen(net: str) -> int:
    return ipaddress.ip_network(net).prefixlen


V6_TRANSIT = ipaddress.IPv6Address("fd00:6e65:6d75::")


def _sysctls(base: tuple[tuple[str, str], ...], v6: bool, forward: bool = False) -> tuple[tuple[str, str], ...]:
    """IPv6 stays off in a namespace that does not need it; where it is on, no autoconfiguration
    and no router advertisements (addresses and routes are all explicit)."""
    if not v6:
        return base
    out = tuple(kv for kv in base if not kv[0].endswith("disable_ipv6"))
    out += (("net.ipv6.conf.all.disable_ipv6", "0"), ("net.ipv6.conf.default.disable_ipv6", "0"),
            ("net.ipv6.conf.all.accept_ra", "0"), ("net.ipv6.conf.default.accept_ra", "0"),
            ("net.ipv6.conf.all.autoconf", "0"), ("net.ipv6.conf.default.autoconf", "0"),
            ("net.ipv6.conf.all.accept_redirects", "0"),
            ("net.ipv6.conf.all.accept_dad", "0"), ("net.ipv6.conf.default.accept_dad", "0"))
    if forward:
        out += (("net.ipv6.conf.all.forwarding", "1"),)
    return out


def resolver_address(vpc: Vpc) -> str:
    """Primary CIDR base + 2 (V15, V80)."""
    return addressing.dns_server(vpc.cidr_blocks[0])


INSTANCE_SYSCTLS = (
    ("net.ipv6.conf.all.disable_ipv6", "1"),
    ("net.ipv6.conf.default.disable_ipv6", "1"),
    ("net.ipv4.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.default.accept_redirects", "0"),
)
# V49, V97: AWS tracks UDP "streams" for 180 s (the kernel's default is 120 s).
CONNTRACK_SYSCTLS = (("net.netfilter.nf_conntrack_udp_timeout_stream", "180"),)
# V71: a NAT gateway forgets an idle connection after 350 s.
NAT_SYSCTLS = (("net.netfilter.nf_conntrack_tcp_timeout_established", "350"),)
FORWARDER_SYSCTLS = INSTANCE_SYSCTLS + (
    ("net.ipv4.ip_forward", "1"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.default.send_redirects", "0"),
)
ROUTER_SYSCTLS = FORWARDER_SYSCTLS + (
    # V35: same-subnet (bridged) traffic must not reach the NACL chains.
    ("net.bridge.bridge-nf-call-iptables", "0"),
    ("net.bridge.bridge-nf-call-ip6tables", "0"),
    ("net.bridge.bridge-nf-call-arptables", "0"),
)


def build(topology: Topology, prefix: str = names.PREFIX) -> Desired:
    """The desired data plane for ``topology`` (IPv4)."""
    names.check_prefix(prefix)
    b = _Builder(topology, prefix)
    return b.build()


class _Builder:
    def __init__(self, topology: Topology, prefix: str) -> None:
        self.notes: list[str] = []
        self.t = topology
        self.ix = index_of(topology)
        self.p = prefix
        self.links: list[Link] = []
        active = [pc for pc in topology.peerings if pc.status == "active"]
        vpc_names = {v.name for v in topology.vpcs}
        self.peerings = [pc for pc in active if pc.requester in vpc_names and pc.accepter in vpc_names]
        link_ids = [f"igw:{v.name}" for v in topology.vpcs if v.internet_gateway]
        link_ids += [f"inet:{v.name}" for v in topology.vpcs if v.internet_gateway]
        link_ids += [f"pcx:{pc.name}" for pc in self.peerings]
        vpcs = {v.name: v for v in topology.vpcs}
        self.tgw_links: list[tuple[str, str, str, str]] = []  # (tgw, attachment, vpc, subnet)
        for tgw in topology.transit_gateways:
            for att in tgw.attachments:
                if att.vpc not in vpcs:
                    continue
                for sn in att.subnets:
                    sub = next((x for x in vpcs[att.vpc].subnets if x.name == sn), None)
                    if sub is not None and _v4(sub.cidr):
                        self.tgw_links.append((tgw.name, att.name, att.vpc, sn))
        link_ids += [self.tgw_link_id(*t) for t in self.tgw_links]
        self.hosts = list(topology.internet_hosts)
        link_ids += [f"host:{h.name}" for h in self.hosts]
        link_ids += [f"eigw:{v.name}" for v in topology.vpcs if v.egress_only_internet_gateway]
        link_ids += [f"einet:{v.name}" for v in topology.vpcs if v.egress_only_internet_gateway]
        self.any_v6 = any(v.ipv6_cidr_blocks for v in topology.vpcs) or any(not _v4(h.ip) for h in self.hosts)
        self.transit = names.transit_slots(link_ids)

    @staticmethod
    def tgw_link_id(tgw: str, att: str, vpc: str, subnet: str) -> str:
        return f"tgw:{tgw}/{att}/{subnet}"

    def tgw_ifname(self, tgw: str, att: str, subnet: str) -> str:
        return names.ifname("t", tgw, att, subnet)

    def t_addr6(self, link: str, n: int) -> str:
        """The IPv6 twin of a link's /30: a /112 in fd00:6e65:6d75::/48 (ULA, never routed)."""
        slot = (int(self.transit[link].network_address) - int(names.TRANSIT_POOL.network_address)) // 4
        return str(ipaddress.IPv6Network((int(V6_TRANSIT) + (slot << 16), 112))[n])

    def t_addr(self, link: str, n: int) -> str:
        return str(self.transit[link][n])

    def build(self) -> Desired:
        spaces: list[Namespace] = []
        for vpc in self.t.vpcs:
            spaces.append(self.router(vpc))
            for inst in vpc.instances:
                spaces.append(self.instance(vpc, inst))
            for nat in vpc.nat_gateways:
                spaces.append(self.nat(vpc, nat))
            if vpc.internet_gateway:
                spaces.append(self.igw(vpc))
            if vpc.egress_only_internet_gateway:
                spaces.append(self.eigw(vpc))
        for tgw in self.t.transit_gateways:
            spaces.append(self.tgw(tgw))
        for h in self.hosts:
            spaces.append(self.host(h.name, h.ip))
        if any(v.internet_gateway or v.egress_only_internet_gateway for v in self.t.vpcs) or self.hosts:
            spaces.append(self.internet())
        ends: dict[str, set[str]] = {}
        for link in self.links:
            ends.setdefault(link.a_ns, set()).add(link.a_if)
            ends.setdefault(link.b_ns, set()).add(link.b_if)
        spaces = [replace(n, up=tuple(sorted(ends.get(n.name, set()) | {b.ifname for b in n.bridges})))
                  for n in spaces]
        return Desired(
            topology=self.t.source or "",
            prefix=self.p,
            namespaces=tuple(sorted(spaces, key=lambda n: n.name)),
            links=tuple(sorted(self.links, key=lambda link: link.id)),
            notes=tuple(self.notes),
        )

    # --- VPC router ------------------------------------------------------------------------

    def bridge(self, vpc: str, subnet: str) -> str:
        return names.ifname("b", vpc, subnet)

    def subnet(self, vpc: Vpc, name: str) -> Subnet:
        for s in vpc.subnets:
            if s.name == name:
                return s
        raise KeyError(f"vpc {vpc.name}: no subnet {name}")

    def router(self, vpc: Vpc) -> Namespace:
        ns = names.ns_router(self.p, vpc.name)
        v6 = bool(vpc.ipv6_cidr_blocks)
        subnets = [s for s in vpc.subnets if _v4(s.cidr)]
        bridges = tuple(Bridge(self.bridge(vpc.name, s.name), s.name) for s in subnets)
        addresses = [Address(self.bridge(vpc.name, s.name), f"{addressing.vpc_router(s.cidr)}/{_plen(s.cidr)}") for s in subnets]
        addresses += [Address(self.bridge(vpc.name, s.name), f"{addressing.vpc_router(s.ipv6_cidr)}/{_plen(s.ipv6_cidr)}")
                      for s in subnets if s.ipv6_cidr and v6]
        addresses.append(Address("lo", f"{resolver_address(vpc)}/32"))
        # The resolver's other addresses (V80): 169.254.169.253, and fd00:ec2::253 with IPv6.
        addresses += [Address("lo", f"{a}/{128 if ':' in a else 32}")
                      for a in vpc_dns.resolver_addresses(vpc, resolver_address(vpc))[1:]]
        routes: list[KernelRoute] = []
        rules: list[KernelRule] = []
        families = (4, 6) if v6 else (4,)

        def rule(priority: int, iif: str, table: int, why: str) -> None:
            rules.extend(KernelRule(priority, iif, table, why, fam) for fam in families)

        # One kernel table per (route table, Availability Zone) in use: a route to a transit
        # gateway leaves through the attachment subnet of the sender's AZ (V78).
        pairs = sorted({(sub.route_table, sub.az) for sub in subnets})
        tables = {pair: FIRST_TABLE + i for i, pair in enumerate(pairs)}
        rts = {rt.name: rt for rt in vpc.route_tables}
        for (rt_name, az), table in tables.items():
            routes += self.route_table(vpc, rts[rt_name], table, az)
        for i, s in enumerate(sorted(subnets, key=lambda s: s.name)):
            rule(RULE_PRIORITY + i, self.bridge(vpc.name, s.name), tables[(s.route_table, s.az)],
                 f"subnet {s.name} uses route table {s.route_table} (V18)")
        tgw_nacl: list[tuple[str, str]] = []
        for j, (tgw, att, avpc, sn) in enumerate(sorted(self.tgw_links)):
            if avpc != vpc.name:
                continue
            ifn = self.tgw_ifname(tgw, att, sn)
            lid = self.tgw_link_id(tgw, att, avpc, sn)
            addresses.append(Address(ifn, f"{self.t_addr(lid, 1)}/30"))
            self.links.append(Link(lid, ns, ifn, names.ns_tgw(self.p, tgw), ifn))
            sub = self.subnet(vpc, sn)
            rules.append(KernelRule(RULE_PRIORITY + 300 + j, ifn, tables[(sub.route_table, sub.az)],
                                    f"from transit gateway {tgw}: sent from attachment subnet {sn}"))
            tgw_nacl.append((ifn, sn))
        edge_ifs: list[str] = []
        for kind, ifn, flag in (("igw", "igw0", vpc.internet_gateway), ("eigw", "eigw0", vpc.egress_only_internet_gateway)):
            if not flag:
                continue
            edge_ifs.append(ifn)
            lid = f"{kind}:{vpc.name}"
            addresses.append(Address(ifn, f"{self.t_addr(lid, 1)}/30"))
            if v6:
                addresses.append(Address(ifn, f"{self.t_addr6(lid, 1)}/112"))
            gw_ns = names.ns_igw(self.p, vpc.name) if kind == "igw" else names.ns_eigw(self.p, vpc.name)
            self.links.append(Link(lid, ns, ifn, gw_ns, "vpc0"))
        for pc in self.peerings:
            if vpc.name not in (pc.requester, pc.accepter):
                continue
            ifn = names.ifname("x", pc.name)
            edge_ifs.append(ifn)
            mine = 1 if vpc.name == pc.requester else 2
            addresses.append(Address(ifn, f"{self.t_addr(f'pcx:{pc.name}', mine)}/30"))
            if self.pcx_v6(pc.name):
                addresses.append(Address(ifn, f"{self.t_addr6(f'pcx:{pc.name}', mine)}/112"))
            if vpc.name == pc.requester:
                self.links.append(Link(f"pcx:{pc.name}", ns, ifn, names.ns_router(self.p, pc.accepter), ifn))
        # Edge table: from a gateway or a peering only the VPC's own subnets are reachable.
        for fam in families:
            dflt = "0.0.0.0/0" if fam == 4 else "::/0"
            routes.append(KernelRoute(dflt, EDGE_TABLE, "blackhole", reason="edge: no transit through this VPC (V54, V55)"))
        for s in subnets:
            for c in (s.cidr, s.ipv6_cidr if v6 else None):
                if c:
                    routes.append(KernelRoute(c, EDGE_TABLE, dev=self.bridge(vpc.name, s.name),
                                              reason=f"edge: deliver to subnet {s.name}"))
        # Traffic in from the IGW follows the gateway route table edge-associated with it (V27:
        # local, or an appliance ENI), which like the edge table reaches nothing outside the VPC.
        gateway_rt = self.ix.gateway_route_table(vpc.name) if vpc.internet_gateway else None
        if gateway_rt is not None:
            routes += self.route_table(vpc, gateway_rt, GATEWAY_TABLE)
        for j, ifn in enumerate(sorted(edge_ifs)):
            if ifn == "igw0" and gateway_rt is not None:
                rule(RULE_PRIORITY + 500 + j, ifn, GATEWAY_TABLE,
                     f"traffic from the internet gateway follows gateway route table {gateway_rt.name} (V27)")
            else:
                rule(RULE_PRIORITY + 500 + j, ifn, EDGE_TABLE,
                     "traffic from a gateway or peering reaches local subnets only (V54-V56)")
        return Namespace(
            name=ns, role="router", node=f"router:{vpc.name}", bridges=bridges,
            addresses=tuple(sorted(addresses, key=lambda a: (a.ifname, a.cidr))),
            routes=tuple(sorted(routes, key=lambda r: (r.table, r.dst))),
            rules=tuple(sorted(rules, key=lambda r: (r.family, r.priority))),
            sysctls=_sysctls(ROUTER_SYSCTLS, v6, forward=True),
            nft=nft.nacl_ruleset(vpc, {s.name: self.bridge(vpc.name, s.name) for s in vpc.subnets}, tgw_nacl),
        )

    def pcx_v6(self, name: str) -> bool:
        pc = next(p for p in self.peerings if p.name == name)
        return bool(self.t.vpc(pc.requester).ipv6_cidr_blocks and self.t.vpc(pc.accepter).ipv6_cidr_blocks)

    def route_table(self, vpc: Vpc, rt: RouteTable, table: int, az: str | None = None) -> list[KernelRoute]:
        v6 = bool(vpc.ipv6_cidr_blocks)
        entries: dict[str, KernelRoute] = {
            d: KernelRoute(d, table, "blackhole", reason=f"{rt.name}: no route matches")
            for d in (("0.0.0.0/0", "::/0") if v6 else ("0.0.0.0/0",))
        }
        for r in rt.routes:
            if r.target.kind != "local" or (not v6 and not _v4(r.destination)):
                continue
            entries[r.destination] = KernelRoute(r.destination, table, "blackhole",
                                                 reason=f"{rt.name}: local {r.destination}, no subnet")
            for s in vpc.subnets:
                for c in (s.cidr, s.ipv6_cidr):
                    if c and addressing.within(c, r.destination):
                        entries[c] = KernelRoute(c, table, dev=self.bridge(vpc.name, s.name),
                                                 reason=f"{rt.name}: local -> subnet {s.name}")
        for r in rt.routes:
            if r.target.kind == "local" or (not v6 and not _v4(r.destination)):
                continue
            entries[r.destination] = self.route(vpc, rt, r, table, az)
        return list(entries.values())

    def route(self, vpc: Vpc, rt: RouteTable, r: Route, table: int, az: str | None = None) -> KernelRoute:
        why = f"{rt.name}: {r.destination} -> {r.target}"
        kind, name = r.target.kind, r.target.name
        six = not _v4(r.destination)
        addr = self.t_addr6 if six else self.t_addr
        if not self.ix.target_available(vpc.name, r.target):  # the model decides (V26)
            return KernelRoute(r.destination, table, "blackhole", reason=f"{why}: blackhole (V26)")
        if kind == "internet_gateway":
            return KernelRoute(r.destination, table, via=addr(f"igw:{vpc.name}", 2), dev="igw0", reason=why)
        if kind == "egress_only_internet_gateway" and six:
            return KernelRoute(r.destination, table, via=addr(f"eigw:{vpc.name}", 2), dev="eigw0", reason=why)
        if kind == "nat_gateway" and not six:
            nat = self.ix.nat_gateways[(vpc.name, name or "")]
            return KernelRoute(r.destination, table, via=nat.private_ip,
                               dev=self.bridge(vpc.name, nat.subnet), reason=why)
        if kind == "instance":
            inst = self.ix.instances[name or ""]
            via = inst.ipv6_address if six else inst.private_ip
            if via:
                return KernelRoute(r.destination, table, via=via, dev=self.bridge(vpc.name, inst.subnet), reason=why)
        if kind == "peering" and (not six or self.pcx_v6(name or "")):
            pc = self.ix.peerings[name or ""]
            other = 2 if vpc.name == pc.requester else 1
            return KernelRoute(r.destination, table, via=addr(f"pcx:{pc.name}", other),
                               dev=names.ifname("x", pc.name), reason=why)
        if kind == "transit_gateway" and az is not None and not six:
            # V78: through the attachment's subnet in the source subnet's Availability Zone.
            att = self.ix.attachment(name or "", vpc.name)
            sn = self.ix.attachment_subnet(name or "", vpc.name, az)
            if att is not None and sn is not None:
                lid = self.tgw_link_id(name or "", att.name, vpc.name, sn)
                return KernelRoute(r.destination, table, via=self.t_addr(lid, 2),
                                   dev=self.tgw_ifname(name or "", att.name, sn), reason=f"{why} via attachment {att.name} in {az}")
            return KernelRoute(r.destination, table, "blackhole",
                               reason=f"{why}: no attachment subnet in {az} (V78 TGW_ROUTE_AZ_RESTRICTION)")
        if kind == "transit_gateway" and six:
            self.notes.append(f"{vpc.name}/{rt.name}: {r.destination} -> {r.target}: IPv6 through a TGW not realised")
        return KernelRoute(r.destination, table, "blackhole", reason=f"{why}: blackhole (V26)")

    # --- nodes -----------------------------------------------------------------------------

    def attach(self, vpc: Vpc, subnet: str, ns: str, ip: str, what: str) -> tuple[Address, KernelRoute]:
        s = self.subnet(vpc, subnet)
        port = names.ifname("v", vpc.name, what)
        self.links.append(Link(f"eni:{vpc.name}/{what}", names.ns_router(self.p, vpc.name), port, ns, "eth0",
                               a_master=self.bridge(vpc.name, subnet)))
        return (Address("eth0", f"{ip}/{_plen(s.cidr)}"),
                KernelRoute("0.0.0.0/0", via=addressing.vpc_router(s.cidr), dev="eth0", reason="default via the VPC router (V14)"))

    def instance(self, vpc: Vpc, inst: Instance) -> Namespace:
        ns = names.ns_instance(self.p, vpc.name, inst.name)
        addr, default = self.attach(vpc, inst.subnet, ns, inst.private_ip, f"i:{inst.name}")
        addresses, routes = [addr], [default]
        sub = self.subnet(vpc, inst.subnet)
        v6 = bool(inst.ipv6_address and sub.ipv6_cidr and vpc.ipv6_cidr_blocks)
        if v6:
            assert inst.ipv6_address and sub.ipv6_cidr
            addresses.append(Address("eth0", f"{inst.ipv6_address}/{_plen(sub.ipv6_cidr)}"))
            routes.append(KernelRoute("::/0", via=addressing.vpc_router(sub.ipv6_cidr), dev="eth0",
                                      reason="IPv6 default via the VPC router"))
        sysctls = (INSTANCE_SYSCTLS if inst.source_dest_check else FORWARDER_SYSCTLS) + CONNTRACK_SYSCTLS
        return Namespace(
            name=ns, role="instance", node=f"{vpc.name}/{inst.name}", addresses=tuple(addresses), routes=tuple(routes),
            sysctls=_sysctls(sysctls, v6, forward=not inst.source_dest_check),
            nft=nft.sg_ruleset(self.t, vpc, inst, resolver_address(vpc)),
            resolver=resolver_address(vpc) if vpc.enable_dns_support else None,
            resolv_conf=self.resolv_conf(vpc),
        )

    def nat(self, vpc: Vpc, nat_gw: NatGateway) -> Namespace:
        ns = names.ns_nat(self.p, vpc.name, nat_gw.name)
        addr, default = self.attach(vpc, nat_gw.subnet, ns, nat_gw.private_ip, f"n:{nat_gw.name}")
        return Namespace(
            name=ns, role="nat", node=f"{vpc.name}/{nat_gw.name}", addresses=(addr,), routes=(default,),
            sysctls=FORWARDER_SYSCTLS + CONNTRACK_SYSCTLS + NAT_SYSCTLS, nft=nft.natgw_ruleset(vpc, nat_gw, self.tgw_neighbour_cidrs(vpc)),
            resolver=resolver_address(vpc) if vpc.enable_dns_support else None,
            resolv_conf=self.resolv_conf(vpc),
        )

    def resolv_conf(self, vpc: Vpc) -> str:
        """The VPC's DHCP options set as a node sees it (AmazonProvidedDNS = base + 2)."""
        return self.t.dns.options_for(vpc).resolv_conf(resolver_address(vpc))

    def tgw_neighbour_cidrs(self, vpc: Vpc) -> tuple[str, ...]:
        """CIDRs of VPCs attached to a transit gateway this VPC is attached to: their traffic can
        reach this VPC's NAT gateway through the TGW (centralised egress; V69 is about peering,
        VPN and Direct Connect)."""
        mine = {t for t, _a, v, _s in self.tgw_links if v == vpc.name}
        others = sorted({v for t, _a, v, _s in self.tgw_links if t in mine and v != vpc.name})
        return tuple(c for o in others for c in self.t.vpc(o).cidr_blocks if _v4(c))

    def public_map(self, vpc: Vpc) -> dict[str, str]:
        """public -> private for every ENI of the VPC with a public address (instances, public
        NAT gateways): the IGW's 1:1 NAT (V65), as the model's index knows them."""
        return {pub: eni.private_ip or "" for pub, eni in self.ix.by_public.items() if eni.vpc == vpc.name}

    def igw(self, vpc: Vpc) -> Namespace:
        return self.gateway(vpc, "igw")

    def eigw(self, vpc: Vpc) -> Namespace:
        return self.gateway(vpc, "eigw")

    def gateway(self, vpc: Vpc, kind: str) -> Namespace:
        """The internet gateway (IPv4 1:1 NAT and filters, IPv6 routed and filtered) or the
        egress-only internet gateway (IPv6, outbound-initiated only, V73)."""
        v6 = bool(vpc.ipv6_cidr_blocks)
        up, down = f"{kind}:{vpc.name}", ("inet" if kind == "igw" else "einet") + f":{vpc.name}"
        addresses = [Address("inet0", f"{self.t_addr(down, 2)}/30"), Address("vpc0", f"{self.t_addr(up, 2)}/30")]
        routes = []
        if kind == "igw":
            routes += [KernelRoute(c, via=self.t_addr(up, 1), dev="vpc0", reason=f"VPC CIDR {c}")
                       for c in vpc.cidr_blocks if _v4(c)]
            routes.append(KernelRoute("0.0.0.0/0", via=self.t_addr(down, 1), dev="inet0", reason="the internet"))
        if v6:
            addresses += [Address("inet0", f"{self.t_addr6(down, 2)}/112"), Address("vpc0", f"{self.t_addr6(up, 2)}/112")]
            routes += [KernelRoute(c, via=self.t_addr6(up, 1), dev="vpc0", reason=f"VPC IPv6 CIDR {c}")
                       for c in vpc.ipv6_cidr_blocks]
            routes.append(KernelRoute("::/0", via=self.t_addr6(down, 1), dev="inet0", reason="the IPv6 internet"))
        v6_enis = sorted({i.ipv6_address for i in vpc.instances if i.ipv6_address})
        if kind == "igw":
            text = nft.igw_ruleset(self.public_map(vpc)) + (nft.igw6_ruleset(vpc.ipv6_cidr_blocks, v6_enis) if v6 else "")
            ns, node = names.ns_igw(self.p, vpc.name), f"igw:{vpc.name}"
        else:
            text = nft.eigw_ruleset(vpc.ipv6_cidr_blocks)
            ns, node = names.ns_eigw(self.p, vpc.name), f"eigw:{vpc.name}"
        return Namespace(
            name=ns, role=kind, node=node,
            addresses=tuple(sorted(addresses, key=lambda a: (a.ifname, a.cidr))),
            routes=tuple(sorted(routes, key=lambda r: (r.table, r.dst))),
            sysctls=_sysctls(FORWARDER_SYSCTLS, v6, forward=True), nft=text,
        )

    def tgw(self, tgw: TransitGateway) -> Namespace:
        """One namespace per transit gateway: a veth per (attachment, subnet) to the VPC router,
        one kernel table per TGW route table chosen by the attachment's association; longest
        prefix, static before propagated (V75-V77, via ``routing.best_match``)."""
        ns = names.ns_tgw(self.p, tgw.name)
        tables = {rt.name: FIRST_TABLE + i for i, rt in enumerate(sorted(tgw.route_tables, key=lambda r: r.name))}
        first_link: dict[str, tuple[str, str]] = {}
        for t_name, att, avpc, sn in self.tgw_links:
            if t_name == tgw.name:
                first_link.setdefault(att, (avpc, sn))
        addresses: list[Address] = []
        routes: list[KernelRoute] = []
        rules: list[KernelRule] = []
        for t_name, att, avpc, sn in self.tgw_links:
            if t_name == tgw.name:
                addresses.append(Address(self.tgw_ifname(tgw.name, att, sn),
                                         f"{self.t_addr(self.tgw_link_id(tgw.name, att, avpc, sn), 2)}/30"))
        for rt in tgw.route_tables:
            table = tables[rt.name]
            entries = {"0.0.0.0/0": KernelRoute("0.0.0.0/0", table, "blackhole", reason=f"{rt.name}: no route matches")}
            for dst in sorted({r.destination for r in rt.routes if _v4(r.destination)}):
                same = tuple(r for r in rt.routes if r.destination == dst)
                win = routing.best_match(same, str(ipaddress.IPv4Network(dst).network_address))
                assert isinstance(win, TgwRoute)
                why = f"{rt.name}: {dst} -> {win.attachment or 'blackhole'} ({win.origin})"
                if win.blackhole or win.attachment is None or win.attachment not in first_link:
                    entries[dst] = KernelRoute(dst, table, "blackhole", reason=f"{why} (V77)")
                    continue
                avpc, sn = first_link[win.attachment]
                entries[dst] = KernelRoute(dst, table, via=self.t_addr(self.tgw_link_id(tgw.name, win.attachment, avpc, sn), 1),
                                           dev=self.tgw_ifname(tgw.name, win.attachment, sn), reason=why)
            routes += entries.values()
        for j, (t_name, att, avpc, sn) in enumerate(sorted(self.tgw_links)):
            a = next(x for x in tgw.attachments if x.name == att) if t_name == tgw.name else None
            if a is None:
                continue
            table = tables.get(a.association or "", EDGE_TABLE)
            rules.append(KernelRule(RULE_PRIORITY + j, self.tgw_ifname(tgw.name, att, sn), table,
                                    f"attachment {att} is associated with {a.association}"))
        routes.append(KernelRoute("0.0.0.0/0", EDGE_TABLE, "blackhole",
                                  reason="attachment without association (TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION)"))
        return Namespace(
            name=ns, role="tgw", node=f"tgw:{tgw.name}",
            addresses=tuple(sorted(addresses, key=lambda a: (a.ifname, a.cidr))),
            routes=tuple(sorted(routes, key=lambda r: (r.table, r.dst))),
            rules=tuple(sorted(rules, key=lambda r: r.priority)), sysctls=FORWARDER_SYSCTLS,
        )

    def internet(self) -> Namespace:
        ns = names.ns_internet(self.p)
        addresses: list[Address] = []
        routes = [KernelRoute("0.0.0.0/0", kind="blackhole", reason="no route on the emulated internet")]
        if self.any_v6:
            routes.append(KernelRoute("::/0", kind="blackhole", reason="no route on the emulated internet"))
        for vpc in self.t.vpcs:
            v6 = bool(vpc.ipv6_cidr_blocks)
            for kind, flag in (("inet", vpc.internet_gateway), ("einet", vpc.egress_only_internet_gateway)):
                if not flag:
                    continue
                ifn = names.ifname("g" if kind == "inet" else "e", vpc.name)
                link = f"{kind}:{vpc.name}"
                gw_ns = names.ns_igw(self.p, vpc.name) if kind == "inet" else names.ns_eigw(self.p, vpc.name)
                addresses.append(Address(ifn, f"{self.t_addr(link, 1)}/30"))
                self.links.append(Link(link, ns, ifn, gw_ns, "inet0"))
                if kind == "inet":
                    for pub in sorted(self.public_map(vpc)):
                        routes.append(KernelRoute(f"{pub}/32", via=self.t_addr(link, 2), dev=ifn,
                                                  reason=f"public address of VPC {vpc.name}"))
                if v6:
                    addresses.append(Address(ifn, f"{self.t_addr6(link, 1)}/112"))
                    # IPv6 in: through the two-way IGW when there is one (the EIGW lets nothing in).
                    if kind == "inet" or not vpc.internet_gateway:
                        routes += [KernelRoute(c, via=self.t_addr6(link, 2), dev=ifn,
                                               reason=f"IPv6 CIDR of VPC {vpc.name}") for c in vpc.ipv6_cidr_blocks]
        for h in self.hosts:
            ifn = names.ifname("h", h.name)
            link = f"host:{h.name}"
            addresses.append(Address(ifn, f"{self.t_addr(link, 1)}/30"))
            self.links.append(Link(link, ns, ifn, names.ns_host(self.p, h.name), "eth0"))
            if _v4(h.ip):
                routes.append(KernelRoute(f"{h.ip}/32", via=self.t_addr(link, 2), dev=ifn, reason=f"internet host {h.name}"))
            else:
                addresses.append(Address(ifn, f"{self.t_addr6(link, 1)}/112"))
                routes.append(KernelRoute(f"{h.ip}/128", via=self.t_addr6(link, 2), dev=ifn, reason=f"internet host {h.name}"))
        return Namespace(
            name=ns, role="internet", node="inet:router",
            addresses=tuple(sorted(addresses, key=lambda a: (a.ifname, a.cidr))),
            routes=tuple(sorted(routes, key=lambda r: (r.table, r.dst))),
            sysctls=_sysctls(FORWARDER_SYSCTLS, self.any_v6, forward=True),
        )

    def host(self, name: str, ip: str) -> Namespace:
        link = f"host:{name}"
        addresses: tuple[Address, ...]
        if _v4(ip):
            addresses = (Address("eth0", f"{ip}/32"), Address("eth0", f"{self.t_addr(link, 2)}/30"))
            routes = (KernelRoute("0.0.0.0/0", via=self.t_addr(link, 1), dev="eth0", src=ip, reason="default via the internet"),)
        else:
            addresses = (Address("eth0", f"{ip}/128"), Address("eth0", f"{self.t_addr6(link, 2)}/112"),
                         Address("eth0", f"{self.t_addr(link, 2)}/30"))
            routes = (KernelRoute("::/0", via=self.t_addr6(link, 1), dev="eth0", src=ip, reason="default via the internet"),)
        return Namespace(
            name=names.ns_host(self.p, name), role="host", node=name, addresses=addresses, routes=routes,
            sysctls=_sysctls(INSTANCE_SYSCTLS, not _v4(ip)),
        )
