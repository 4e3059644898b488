"""The walk: one direction of a trace, hop by hop (see the package docstring).

``Walk`` records hops and blockers and moves a packet between ENIs: sending from a subnet (same
subnet, or NACL outbound + route table), arriving in a subnet (NACL inbound, then the ENI), an
instance's security groups. ``ROUTE_TARGETS`` says what each route target kind does with the
packet and ``ARRIVALS`` what each kind of ENI does when the packet reaches it; the gateways live
in ``gateways.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from netemu.vpc import addressing, mtu, nacls, routing, security_groups
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.index import Eni, Index
from netemu.vpc.model import Route, RouteTarget
from netemu.vpc.packets import ICMP, ICMPV6, Packet
from netemu.vpc.trace import gateways, vpn
from netemu.vpc.trace.fixes import nacl_change, route_change, sg_change, suggest_target
from netemu.vpc.trace.values import Blocker, Hop, LogEvent, Stop

MAX_HOPS = 64  # a routing loop (e.g. 0.0.0.0/0 -> NAT in the NAT's own subnet) ends here

@dataclass(slots=True)
class Conn:
    """What the forward walk left behind for the reply: NAT bindings and egress-only exits."""

    nat: dict[str, tuple[Packet, Packet]] = field(default_factory=dict)  # name -> (before, after)
    eigw_vpcs: set[str] = field(default_factory=set)
    # gateway endpoints the request went through: service host address -> (vpc, endpoint)
    endpoints: dict[str, tuple[str, str]] = field(default_factory=dict)
    service_request: tuple[str | None, str | None] = (None, None)  # (action, resource)
    # appliance mode (V78): (transit gateway, attachment) -> the subnet the flow hash chose
    tgw_flows: dict[tuple[str, str], str] = field(default_factory=dict)
    # the middleboxes (instances with the check off) that forwarded the request: vpc -> names
    middleboxes: dict[str, set[str]] = field(default_factory=dict)


class Walk:
    def __init__(self, ix: Index, path: str, all_blockers: bool, conn: Conn,
                 size: int | None = None) -> None:
        self.ix = ix
        self.size = size  # the IP packet size to check against each hop's MTU (--size)
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
        # The ENI that last put the packet on the wire (transit gateway attachments are
        # transparent): SG references match only packets straight from a member's ENI (V44).
        self.sender: Eni | None = None
        self.origin: Eni | None = None  # the instance that sent the first packet

    @property
    def forward(self) -> bool:
        return self.path == "forward"

    # recording ---------------------------------------------------------------------------------
    def note(self, component: str, name: str, reason: str, packet: Packet,
             rule: str | None = None, code: str | None = None,
             details: tuple[str, ...] = ()) -> None:
        self.hops.append(Hop(component, name, ALLOW, reason, code, rule, packet,
                             details=details))

    def check(self, component: str, name: str, d: Decision, packet: Packet,
              change: str | Callable[[], str]) -> bool:
        """Records the hop; True when the walk goes on (allowed, or assumed so). ``change``
        (text, or a function giving it) says what would let the packet pass."""
        self.hops.append(Hop(component, name, d.verdict, d.reason, d.code, d.rule, packet,
                             d.matched))
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
        raise Stop

    def log(self, eni: Eni, packet: Packet, accepted: bool, direction: str = "ingress",
            traffic_path: str = "-") -> None:
        """Flow-log material; only what really happens: nothing past a blocker, even when
        ``all_blockers`` walks on. ``direction``: the packet goes into (``ingress``) or out of
        (``egress``) the ENI; ``traffic_path``: the flow-log code of the way it leaves."""
        if eni.kind == "tgw_attachment" or self.blockers or self.mute:
            return
        self.logs.append(LogEvent(eni.eni_id, eni.name, packet, "ACCEPT" if accepted else "REJECT",
                                  eni.vpc, eni.subnet, eni.kind, direction, not self.forward,
                                  traffic_path))

    def forwarded_by_middlebox(self, p: Packet) -> bool:
        """The packet reaches the next ENI from an instance that is not its source: it was
        routed through a middlebox (source/destination check off), V44."""
        return (self.sender is not None and self.sender.kind == "instance"
                and p.src not in self.sender.addresses())

    def members_at(self, eni: Eni, p: Packet) -> Callable[[Any], frozenset[str]]:
        """Group membership as seen at ``eni``: a reference matches a member's private address
        only when the packet comes straight from that member's ENI, so nothing through a
        middlebox (V44); references to another VPC's groups match only when the packet did not
        cross a transit gateway without referencing support (V79)."""
        if self.forwarded_by_middlebox(p):
            return _no_members
        if not self.via_tgw or self.tgw_sg_referencing:
            return self.ix.member_ips
        ix = self.ix

        def members(ref: Any) -> frozenset[str]:
            return ix.member_ips(ref) if ref.vpc == eni.vpc else frozenset()

        return members

    # sending -----------------------------------------------------------------------------------
    def start_at_instance(self, eni: Eni, p: Packet) -> None:
        groups = self.ix.groups_of(eni)
        self.origin = eni
        self.check_mtu(mtu.VPC_MTU, "instance", eni.name, p, "its network interface")
        if self.forward:
            d = security_groups.evaluate(groups, "egress", p, self.ix.member_ips)
        else:
            d = security_groups.tracked_reply(groups, "egress")
        if not d.allowed:
            self.log(eni, p, False, "egress")
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: sg_change(eni, "egress", p)):
            raise Stop
        self.send(eni, p, origin=True)

    def send(self, eni: Eni, p: Packet, origin: bool = False) -> None:
        """``eni`` (in its subnet) puts ``p`` on the wire: same subnet, or NACL out + route."""
        self.steps += 1
        if self.steps > MAX_HOPS:
            self.drop("route-table", eni.subnet, f"routing loop: more than {MAX_HOPS} hops", p)
        if eni.kind != "tgw_attachment":
            self.sender = eni
        ix = self.ix
        subnet = ix.subnets[(eni.vpc, eni.subnet)]
        if ix.subnet_contains(subnet, p.dst):
            target = ix.eni_in_vpc(eni.vpc, p.dst)
            if origin:
                self.log(eni, p, True, "egress", TRAFFIC_PATH["local"])
            self.note(
                "subnet", subnet.name,
                f"{p.dst} is in the same subnet {subnet.cidr}: delivered directly, no route table"
                " and no network ACL (V35)", p,
            )
            if target is None:
                why = addressing.never_forwarded(p.dst, [subnet.cidr])
                self.drop("subnet", subnet.name,
                          why or f"no network interface has the address {p.dst}", p)
            self.arrive(target, p, from_subnet=subnet.name)
            return
        rtb = ix.route_tables[(eni.vpc, subnet.route_table)]
        rd = routing.lookup(rtb, p.dst, lambda t: ix.target_available(eni.vpc, t))
        acl = ix.nacls[(eni.vpc, subnet.network_acl)]
        nd = nacls.evaluate(acl, "outbound", p)
        if origin or eni.kind == "nat_gateway":
            self.log(eni, p, nd.allowed, "egress", self.traffic_path(eni.vpc, rd.matched))
        if not self.check("network-acl", acl.name, nd, p,
                          lambda: nacl_change(acl.name, "outbound", p, nd, self.path)):
            raise Stop
        route = rd.matched if isinstance(rd.matched, Route) else None
        if not rd.allowed:
            suggestion = suggest_target(self.ix, eni.vpc, p)
            change = route_change(rtb.name, p.dst, rd, suggestion)
            self.check("route-table", rtb.name, rd, p, change)
            if not self.all_blockers or suggestion is None:
                raise Stop
            self.note("route-table", rtb.name,
                      f"(assumed) a route to {p.dst} -> {suggestion}", p, rule=f"-> {suggestion}")
            self.dispatch(eni, subnet.name, suggestion, p)
            return
        self.check("route-table", rtb.name, rd, p, "")
        assert route is not None
        self.dispatch(eni, subnet.name, route.target, p)

    def traffic_path(self, vpc: str, route: object) -> str:
        """The flow-log ``traffic-path`` of an egress packet taking ``route`` (V92 fields)."""
        if not isinstance(route, Route):
            return "-"
        if route.target.kind == "peering":
            topo = self.ix.topology
            pcx = next((x for x in topo.peerings if x.name == route.target.name), None)
            if pcx is None:
                return "-"
            same = topo.vpc(pcx.requester).region == topo.vpc(pcx.accepter).region
            return "4" if same else "5"
        return TRAFFIC_PATH.get(route.target.kind, "-")

    def dispatch(self, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
        """Hands ``p`` to the route's target (ROUTE_TARGETS: one handler per target kind),
        unless the destination never leaves the VPC that way (V16, V24, V37) or the packet is
        larger than the hop's MTU (V39, V60)."""
        component, name = _hop_label(eni.vpc, target)
        if target.kind in LEAVING_KINDS:
            cidrs = [s.cidr for s in self.ix.vpcs[eni.vpc].subnets]
            why = addressing.never_forwarded(p.dst, cidrs)
            if why is not None:
                self.drop(component, name, f"{why}: {component.replace('-', ' ')} {name} does"
                          " not carry it", p, "CANNOT_ROUTE",
                          change=f"no setting carries {p.dst} out of the VPC (V16, V24)")
        self.check_mtu(mtu.target_mtu(self.ix.topology, eni.vpc, target), component, name, p)
        ROUTE_TARGETS[target.kind](self, eni, subnet, target, p)

    def check_mtu(self, hop: int, component: str, name: str, p: Packet,
                  what: str = "") -> None:
        """``--size``: a packet larger than the hop's MTU stops here (Don't Fragment set). The hop
        sends ICMP "fragmentation needed" back; path MTU discovery works when the sender's
        network ACL and security groups let that ICMP in (V39)."""
        if self.size is None or not self.forward or mtu.fits(self.size, hop):
            return
        where = what or f"{component.replace('-', ' ')} {name}"
        reason = f"a packet of {self.size} bytes exceeds the MTU {hop} of {where} (V39, V60)"
        if self.origin is None or component == "instance":
            self.drop(component, name, reason + ": it is not sent", p, rule=f"MTU {hop}",
                      change=f"send packets of at most {hop} bytes")
        blocked, detail = pmtud_blocked(self.ix, self.origin, p, self.size, hop)
        if blocked is None:
            self.drop(component, name, f"{reason}; Don't Fragment is set, so it is dropped and "
                      f"{detail}", p, rule=f"MTU {hop}",
                      change=f"send packets of at most {hop} bytes (path MTU discovery finds it)")
        self.drop(component, name, f"{reason}; Don't Fragment is set, so it is dropped, and "
                  f"{detail}: path MTU discovery fails and packets this large black-hole (V39)",
                  p, blocked.code, f"MTU {hop}",
                  change=f"allow ICMP type 3 code 4 (fragmentation needed) in: {blocked.rule}"
                  f" (V39), or send packets of at most {hop} bytes")

    # arriving ----------------------------------------------------------------------------------
    def arrive(self, eni: Eni, p: Packet, from_subnet: str | None) -> None:
        """``p`` reaches ``eni``; ``from_subnet`` None when it comes from a gateway."""
        if from_subnet != eni.subnet:
            subnet = self.ix.subnets[(eni.vpc, eni.subnet)]
            acl = self.ix.nacls[(eni.vpc, subnet.network_acl)]
            nd = nacls.evaluate(acl, "inbound", p)
            if not nd.allowed:
                self.log(eni, p, False, "ingress")
            if not self.check("network-acl", acl.name, nd, p,
                              lambda: nacl_change(acl.name, "inbound", p, nd, self.path)):
                raise Stop
        ARRIVALS[eni.kind](self, eni, p)

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
            d = security_groups.evaluate(groups, "ingress", p, self.members_at(eni, p))
            if not d.allowed and self.forwarded_by_middlebox(p) and security_groups.evaluate(
                    groups, "ingress", p, self.ix.member_ips).allowed:
                d = replace(d, code="SG_REFERENCES_NOT_PRESERVED", reason=d.reason + "; a"
                            " rule referencing a security group would match, but the packet was"
                            f" routed through {self.sender.name if self.sender else 'a middlebox'}"
                            ", so it no longer comes from a member's network interface (V44)")
            elif not d.allowed and self.via_tgw and not self.tgw_sg_referencing and any(
                r.group is not None and r.group.vpc != eni.vpc for g in groups for r in g.ingress
            ):
                d = replace(d, code="SG_REFERENCING_SUPPORT", reason=d.reason + "; references to"
                            " groups of other VPCs do not match across a transit gateway"
                            " attachment without security group referencing support (V79)")
        else:
            d = security_groups.tracked_reply(groups, "ingress")
        self.log(eni, p, d.allowed)
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: sg_change(eni, "ingress", p)):
            raise Stop
        if mine:
            self.note("instance", eni.name, f"delivered to {eni.name} ({p.dst})", p)
            self.delivered = p
            return
        # A middlebox (route target ``instance``): it forwards the packet as it is, from the
        # ENI its OS routes ``p.dst`` to (an instance with several ENIs, V167).
        self.note("instance", eni.name,
                  f"{eni.name} forwards the packet (source/destination check disabled)", p)
        self._asymmetry(eni, p)
        out = self.ix.out_eni(eni, p.dst)
        if out is not eni:
            self.note("instance", out.name, f"{eni.owner} sends it from its network interface "
                      f"{out.name} in subnet {out.subnet} (V167)", p)
            if out.source_dest_check:
                self.drop("instance", out.name, f"the source/destination check of {out.name} is "
                          "enabled: it does not send what is not from its own address (V167)",
                          p, "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                          change=f"disable the source/destination check of {out.name}")
            eni, groups = out, self.ix.groups_of(out)
        if self.forward:
            d = security_groups.evaluate(groups, "egress", p, self.ix.member_ips)
        else:
            d = security_groups.tracked_reply(groups, "egress")
        if not self.check("security-group", ", ".join(eni.security_groups), d, p,
                          lambda: sg_change(eni, "egress", p)):
            raise Stop
        self.send(eni, p)


    def _asymmetry(self, eni: Eni, p: Packet) -> None:
        """Records the middleboxes the request crosses; says when the reply crosses another
        one of the same VPC: a stateful appliance (a firewall) that never saw the request
        drops the reply. Across a transit gateway that is the zone rule without appliance
        mode (V78)."""
        seen = self.conn.middleboxes.setdefault(eni.vpc, set())
        if self.forward:
            seen.add(eni.name)
            return
        if seen and eni.name not in seen:
            self.note("instance", eni.name,
                      f"asymmetric path: the request went through {', '.join(sorted(seen))}, "
                      f"the reply goes through {eni.name}; a stateful appliance drops a reply"
                      " whose request it never saw" + (
                          " (a transit gateway without appliance mode delivers each direction"
                          " in the zone it entered in, V78)" if self.via_tgw else ""), p,
                      code="TGW_ATTACH_VPC_AZ_RESTRICTION" if self.via_tgw else None)


# --- what each route target and each ENI does with a packet -------------------------------------


def _no_members(ref: Any) -> frozenset[str]:
    return frozenset()


# The flow-log ``traffic-path`` (version 5) of an egress packet by the kind of route it takes:
# 1 another resource of the VPC (an ENI: instance, NAT gateway, transit gateway attachment),
# 2 an internet gateway (the egress-only one too: netemu decision), 4/5 an intra/inter-Region
# peering (Walk.traffic_path); 2 also for a gateway VPC endpoint, as AWS documents.
TRAFFIC_PATH = {"local": "1", "instance": "1", "nat_gateway": "1", "transit_gateway": "1",
                "internet_gateway": "2", "egress_only_internet_gateway": "2", "vpc_endpoint": "2",
                "vpn_gateway": "3"}
# Targets that carry a packet out of the VPC: multicast, broadcast and link-local destinations
# stop at them (V16, V24, V37).
LEAVING_KINDS = ("internet_gateway", "egress_only_internet_gateway", "nat_gateway", "peering",
                 "vpc_endpoint", "vpn_gateway")
_COMPONENTS = {
    "local": "vpc", "instance": "instance", "nat_gateway": "nat-gateway",
    "internet_gateway": "internet-gateway", "egress_only_internet_gateway":
    "egress-only-internet-gateway", "peering": "peering-connection",
    "transit_gateway": "transit-gateway", "blackhole": "route-table",
    "vpc_endpoint": "vpc-endpoint",
    "vpn_gateway": "vpn-gateway",
}


def _hop_label(vpc: str, target: RouteTarget) -> tuple[str, str]:
    """The (component, name) a hop to ``target`` is reported as."""
    suffix = {"internet_gateway": "-igw", "egress_only_internet_gateway": "-eigw"}
    name = target.name or (vpc + suffix.get(target.kind, ""))
    return _COMPONENTS.get(target.kind, target.kind), name


def pmtud_blocked(ix: Index, origin: Eni, p: Packet, size: int,
                  hop: int) -> tuple[Decision | None, str]:
    """V39: does ICMP "fragmentation needed" (IPv6: "packet too big") from the hop reach the
    sender ``origin``? Its subnet's network ACL (inbound) and its security groups (ingress)
    must allow it: AWS's security groups do not admit it as part of the connection. The ICMP
    message is taken to come from the packet's destination (netemu decision: the address a
    rule for that flow names). Returns (the blocking decision or None, a sentence)."""
    src = p.dst
    dst = origin.private_ip if p.version == 4 else (origin.ipv6 or "")
    kind, code = (mtu.ICMP_FRAG_NEEDED if p.version == 4 else mtu.ICMPV6_PACKET_TOO_BIG)
    icmp = Packet(ICMP if p.version == 4 else ICMPV6, src, dst or "", icmp_type=kind,
                  icmp_code=code)
    subnet = ix.subnets[(origin.vpc, origin.subnet)]
    acl = ix.nacls[(origin.vpc, subnet.network_acl)]
    nd = nacls.evaluate(acl, "inbound", icmp)
    what = f"ICMP fragmentation needed (type {kind} code {code}, MTU {hop}) back to {origin.name}"
    if not nd.allowed:
        return (replace(nd, rule=f"network ACL {acl.name} (inbound)"),
                f"{what} is denied by network ACL {acl.name}")
    sd = security_groups.evaluate(ix.groups_of(origin), "ingress", icmp, ix.member_ips)
    if not sd.allowed:
        return (replace(sd, rule=f"security group {', '.join(origin.security_groups)} (inbound)"),
                f"{what} is not allowed by the security groups of {origin.name}")
    return None, (f"{what} passes its network ACL and security groups: path MTU discovery "
                  f"lowers the size to {hop} (V39)")


def _to_vpc_address(w: Walk, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
    dest = w.ix.eni_in_vpc(eni.vpc, p.dst)
    if dest is None:
        why = addressing.never_forwarded(p.dst, [s.cidr for s in w.ix.vpcs[eni.vpc].subnets])
        w.drop("vpc", eni.vpc,
               why or f"no network interface in VPC {eni.vpc} has the address {p.dst}", p)
    w.arrive(dest, p, from_subnet=subnet)


def _to_eni(w: Walk, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
    """A NAT gateway or an instance (a middlebox) of the VPC, in its own subnet."""
    w.arrive(w.ix.enis_by_name[(eni.vpc, target.name or "")], p, from_subnet=subnet)


RouteHandler = Callable[[Walk, Eni, str, RouteTarget, Packet], None]
# routing.lookup never returns a blackhole route as allowed: "blackhole" has no handler.
ROUTE_TARGETS: dict[str, RouteHandler] = {
    "local": _to_vpc_address,
    "internet_gateway": lambda w, eni, s, t, p: gateways.igw_egress(w, eni.vpc, p),
    "egress_only_internet_gateway": lambda w, eni, s, t, p: gateways.eigw_egress(w, eni.vpc, p),
    "nat_gateway": _to_eni,
    "instance": _to_eni,
    "peering": lambda w, eni, s, t, p: gateways.peering(w, eni.vpc, t.name or "", p),
    "transit_gateway": lambda w, eni, s, t, p: gateways.tgw(w, eni.vpc, s, t.name or "", p),
    "vpc_endpoint": lambda w, eni, s, t, p: gateways.endpoint_egress(w, eni.vpc, t.name or "",
                                                                      p),
    "vpn_gateway": lambda w, eni, s, t, p: vpn.to_site(w, eni.vpc, t.name or "", p),
}
# Attachment ENIs have no address a packet could be routed to: no entry.
ARRIVALS: dict[str, Callable[[Walk, Eni, Packet], None]] = {
    "instance": Walk.arrive_instance,
    "nat_gateway": gateways.arrive_nat,
}
