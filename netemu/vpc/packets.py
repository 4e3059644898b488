"""Packet headers as the evaluators see them, and the address arithmetic they share.

A ``Packet`` is the IP header plus the transport ports (None for protocols without ports) and,
for ICMP, the type and code. Addresses are canonical strings (``ipaddress`` form), so the same
address always compares equal. Parsing is cached: a trace touches the same few CIDRs many times.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TypeVar

from netemu.vpc import addressing
from netemu.vpc.model import PROTOCOL_NUMBERS

T = TypeVar("T")
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
PORT_PROTOCOLS = (TCP, UDP)
ICMP_PROTOCOLS = (ICMP, ICMPV6)
PROTOCOL_NAMES = {v: k for k, v in PROTOCOL_NUMBERS.items()}

# ICMP echo request -> echo reply (IPv4 8 -> 0, IPv6 128 -> 129)
ECHO_REPLY = {(ICMP, 8): 0, (ICMPV6, 128): 129}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=1 << 16)
def address(text: str) -> Address:
    return ipaddress.ip_address(text)


@lru_cache(maxsize=1 << 16)
def network(cidr: str) -> Network:
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=1 << 16)
def address_int(text: str) -> tuple[int, int]:
    """(version, integer value) of an address."""
    a = ipaddress.ip_address(text)
    return a.version, int(a)


@lru_cache(maxsize=1 << 16)
def network_int(cidr: str) -> tuple[int, int, int]:
    """(version, network integer, mask integer): ``ip in cidr`` is
    ``version == v and ip_int & mask == net``."""
    n = ipaddress.ip_network(cidr, strict=False)
    return n.version, int(n.network_address), int(n.netmask)


_MEMO: dict[tuple[str, int], tuple[object, object]] = {}
_MEMO_LIMIT = 1 << 17


def memo(kind: str, obj: object, build: Callable[[Any], T]) -> T:
    """``build(obj)`` computed once per object (by identity; the object is kept alive with its
    value). Evaluators use it to compile rule tables of frozen model values."""
    key = (kind, id(obj))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is obj:
        return hit[1]  # type: ignore[return-value]
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    value = build(obj)
    _MEMO[key] = (obj, value)
    return value


def canonical(text: str) -> str:
    """The canonical text of an address (raises ValueError when it is not one)."""
    return str(address(text))


def is_address(text: str) -> bool:
    try:
        address(text)
    except ValueError:
        return False
    return True


def version(text: str) -> int:
    return address(text).version


def contains(cidr: str, ip: str) -> bool:
    """``ip`` lies in ``cidr`` (never across address families)."""
    net = network(cidr)
    addr = address(ip)
    return addr.version == net.version and addr in net


_RFC1918_6598 = addressing.RFC1918 + (addressing.RFC6598,)


def is_private_ipv4(ip: str) -> bool:
    """RFC 1918 or RFC 6598 (carrier-grade NAT) space: the ranges the IGW refuses (V66)."""
    addr = address(ip)
    return addr.version == 4 and any(addr in n for n in _RFC1918_6598)


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


def matches_protocol(rule_protocol: int, rule_ports: object, rule_icmp: object, p: Packet) -> bool:
    """Shared by SG and NACL rules: protocol -1 matches all; TCP/UDP rules match the destination
    port; ICMP rules match type and code (-1 = any)."""
    if rule_protocol != -1 and rule_protocol != p.protocol:
        return False
    if rule_protocol in PORT_PROTOCOLS and rule_ports is not None:
        return bool(p.dport in rule_ports)  # type: ignore[operator]
    if rule_protocol in ICMP_PROTOCOLS and rule_icmp is not None:
        t, c = rule_icmp.type, rule_icmp.code  # type: ignore[attr-defined]
        return bool((t == -1 or t == p.icmp_type) and (c == -1 or c == p.icmp_code))
    return True
