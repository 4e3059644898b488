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

from netemu.vpc import nacls, routing, security_groups
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.index import Eni, Index
from netemu.vpc.model import Route, RouteTarget
from netemu.vpc.packets import Packet
from netemu.vpc.trace import gateways
from netemu.vpc.trace.fixes import nacl_change, route_change, sg_change, suggest_target
from netemu.vpc.trace.values import Blocker, Hop, LogEvent, Stop

MAX_HOPS = 64  # a routing loop (e.g. 0.0.0.0/0 -> NAT in the NAT's own subnet) ends here

@dataclass(slots=True)
class Conn:
    """What the forward walk left behind for the reply: NAT bindings and egress-only exits."""

    nat: dict[str, tuple[Packet, Packet]] = field(default_factory=dict)  # name -> (before, after)
    eigw_vpcs: set[str] = field(default_factory=set)


class Walk:
    def __init__(self, ix: Index, path: str, all_blockers: bool, conn: Conn) -> None:
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
        raise Stop

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
                          lambda: sg_change(eni, "egress", p)):
            raise Stop
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

    def dispatch(self, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
        """Hands ``p`` to the route's target (ROUTE_TARGETS: one handler per target kind)."""
        ROUTE_TARGETS[target.kind](self, eni, subnet, target, p)

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
                          lambda: sg_change(eni, "ingress", p)):
            raise Stop
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
                          lambda: sg_change(eni, "egress", p)):
            raise Stop
        self.send(eni, p)


    # gateways ----------------------------------------------------------------------------------








# --- what each route target and each ENI does with a packet -------------------------------------


def _to_vpc_address(w: Walk, eni: Eni, subnet: str, target: RouteTarget, p: Packet) -> None:
    dest = w.ix.eni_in_vpc(eni.vpc, p.dst)
    if dest is None:
        w.drop("vpc", eni.vpc, f"no network interface in VPC {eni.vpc} has the address {p.dst}",
               p)
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
}
# Attachment ENIs have no address a packet could be routed to: no entry.
ARRIVALS: dict[str, Callable[[Walk, Eni, Packet], None]] = {
    "instance": Walk.arrive_instance,
    "nat_gateway": gateways.arrive_nat,
}
