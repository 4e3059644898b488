"""The path explainer: ``trace(topology, flow) -> Trace``, hop by hop, both directions.

Theory of operation
-------------------
A packet moves between *ENIs* (an instance's, a NAT gateway's, a transit gateway attachment's),
each in a subnet, and *gateways* outside the subnets (internet gateway, egress-only internet
gateway, peering connection, transit gateway). One walk follows one direction:

- an instance sends: its security groups' egress rules (stateful: on the return path the
  reply of an allowed connection passes, V46);
- the packet leaves the subnet: if the destination is in the same subnet it is delivered
  directly, with no route table and no network ACL (V35); otherwise the subnet's NACL outbound
  rules (stateless, V31-V34) and then its route table (longest prefix, V22-V26) pick the next
  component;
- the next component: ``local`` -> the ENI that owns the address in the VPC; an internet gateway
  (1:1 NAT and its RFC 1918 rules, V64-V66); a NAT gateway (SNAT to its address, source port
  remapped into 1024-65535, no inbound initiation, V67-V70), which then sends from its own
  subnet; a peering connection (delivers only to the peer VPC's CIDRs and only there: not
  transitive, no edge-to-edge routing, V54-V57); an egress-only internet gateway (IPv6, outbound
  only, V73); a transit gateway (association, longest prefix, static before propagated, AZ rule,
  transitive, V74-V78) that hands the packet to an attachment ENI in the destination VPC, which
  sends from the attachment subnet (NACLs as TGW tgw-nacls.html says: towards the TGW the
  attachment subnet's inbound rules apply, even from that same subnet; from the TGW only its
  outbound rules, when the packet leaves it); an instance (a middlebox, which needs
  source/destination check off);
- the packet enters a subnet from outside: the NACL inbound rules, then the destination ENI's
  security groups' ingress rules (stateful on the return path).

The return path is a second walk of the reply (addresses and ports swapped, as delivered): it
starts at the replier and is routed by the replier's own route tables (V58); NACLs are checked
again in the other direction (V34); NAT gateways undo their translation for replies of
connections they saw; an egress-only gateway lets replies in.

Every hop carries ``component``, ``name``, ``decision`` (``allow``/``deny``), ``reason``, the
deciding ``rule`` and, where Reachability Analyzer has one, its explanation ``code`` (V94). A
walk stops at the hop that drops the packet; with ``all_blockers`` it assumes a blocked filter
(SG, NACL) or a missing/blackhole route (when a working target can be found) had passed and
goes on, so ``blockers`` lists every setting that would have to change (V95).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from netemu.vpc import addressing, nacls, routing, security_groups
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.index import Eni, Index, index_of
from netemu.vpc.model import PROTOCOL_NUMBERS, Route, RouteTarget, Topology
from netemu.vpc.packets import (
    ICMP,
    ICMP_PROTOCOLS,
    ICMPV6,
    PORT_PROTOCOLS,
    TCP,
    UDP,
    Packet,
    address,
    canonical,
    is_address,
    is_private_ipv4,
    protocol_name,
)

DEFAULT_SOURCE_PORT = 40000  # an ephemeral port of the kernel's range 32768-60999 (V36, V96)
MAX_HOPS = 64  # a routing loop (e.g. 0.0.0.0/0 -> NAT in the NAT's own subnet) ends here
NAT_PORT_FIRST, NAT_PORT_LAST = 1024, 65535  # V36, V68


class TraceError(ValueError):
    """The flow cannot be traced: an unknown node or address, a missing port, mixed families."""


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flow:
    """What to trace. ``src``/``dst``: an instance name, an internet host name (topology
    ``internet.hosts``) or an address (private, public, IPv6, or any internet address).
    ``protocol``: a name (``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all``) or an IANA number.
    ``port``: the destination port (TCP/UDP). ``src_port``: the client's ephemeral port.
    ``ip_version``: 4 or 6 when both ends are names (default 4)."""

    src: str
    dst: str
    protocol: int | str = "tcp"
    port: int | None = None
    src_port: int = DEFAULT_SOURCE_PORT
    icmp_type: int | None = None
    icmp_code: int = 0
    ip_version: int | None = None

    def protocol_number(self) -> int:
        p = self.protocol
        if isinstance(p, int):
            return p
        text = p.strip().lower()
        if text in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[text]
        if text.isdigit():
            return int(text)
        raise TraceError(f"unknown protocol {p!r} (tcp, udp, icmp, icmpv6, all or a number)")


@dataclass(frozen=True, slots=True)
class Hop:
    component: str
    name: str
    decision: str
    reason: str
    code: str | None = None
    rule: str | None = None
    packet: Packet | None = None  # the header as it reaches this component

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "name": self.name,
            "decision": self.decision,
            "reason": self.reason,
            "code": self.code,
            "rule": self.rule,
            "packet": self.packet.to_json() if self.packet else None,
        }


@dataclass(frozen=True, slots=True)
class Blocker:
    """One setting that stops the flow, and what would have to change."""

    path: str  # "forward" | "return"
    component: str
    name: str
    code: str | None
    reason: str
    change: str

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "component": self.component, "name": self.name,
            "code": self.code, "reason": self.reason, "change": self.change,
        }


@dataclass(frozen=True, slots=True)
class LogEvent:
    """A packet seen by an ENI, and whether that ENI's SG and subnet NACL accepted it: the
    raw material of flow-log records (netemu.vpc.flowlogs)."""

    eni_id: str
    eni: str
    packet: Packet
    action: str  # "ACCEPT" | "REJECT"


@dataclass(frozen=True, slots=True)
class Trace:
    flow: Flow
    source: str  # label of the source, e.g. "web1 (10.0.1.10)"
    destination: str
    packet: Packet  # the packet as the source sends it
    reachable: bool
    hops: tuple[Hop, ...]
    return_path: tuple[Hop, ...]
    blockers: tuple[Blocker, ...]
    all_blockers: bool = False
    log_events: tuple[LogEvent, ...] = ()

    @property
    def forward_reachable(self) -> bool:
        return not any(b.path == "forward" for b in self.blockers) and bool(self.hops) and (
            self.hops[-1].decision == ALLOW
        )

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` shape (docs/vpc.md)."""
        return {
            "flow": {
                "from": self.flow.src,
                "to": self.flow.dst,
                "source": self.source,
                "destination": self.destination,
                "packet": self.packet.to_json(),
            },
            "reachable": self.reachable,
            "hops": [h.to_json() for h in self.hops],
            "return_path": [h.to_json() for h in self.return_path],
            "blockers": [b.to_json() for b in self.blockers],
            "all_blockers": self.all_blockers,
        }


# --- endpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _End:
    kind: str  # "eni" | "internet"
    label: str
    address: str
    eni: Eni | None = None


def _pick_address(eni: Eni, family: int, public: bool) -> str | None:
    if family == 6:
        return eni.ipv6
    return eni.public_ip if public else eni.private_ip


def _family(ix: Index, flow: Flow) -> int:
    """4 or 6: given, or that of an address or internet host at either end, else 4."""
    if flow.ip_version is not None:
        if flow.ip_version not in (4, 6):
            raise TraceError("ip_version is 4 or 6")
        return flow.ip_version
    for end in (flow.src, flow.dst):
        if end not in ix.instances and end not in ix.hosts_by_name and is_address(end):
            return address(end).version
    for end in (flow.src, flow.dst):
        host = ix.hosts_by_name.get(end)
        if host is not None and end not in ix.instances:
            return address(host.ip).version
    return 4


def _named_host(ix: Index, name: str, family: int) -> _End | None:
    """The internet host called ``name``, at its address of the flow's family."""
    host = ix.hosts_by_name.get(name)
    if host is None:
        return None
    addr = canonical(host.ip)
    if address(addr).version != family:
        raise TraceError(f"internet host {name} has no IPv{family} address")
    return _End("internet", f"{name} ({addr})", addr)


def _resolve_source(ix: Index, name: str, family: int) -> _End:
    inst = ix.instances.get(name)
    if inst is not None:
        eni = ix.enis_by_name[(inst.vpc, inst.name)]
        addr = _pick_address(eni, family, public=False)
        if addr is None:
            raise TraceError(f"instance {name} has no IPv{family} address")
        return _End("eni", f"{name} ({addr})", addr, eni)
    host_end = _named_host(ix, name, family)
    if host_end is not None:
        return host_end
    if not is_address(name):
        raise TraceError(
            f"unknown source {name!r}: not an instance, an internet host or an address"
        )
    addr = canonical(name)
    found = ix.by_private.get(addr)
    if found is not None and found.kind == "instance":
        return _End("eni", found.label(), addr, found)
    if found is not None or addr in ix.by_public:
        owner = found or ix.by_public[addr]
        if owner.kind == "instance":
            raise TraceError(f"{addr} is the public address of instance {owner.name}: trace from"
                             f" {owner.name} (or its private address)")
        raise TraceError(
            f"{addr} belongs to {owner.kind.replace('_', ' ')} {owner.name}: "
            "trace from an instance or an internet address"
        )
    host = ix.hosts_by_ip.get(addr)
    if host is not None:
        return _End("internet", f"{host.name} ({addr})", addr)
    if ix.vpc_of_address(addr) is not None or is_private_ipv4(addr):
        raise TraceError(f"no instance has the address {addr}")
    return _End("internet", f"internet ({addr})", addr)


def _resolve_destination(ix: Index, name: str, family: int, src: _End) -> _End:
    inst = ix.instances.get(name)
    if inst is not None:
        eni = ix.enis_by_name[(inst.vpc, inst.name)]
        public = src.kind == "internet"
        addr = _pick_address(eni, family, public)
        if addr is None:
            what = "public IPv4" if public and family == 4 else f"IPv{family}"
            # An unreachable destination rather than an error: the trace explains it.
            return _End("eni", f"{name} (no {what} address)", "", eni)
        return _End("eni", f"{name} ({addr})", addr, eni)
    host_end = _named_host(ix, name, family)
    if host_end is not None:
        return host_end
    if not is_address(name):
        raise TraceError(
            f"unknown destination {name!r}: not an instance, an internet host or an address"
        )
    addr = canonical(name)
    found = ix.by_private.get(addr) or ix.by_public.get(addr)
    if found is not None:
        return _End("eni", f"{found.name} ({addr})", addr, found)
    host = ix.hosts_by_ip.get(addr)
    if host is not None:
        return _End("internet", f"{host.name} ({addr})", addr)
    return _End("internet", addr, addr)


# --- the walk ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Conn:
    """What the forward walk left behind for the reply: NAT bindings and egress-only exits."""

    nat: dict[str, tuple[Packet, Packet]] = field(default_factory=dict)  # name -> (before, after)
    eigw_vpcs: set[str] = field(default_factory=set)


class _Stop(Exception):
    """The packet is dropped here (and no assumption lets the walk go on)."""


class _Walk:
    def __init__(self, ix: Index, path: str, all_blockers: bool, conn: _Conn) -> None:
        self.ix = ix
        self.path = path
        self.all_blockers = all_blockers
        self.conn = conn
        self.hops: list[Hop] = []
        self.blockers: list[Blocker] = []
        self.logs: list[LogEvent] = []
        self.delivered: Packet | None = None
        self.mute = False  # no flow-log material (the request never really got through)
        self.via_tgw = False
        self.tgw_sg_referencing = True  # both attachments crossed support SG references (V79)
        self.steps = 0

    @property
    def forward(self) -> bool:
        return self.path == "forward"

    # recording ---------------------------------------------------------------------------------
    def note(self, component: str, name: str, reason: str, packet: Packet,
             rule: str | None = None, code: str | None = None) -> None:
        self.hops.append(Hop(component, name, ALLOW, reason, code, rule, packet))

    def check(self, component: str, name: str, d: Decision, packet: Packet,
              change: str | Callable[[], str]) -> bool:
        """Records the hop; True when the walk goes on (allowed, or assumed so). ``change``
        (text, or a function giving it) says what would let the packet pass."""
        self.hops.append(Hop(component, name, d.verdict, d.reason, d.code, d.rule, packet))
        if d.allowed:
            return True
        text = change if isinstance(change, str) else change()
        self.blockers.append(Blocker(self.path, component, name, d.code, d.reason, text))
        return self.all_blockers

    def drop(self, component: str, name: str, reason: str, packet: Packet,
             code: str | None = None, rule: str | None = None, change: str = "") -> NoReturn:
        self.hops.append(Hop(component, name, DENY, reason, code, rule, packet))
        self.blockers.append(
            Blocker(self.path, component, name, code, reason, change or "no path: " + reason)
        )
        raise _Stop

    def log(self, eni: Eni, packet: Packet, accepted: bool) -> None:
        """Flow-log material; only what really happens: nothing past a blocker, even when
        ``all_blockers`` walks on."""
        if eni.kind == "tgw_attachment" or self.blockers or self.mute:
            return
        self.logs.append(LogEvent(eni.eni_id, eni.name, packet, "ACCEPT" if accepted else "REJECT"))

    def members_at(self, eni: Eni) -> Callable[[Any], frozenset[str]]:
        """Group membership as seen at ``eni``: references to another VPC's groups match only
        when the packet did not cross a transit gateway without referencing support (V79)."""
        if not self.via_tgw or self.tgw_sg_referencing:
            return self.ix.member_ips
        ix = self.ix

        def members(ref: Any) -> frozenset[str]:
            return ix.member_ips(ref) if ref.vpc == eni.vpc else frozenset()

        return members

    # sending -----------------------------------------------------------------------------------
    def start_at_instance(self, eni: Eni, p: Packet) -> None:
        groups = self.ix.groups_of(eni)
        if self.forward:
            d = security_groups.evaluate(groups, "egress", p, self.ix.member_ips)
        else:
            d = security_groups.tracked_reply(groups, "egress")
        if not d.allowed:
            self.log(eni, p, False)
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: _sg_change(eni, "egress", p)):
            raise _Stop
        self.send(eni, p, origin=True)

    def send(self, eni: Eni, p: Packet, origin: bool = False) -> None:
        """``eni`` (in its subnet) puts ``p`` on the wire: same subnet, or NACL out + route."""
        self.steps += 1
        if self.steps > MAX_HOPS:
            self.drop("route-table", eni.subnet, f"routing loop: more than {MAX_HOPS} hops", p)
        ix = self.ix
        subnet = ix.subnets[(eni.vpc, eni.subnet)]
        if ix.subnet_contains(subnet, p.dst):
            target = ix.eni_in_vpc(eni.vpc, p.dst)
            if origin:
                self.log(eni, p, True)
            self.note(
                "subnet", subnet.name,
                f"{p.dst} is in the same subnet {subnet.cidr}: delivered directly, no route table"
                " and no network ACL (V35)", p,
            )
            if target is None:
                self.drop("subnet", subnet.name, f"no network interface has the address {p.dst}",
                          p)
            self.arrive(target, p, from_subnet=subnet.name)
            return
        rtb = ix.route_tables[(eni.vpc, subnet.route_table)]
        rd = routing.lookup(rtb, p.dst, lambda t: ix.target_available(eni.vpc, t))
        acl = ix.nacls[(eni.vpc, subnet.network_acl)]
        nd = nacls.evaluate(acl, "outbound", p)
        if origin or eni.kind == "nat_gateway":
            self.log(eni, p, nd.allowed)
        if not self.check("network-acl", acl.name, nd, p,
                          lambda: _nacl_change(acl.name, "outbound", p, nd, self.path)):
            raise _Stop
        route = rd.matched if isinstance(rd.matched, Route) else None
        if not rd.allowed:
            suggestion = self.suggest_target(eni.vpc, p)
            change = _route_change(rtb.name, p.dst, rd, suggestion)
            self.check("route-table", rtb.name, rd, p, change)
            if not self.all_blockers or suggestion is None:
                raise _Stop
            self.note("route-table", rtb.name,
                      f"(assumed) a route to {p.dst} -> {suggestion}", p, rule=f"-> {suggestion}")
            self.dispatch(eni, subnet.name, suggestion, p)
            return
        self.check("route-table", rtb.name, rd, p, "")
        assert route is not None
        self.dispatch(eni, subnet.name, route.target, p)

    def dispatch(self, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
        vpc = eni.vpc
        kind = target.kind
        if kind == "local":
            dest = self.ix.eni_in_vpc(vpc, p.dst)
            if dest is None:
                self.drop("vpc", vpc, f"no network interface in VPC {vpc} has the address {p.dst}",
                          p)
            self.arrive(dest, p, from_subnet=subnet)
        elif kind == "internet_gateway":
            self.igw_egress(vpc, p)
        elif kind == "egress_only_internet_gateway":
            self.eigw_egress(vpc, p)
        elif kind == "nat_gateway":
            nat = self.ix.enis_by_name[(vpc, target.name or "")]
            self.arrive(nat, p, from_subnet=subnet)
        elif kind == "peering":
            self.peering(vpc, target.name or "", p)
        elif kind == "instance":
            box = self.ix.enis_by_name[(vpc, target.name or "")]
            self.arrive(box, p, from_subnet=subnet)
        elif kind == "transit_gateway":
            self.tgw(vpc, subnet, target.name or "", p)
        else:  # pragma: no cover - routing.lookup refuses blackhole targets
            self.drop("route-table", subnet, f"target {target} drops the packet", p,
                      "BAD_STATE_ROUTE")

    def suggest_target(self, vpc: str, p: Packet) -> RouteTarget | None:
        """A target that would carry ``p`` from ``vpc`` (for --all-blockers): a peering or
        transit gateway to the destination's VPC; for the internet, the internet gateway, or a
        public NAT gateway when the sender has no public IPv4 address."""
        ix = self.ix
        dst = p.dst
        for pcx in ix.peerings.values():
            if pcx.status != "active" or vpc not in (pcx.requester, pcx.accepter):
                continue
            other = pcx.accepter if pcx.requester == vpc else pcx.requester
            if ix.in_vpc(other, dst):
                return RouteTarget("peering", pcx.name)
        for t in ix.tgws.values():
            if ix.attachment(t.name, vpc) is not None:
                for att in t.attachments:
                    if att.vpc != vpc and ix.in_vpc(att.vpc, dst):
                        return RouteTarget("transit_gateway", t.name)
        v = ix.vpcs[vpc]
        if ix.vpc_of_address(dst) is None and not is_private_ipv4(dst):
            sender = ix.eni_in_vpc(vpc, p.src)
            if p.version == 4 and (sender is None or sender.public_ip is None):
                nat = next((n for n in v.nat_gateways if n.connectivity == "public"), None)
                if nat is not None:
                    return RouteTarget("nat_gateway", nat.name)
            if v.internet_gateway:
                return RouteTarget("internet_gateway")
            if address(dst).version == 6 and v.egress_only_internet_gateway:
                return RouteTarget("egress_only_internet_gateway")
        return None

    # arriving ----------------------------------------------------------------------------------
    def arrive(self, eni: Eni, p: Packet, from_subnet: str | None) -> None:
        """``p`` reaches ``eni``; ``from_subnet`` None when it comes from a gateway."""
        if from_subnet != eni.subnet:
            subnet = self.ix.subnets[(eni.vpc, eni.subnet)]
            acl = self.ix.nacls[(eni.vpc, subnet.network_acl)]
            nd = nacls.evaluate(acl, "inbound", p)
            if not nd.allowed:
                self.log(eni, p, False)
            if not self.check("network-acl", acl.name, nd, p,
                              lambda: _nacl_change(acl.name, "inbound", p, nd, self.path)):
                raise _Stop
        if eni.kind == "instance":
            self.arrive_instance(eni, p)
        elif eni.kind == "nat_gateway":
            self.arrive_nat(eni, p)
        else:  # pragma: no cover - attachment ENIs have no address to be routed to
            self.drop("transit-gateway-attachment", eni.name, "not a destination", p)

    def arrive_instance(self, eni: Eni, p: Packet) -> None:
        groups = self.ix.groups_of(eni)
        mine = p.dst in eni.addresses()
        if not mine and eni.source_dest_check:
            self.drop(
                "instance", eni.name,
                f"{p.dst} is not an address of {eni.name} and its source/destination check is"
                " enabled: the instance does not forward it", p,
                "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                change=f"disable the source/destination check of {eni.name}",
            )
        if self.forward:
            d = security_groups.evaluate(groups, "ingress", p, self.members_at(eni))
            if not d.allowed and self.via_tgw and not self.tgw_sg_referencing and any(
                r.group is not None and r.group.vpc != eni.vpc for g in groups for r in g.ingress
            ):
                d = replace(d, code="SG_REFERENCING_SUPPORT", reason=d.reason + "; references to"
                            " groups of other VPCs do not match across a transit gateway"
                            " attachment without security group referencing support (V79)")
        else:
            d = security_groups.tracked_reply(groups, "ingress")
        self.log(eni, p, d.allowed)
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: _sg_change(eni, "ingress", p)):
            raise _Stop
        if mine:
            self.note("instance", eni.name, f"delivered to {eni.name} ({p.dst})", p)
            self.delivered = p
            return
        # A middlebox (route target ``instance``): it forwards the packet as it is.
        self.note("instance", eni.name,
                  f"{eni.name} forwards the packet (source/destination check disabled)", p)
        if self.forward:
            d = security_groups.evaluate(groups, "egress", p, self.ix.member_ips)
        else:
            d = security_groups.tracked_reply(groups, "egress")
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: _sg_change(eni, "egress", p)):
            raise _Stop
        self.send(eni, p)

    def arrive_nat(self, eni: Eni, p: Packet) -> None:
        nat = self.ix.nat_gateways[(eni.vpc, eni.name)]
        own = {nat.private_ip, nat.public_ip}
        if self.forward:
            if p.dst in own or p.dst == eni.private_ip:
                self.drop(
                    "nat-gateway", nat.name,
                    "a NAT gateway accepts no connection initiated towards it (V68)", p,
                )
            if p.protocol not in (TCP, UDP, ICMP):
                self.drop("nat-gateway", nat.name,
                          f"a NAT gateway translates only TCP, UDP and ICMP, not"
                          f" {protocol_name(p.protocol)} (V68)", p, "PROTOCOL_RESTRICTION")
            if p.version != 4:
                self.drop("nat-gateway", nat.name,
                          "a NAT gateway translates IPv4 only (NAT64 is not modelled)", p,
                          "PROTOCOL_RESTRICTION")
            if not self.via_tgw and not self.ix.in_vpc(eni.vpc, p.src):
                self.drop("nat-gateway", nat.name,
                          f"source {p.src} is not in VPC {eni.vpc}: a NAT gateway translates only"
                          " traffic from its own VPC (V69)", p, "NGW_REQUIRES_SOURCE_IN_VPC")
            sport = _nat_port(p) if p.protocol in PORT_PROTOCOLS else p.sport
            q = replace(p, src=eni.private_ip or "", sport=sport)
            self.conn.nat[nat.name] = (p, q)
            ports = f", source port {p.sport} remapped to {sport} (1024-65535)" if sport else ""
            self.log(eni, p, True)
            self.note("nat-gateway", nat.name,
                      f"source address {p.src} translated to {q.src}{ports} (V68)", p,
                      code="NGW_SOURCE_ADDRESS_REASSIGN")
            self.send(eni, q)
            return
        binding = self.conn.nat.get(nat.name)
        if binding is None or (p.dst, p.dport) != (binding[1].src, binding[1].sport):
            self.drop("nat-gateway", nat.name,
                      f"{p.describe()} matches no connection of NAT gateway {nat.name}", p)
        assert binding is not None
        before = binding[0]
        q = replace(p, dst=before.src, dport=before.sport)
        self.log(eni, p, True)
        self.note("nat-gateway", nat.name,
                  f"reply translated back: destination {p.dst} -> {q.dst}"
                  + (f", port {p.dport} -> {q.dport}" if p.dport else ""), p)
        self.send(eni, q)

    # gateways ----------------------------------------------------------------------------------
    def igw_egress(self, vpc: str, p: Packet) -> None:
        name = f"{vpc}-igw"
        if p.version == 4:
            if is_private_ipv4(p.dst):
                self.drop("internet-gateway", name,
                          f"destination {p.dst} is private (RFC 1918/6598): the internet gateway"
                          " does not forward it (V66)", p,
                          "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS")
            src = self.ix.eni_in_vpc(vpc, p.src)
            if src is not None and src.kind == "nat_gateway":
                nat = self.ix.nat_gateways[(vpc, src.name)]
                if nat.connectivity == "private":
                    self.drop("internet-gateway", name,
                              f"private NAT gateway {nat.name}: traffic it sends to an internet"
                              " gateway is dropped (V67)", p)
            if src is None or src.public_ip is None:
                who = src.name if src else p.src
                self.drop("internet-gateway", name,
                          f"{who} has no public IPv4 address: the internet gateway drops its"
                          " traffic (V64, V66)", p, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                          change=f"associate a public IPv4 address or an Elastic IP with {who}"
                          " (or route through a NAT gateway)")
            assert src is not None and src.public_ip is not None
            q = replace(p, src=src.public_ip)
            self.note("internet-gateway", name,
                      f"1:1 NAT: source {p.src} -> public {q.src} (V65)", p)
        else:
            q = p
            self.note("internet-gateway", name, "IPv6: forwarded without translation", p)
        self.internet(q)

    def eigw_egress(self, vpc: str, p: Packet) -> None:
        name = f"{vpc}-eigw"
        if p.version != 6:
            self.drop("egress-only-internet-gateway", name,
                      "an egress-only internet gateway carries IPv6 only (V73)", p)
        self.conn.eigw_vpcs.add(vpc)
        self.note("egress-only-internet-gateway", name,
                  "IPv6 out to the internet; only replies may come back (V73)", p)
        self.internet(p)

    def internet(self, p: Packet) -> None:
        """``p`` is on the internet: to an internet host, or into a VPC through its gateway."""
        ix = self.ix
        eni = ix.by_public.get(p.dst) if p.version == 4 else ix.by_private.get(p.dst)
        if eni is None:
            if p.version == 4 and is_private_ipv4(p.dst):
                self.drop("internet", p.dst, f"{p.dst} is a private address: not routable on the"
                          " internet", p)
            host = ix.hosts_by_ip.get(p.dst)
            label = host.name if host else p.dst
            self.note("internet", label, f"delivered to {label} on the internet", p)
            self.delivered = p
            return
        self.igw_ingress(eni, p)

    def igw_ingress(self, eni: Eni, p: Packet) -> None:
        ix = self.ix
        vpc = ix.vpcs[eni.vpc]
        if p.version == 4:
            name = f"{vpc.name}-igw"
            if is_private_ipv4(p.src):
                self.drop("internet-gateway", name,
                          f"source {p.src} is private (RFC 1918/6598): the internet gateway"
                          " refuses it (V66)", p, "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS")
            if not vpc.internet_gateway:
                self.drop("internet-gateway", name,
                          f"VPC {vpc.name} has no internet gateway attached (V64)", p,
                          change=f"attach an internet gateway to VPC {vpc.name}")
            q = replace(p, dst=eni.private_ip or "")
            self.note("internet-gateway", name,
                      f"1:1 NAT: destination public {p.dst} -> {q.dst} ({eni.name}, V65)", p)
        else:
            q = p
            if vpc.internet_gateway:
                name = f"{vpc.name}-igw"
                self.note("internet-gateway", name, "IPv6: forwarded without translation", p)
            elif vpc.egress_only_internet_gateway and not self.forward and (
                vpc.name in self.conn.eigw_vpcs
            ):
                name = f"{vpc.name}-eigw"
                self.note("egress-only-internet-gateway", name,
                          "reply to a connection started from inside the VPC (stateful, V73)", p)
            elif vpc.egress_only_internet_gateway:
                self.drop("egress-only-internet-gateway", f"{vpc.name}-eigw",
                          "an egress-only internet gateway lets in no connection initiated from"
                          " the internet (V73)", p)
            else:
                self.drop("internet-gateway", f"{vpc.name}-igw",
                          f"VPC {vpc.name} has no internet gateway attached (V64)", p,
                          change=f"attach an internet gateway to VPC {vpc.name}")
        self.gateway_ingress(vpc.name, eni, q, name)

    def gateway_ingress(self, vpc: str, eni: Eni, p: Packet, gateway: str) -> None:
        """Traffic entering from the internet gateway: routed by the gateway route table
        edge-associated with it (V27: local or an appliance ENI), else by the local route."""
        ix = self.ix
        table = ix.gateway_route_table(vpc) if gateway.endswith("-igw") else None
        if table is None:
            self.note("route-table", f"{vpc} (gateway ingress)",
                      f"no gateway route table: traffic from {gateway} is delivered by"
                      f" the local route to {p.dst}", p, rule="local")
            self.arrive(eni, p, from_subnet=None)
            return
        d = routing.lookup(table, p.dst, lambda t: ix.target_available(vpc, t))
        if not self.check("route-table", table.name, d, p,
                          f"gateway route table {table.name}: route {p.dst} to local or to an"
                          " appliance"):
            raise _Stop
        route = d.matched
        assert isinstance(route, Route)
        if route.target.kind == "instance":
            box = ix.enis_by_name[(vpc, route.target.name or "")]
            self.arrive(box, p, from_subnet=None)
        else:
            self.arrive(eni, p, from_subnet=None)

    def peering(self, vpc: str, name: str, p: Packet) -> None:
        pcx = self.ix.peerings[name]
        other = pcx.accepter if pcx.requester == vpc else pcx.requester
        if not self.ix.in_vpc(other, p.dst):
            self.drop("peering-connection", name,
                      f"{p.dst} is not in a CIDR of VPC {other}: a peering connection carries only"
                      f" traffic to the peer VPC's own addresses (not transitive, no edge-to-edge"
                      " routing: V54, V55, V56)", p, "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")
        self.note("peering-connection", name, f"crosses to VPC {other}", p)
        dest = self.ix.eni_in_vpc(other, p.dst)
        if dest is None:
            self.drop("vpc", other, f"no network interface in VPC {other} has the address {p.dst}",
                      p)
        self.arrive(dest, p, from_subnet=None)

    def tgw(self, vpc: str, subnet_name: str, name: str, p: Packet) -> None:
        ix = self.ix
        t = ix.tgws[name]
        att = ix.attachment(name, vpc)
        assert att is not None  # target_available checked it
        az = ix.subnets[(vpc, subnet_name)].az
        att_subnet = ix.attachment_subnet(name, vpc, az)
        if att_subnet is None:
            self.drop("transit-gateway-attachment", att.name,
                      f"attachment {att.name} has no subnet in {az}, the source subnet's"
                      " Availability Zone (V78)", p, "TGW_ROUTE_AZ_RESTRICTION",
                      change=f"add a subnet in {az} to attachment {att.name}")
        assert att_subnet is not None
        # Towards the TGW, the attachment subnet's inbound rules apply, even when the sender is in
        # that same subnet; from the TGW, only its outbound rules do, and only when the packet
        # leaves the subnet (TGW tgw-nacls.html, "How network ACLs work with transit gateways").
        s = ix.subnets[(vpc, att_subnet)]
        acl = ix.nacls[(vpc, s.network_acl)]
        nd = nacls.evaluate(acl, "inbound", p)
        if not self.check("network-acl", acl.name, nd, p,
                          lambda: _nacl_change(acl.name, "inbound", p, nd, self.path)):
            raise _Stop
        self.note("transit-gateway-attachment", att.name,
                  f"enters transit gateway {name} through subnet {att_subnet}", p)
        if att.association is None:
            self.drop("transit-gateway-attachment", att.name,
                      f"attachment {att.name} is associated with no route table", p,
                      "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")
        table = next(r for r in t.route_tables if r.name == att.association)
        d = routing.lookup_tgw(table, p.dst)
        out_name = getattr(d.matched, "attachment", None) if d.allowed else next(
            (a.name for a in t.attachments if ix.in_vpc(a.vpc, p.dst)), None)
        change = f"transit gateway route table {table.name}: " + (
            f"replace the blackhole route {d.rule}" if d.code == "BAD_STATE_ROUTE"
            else f"add a route covering {p.dst}") + (f" -> {out_name}" if out_name else "")
        if not self.check("transit-gateway-route-table", table.name, d, p, change):
            raise _Stop
        if out_name is None:
            raise _Stop
        if not d.allowed:
            self.note("transit-gateway-route-table", table.name,
                      f"(assumed) a route to {p.dst} -> {out_name}", p, rule=f"-> {out_name}")
        out = next(a for a in t.attachments if a.name == out_name)
        dest = ix.eni_in_vpc(out.vpc, p.dst)
        want_az = ix.subnets[(out.vpc, dest.subnet)].az if dest is not None else az
        out_subnet = ix.attachment_subnet(name, out.vpc, want_az) or out.subnets[0]
        self.via_tgw = True
        self.tgw_sg_referencing = (self.tgw_sg_referencing and att.security_group_referencing
                                   and out.security_group_referencing)
        self.note("transit-gateway-attachment", out.name,
                  f"leaves transit gateway {name} into VPC {out.vpc} through subnet {out_subnet}",
                  p)
        hub = Eni("tgw_attachment", out.name, out.vpc, out_subnet, None, "")
        self.send(hub, p)


# --- suggestions for blockers ------------------------------------------------------------------


def _what(p: Packet) -> str:
    name = protocol_name(p.protocol)
    if p.protocol in PORT_PROTOCOLS:
        return f"{name} port {p.dport}"
    if p.protocol in ICMP_PROTOCOLS:
        return f"{name} type {p.icmp_type}"
    return name


def _host_cidr(ip: str) -> str:
    return f"{ip}/{32 if address(ip).version == 4 else 128}"


def _sg_change(eni: Eni, direction: str, p: Packet) -> str:
    if direction == "egress":
        return (f"add an outbound rule allowing {_what(p)} to {_host_cidr(p.dst)} to a security"
                f" group of {eni.name} ({', '.join(eni.security_groups)})")
    return (f"add an inbound rule allowing {_what(p)} from {_host_cidr(p.src)} to a security"
            f" group of {eni.name} ({', '.join(eni.security_groups)})")


def _nacl_change(acl: str, direction: str, p: Packet, d: Decision, path: str) -> str:
    peer = p.src if direction == "inbound" else p.dst
    word = "from" if direction == "inbound" else "to"
    what = _what(p)
    if path == "return" and p.protocol in PORT_PROTOCOLS:
        # the reply goes to the client's ephemeral port: open the range, not one port (V36)
        what = (f"{protocol_name(p.protocol)} ports 1024-65535 (the reply's ephemeral port,"
                f" here {p.dport}, V36)")
    allow = f"an {direction} rule allowing {what} {word} {_host_cidr(peer)}"
    if d.rule and d.rule != "*":
        return f"network ACL {acl}: rule {d.rule} denies it; add {allow} numbered below {d.rule}"
    return f"network ACL {acl}: add {allow}"


def _route_change(rtb: str, dst: str, d: Decision, suggestion: RouteTarget | None) -> str:
    to = f" -> {suggestion}" if suggestion else ""
    if d.code == "BAD_STATE_ROUTE":
        return f"route table {rtb}: replace the blackhole route {d.rule} with a working target{to}"
    return f"route table {rtb}: add a route covering {dst}{to}"


def _nat_port(p: Packet) -> int:
    """A deterministic stand-in for the NAT gateway's port choice in 1024-65535 (V68)."""
    seed = int(address(p.src)) * 31 + (p.sport or 0) * 7 + int(address(p.dst))
    return NAT_PORT_FIRST + seed % (NAT_PORT_LAST - NAT_PORT_FIRST + 1)


# --- entry point -------------------------------------------------------------------------------


def _first_packet(flow: Flow, src: str, dst: str, family: int) -> Packet:
    proto = flow.protocol_number()
    if proto == ICMP and family == 6:
        proto = ICMPV6
    if proto in PORT_PROTOCOLS:
        if flow.port is None:
            raise TraceError(f"{protocol_name(proto)} needs a destination port (--port)")
        for port in (flow.port, flow.src_port):
            if not 0 <= port <= 65535:
                raise TraceError(f"port {port} is outside 0-65535")
        return Packet(proto, src, dst, flow.src_port, flow.port)
    if proto in ICMP_PROTOCOLS:
        default = 8 if proto == ICMP else 128
        icmp_type = default if flow.icmp_type is None else flow.icmp_type
        return Packet(proto, src, dst, icmp_type=icmp_type, icmp_code=flow.icmp_code)
    if proto == -1:
        raise TraceError("trace one protocol at a time (tcp, udp, icmp or a number), not 'all'")
    return Packet(proto, src, dst)


RESOLVER_ADDRESSES = ("169.254.169.253", "fd00:ec2::253")  # V80


def _is_resolver(ix: Index, vpc: str, ip: str) -> bool:
    v = ix.vpcs[vpc]
    if ip in RESOLVER_ADDRESSES:
        return True
    return bool(v.cidr_blocks) and ip == addressing.dns_server(v.cidr_blocks[0])


def _resolver_trace(ix: Index, flow: Flow, src: _End, dst: _End, p: Packet,
                    all_blockers: bool) -> Trace:
    """The Route 53 Resolver of the source's VPC (V80): never filtered by SGs or NACLs (V37,
    V50) and not logged (V85, V91); it needs DNS support on the VPC and answers port 53."""
    assert src.eni is not None
    vpc = ix.vpcs[src.eni.vpc]
    name = f"{vpc.name} Route 53 Resolver"
    if not vpc.enable_dns_support:
        reason, code = f"enableDnsSupport is false on VPC {vpc.name}: no resolver (V81)", None
    elif p.protocol not in PORT_PROTOCOLS or p.dport != 53:
        reason, code = "the Route 53 Resolver answers DNS on port 53 (UDP and TCP) only", None
    else:
        reason = (f"{p.dst} is the Route 53 Resolver (V80): security groups and network ACLs"
                  " cannot filter it (V37, V50)")
        hop = Hop("resolver", name, ALLOW, reason, None, None, p)
        back = Hop("resolver", name, ALLOW, "the resolver's answer, unfiltered (V37, V50)", None,
                   None, p.reply())
        return Trace(flow, src.label, f"{name} ({p.dst})", p, True, (hop,), (back,), (),
                     all_blockers)
    hop = Hop("resolver", name, DENY, reason, code, None, p)
    blocker = Blocker("forward", "resolver", name, code, reason,
                      f"enable DNS support on VPC {vpc.name} and query port 53")
    return Trace(flow, src.label, f"{name} ({p.dst})", p, False, (hop,), (), (blocker,),
                 all_blockers)


def _walk(w: _Walk, start: _End, p: Packet) -> None:
    try:
        if start.kind == "eni":
            assert start.eni is not None
            w.start_at_instance(start.eni, p)
        else:
            w.note("internet", start.label.split(" ")[0], f"sent from {start.label}", p)
            w.internet(p)
    except _Stop:
        pass


def trace(topology: Topology, flow: Flow, all_blockers: bool = False) -> Trace:
    """Explains how ``flow`` goes, or why it does not, forward and back.

    Raises TraceError for a flow that cannot be traced (unknown names, missing port...).
    """
    ix = index_of(topology)
    family = _family(ix, flow)
    src = _resolve_source(ix, flow.src, family)
    dst = _resolve_destination(ix, flow.dst, family, src)
    # an instance the source cannot address: show the packet to its private address
    placeholder = dst.address or (dst.eni.private_ip if dst.eni and family == 4 else None) or (
        "0.0.0.0" if family == 4 else "::")
    p = _first_packet(flow, src.address, placeholder, family)
    conn = _Conn()
    fwd = _Walk(ix, "forward", all_blockers, conn)
    if not dst.address:
        why = f"{dst.label}: it cannot be reached from {src.label} (V64)"
        fwd.hops.append(Hop("instance", flow.dst, DENY, why,
                            "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", None, p))
        fwd.blockers.append(Blocker("forward", "instance", flow.dst,
                                    "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", why,
                                    f"associate a public address with {flow.dst}"))
        return Trace(flow, src.label, dst.label, p, False, tuple(fwd.hops), (),
                     tuple(fwd.blockers), all_blockers)
    if src.kind == "eni" and src.eni is not None and _is_resolver(ix, src.eni.vpc, p.dst):
        return _resolver_trace(ix, flow, src, dst, p, all_blockers)
    _walk(fwd, src, p)
    ret = _Walk(ix, "return", all_blockers, conn)
    ret.mute = bool(fwd.blockers)
    delivered = fwd.delivered
    if delivered is not None:
        reply = delivered.reply()
        if dst.kind == "eni" and dst.eni is not None:
            replier = _End("eni", dst.label, reply.src, dst.eni)
        else:
            replier = _End("internet", dst.label, reply.src)
        _walk(ret, replier, reply)
        if ret.delivered is not None and (ret.delivered.dst, ret.delivered.dport) != (
            p.src, p.sport
        ):
            ret.hops.append(Hop("instance", src.label, DENY,
                                f"the reply arrives as {ret.delivered.describe()}, which does not"
                                " match the connection", None, None, ret.delivered))
            ret.blockers.append(Blocker("return", "instance", src.label, None,
                                        "reply does not match the connection",
                                        "make the reply return the way the request went"))
            ret.delivered = None
    blockers = tuple(fwd.blockers + ret.blockers)
    reachable = fwd.delivered is not None and ret.delivered is not None and not blockers
    return Trace(
        flow, src.label, dst.label, p, reachable, tuple(fwd.hops), tuple(ret.hops), blockers,
        all_blockers, tuple(fwd.logs + ret.logs),
    )


__all__ = ["DEFAULT_SOURCE_PORT", "Blocker", "Flow", "Hop", "LogEvent", "Trace", "TraceError",
           "trace"]
