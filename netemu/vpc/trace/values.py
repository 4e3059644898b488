"""The values of a trace: what to trace (Flow) and what it found (Trace, Hop, Blocker,
LogEvent). Their ``to_json`` shapes are the stable ``--json`` contract (docs/vpc.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netemu.vpc.decision import ALLOW
from netemu.vpc.model import PROTOCOL_NUMBERS
from netemu.vpc.packets import Packet

DEFAULT_SOURCE_PORT = 40000  # an ephemeral port of the kernel's range 32768-60999 (V36, V96)


class TraceError(ValueError):
    """The flow cannot be traced: an unknown node or address, a missing port, mixed families."""


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flow:
    """What to trace. ``src``/``dst``: an instance name, an internet host name (topology
    ``internet.hosts``) or an address (private, public, IPv6, or any internet address).
    ``protocol``: a name (``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all``) or an IANA number.
    ``port``: the destination port (TCP/UDP). ``src_port``: the client's ephemeral port.
    ``ip_version``: 4 or 6 when both ends are names (default 4). ``size``: the IP packet size
    in bytes (header included, Don't Fragment set) to check against each hop's MTU (V39, V60);
    None: no MTU check."""

    src: str
    dst: str
    protocol: int | str = "tcp"
    port: int | None = None
    src_port: int = DEFAULT_SOURCE_PORT
    icmp_type: int | None = None
    icmp_code: int = 0
    ip_version: int | None = None
    size: int | None = None
    # A request to an AWS service through a gateway endpoint (V137): the action
    # (``s3:GetObject``) and the resource ARN it addresses; None: not said.
    service_action: str | None = None
    service_resource: str | None = None

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
    # Not in ``to_json`` (the --json contract): for ``--format reachability-analyzer``
    # (netemu.vpc.reachability). ``matched``: the model object that decided (NaclRule, SgRule,
    # Route, TgwRoute); ``details``: further explanation codes of an allowed hop (V94), e.g. a
    # NAT gateway's NGW_DEST_ADDRESS_PRESERVATION and REMAP_EPHEMERAL_PORT.
    matched: object = field(default=None, compare=False)
    details: tuple[str, ...] = field(default=(), compare=False)

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
    # for the version 3-5 fields of custom formats (V92): where the ENI is, which way the
    # packet goes through it, and (egress) the traffic-path code of the route it takes
    vpc: str = ""
    subnet: str = ""
    kind: str = "instance"  # the ENI's owner: "instance" | "nat_gateway"
    direction: str = "ingress"  # "ingress" | "egress"
    reply: bool = False  # a packet of the return path
    traffic_path: str = "-"


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
    # Reachability Analyzer explanation codes of an unreachable path (V93, V94): the codes of
    # the blockers, then the path's own (MORE_SPECIFIC_ROUTE, DISCONNECTED_VPCS, NO_PATH).
    explanations: tuple[str, ...] = ()

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
                "size": self.flow.size,
            },
            "reachable": self.reachable,
            "hops": [h.to_json() for h in self.hops],
            "return_path": [h.to_json() for h in self.return_path],
            "blockers": [b.to_json() for b in self.blockers],
            "all_blockers": self.all_blockers,
            "explanations": list(self.explanations),
        }


class Stop(Exception):
    """Internal: the packet is dropped here (and no assumption lets the walk go on)."""
