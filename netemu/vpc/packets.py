"""Packet headers as the evaluators see them, and the protocol facts they share.

A ``Packet`` is the IP header plus the transport ports (None for protocols without ports) and,
for ICMP, the type and code. Addresses are canonical strings (``ipaddress`` form), so the same
address always compares equal; address arithmetic lives in ``addressing``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netemu.vpc.addressing import address
from netemu.vpc.model import PROTOCOL_NUMBERS, IcmpMatch, PortRange

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
PORT_PROTOCOLS = (TCP, UDP)
ICMP_PROTOCOLS = (ICMP, ICMPV6)
PROTOCOL_NAMES = {v: k for k, v in PROTOCOL_NUMBERS.items()}

# ICMP echo request -> echo reply (IPv4 8 -> 0, IPv6 128 -> 129)
ECHO_REPLY = {(ICMP, 8): 0, (ICMPV6, 128): 129}

def protocol_name(number: int) -> str:
    return PROTOCOL_NAMES.get(number, str(number))


@dataclass(frozen=True, slots=True)
class Packet:
    protocol: int
    src: str
    dst: str
    sport: int | None = None
    dport: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None

    @property
    def version(self) -> int:
        return address(self.src).version

    def reply(self) -> Packet:
        """The answer a stateful peer sends: addresses and ports swapped, echo -> echo reply."""
        icmp_type = self.icmp_type
        if self.protocol in ICMP_PROTOCOLS and icmp_type is not None:
            icmp_type = ECHO_REPLY.get((self.protocol, icmp_type), icmp_type)
        return replace(
            self, src=self.dst, dst=self.src, sport=self.dport, dport=self.sport,
            icmp_type=icmp_type,
        )

    def describe(self) -> str:
        """``tcp 10.0.1.10:40000 -> 203.0.113.50:443`` / ``icmp 10.0.1.10 -> 10.0.2.5 type 8``."""
        name = protocol_name(self.protocol)
        if self.protocol in PORT_PROTOCOLS:
            return f"{name} {self.src}:{self.sport} -> {self.dst}:{self.dport}"
        if self.protocol in ICMP_PROTOCOLS:
            return f"{name} {self.src} -> {self.dst} type {self.icmp_type} code {self.icmp_code}"
        return f"{name} {self.src} -> {self.dst}"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "protocol": protocol_name(self.protocol), "src": self.src, "dst": self.dst,
        }
        if self.protocol in PORT_PROTOCOLS:
            out["src_port"] = self.sport
            out["dst_port"] = self.dport
        if self.protocol in ICMP_PROTOCOLS:
            out["icmp_type"] = self.icmp_type
            out["icmp_code"] = self.icmp_code
        return out


def matches_protocol(rule_protocol: int, rule_ports: PortRange | None,
                     rule_icmp: IcmpMatch | None, p: Packet) -> bool:
    """Shared by SG and NACL rules: protocol -1 matches all; TCP/UDP rules match the destination
    port; ICMP rules match type and code (-1 = any)."""
    if rule_protocol != -1 and rule_protocol != p.protocol:
        return False
    if rule_protocol in PORT_PROTOCOLS and rule_ports is not None:
        return p.dport in rule_ports
    if rule_protocol in ICMP_PROTOCOLS and rule_icmp is not None:
        t, c = rule_icmp.type, rule_icmp.code
        return (t == -1 or t == p.icmp_type) and (c == -1 or c == p.icmp_code)
    return True
