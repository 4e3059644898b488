"""Which subnet of a VPC attachment a transit gateway delivers a packet to (V78). PURE.

Without appliance mode the transit gateway hands a packet to the attachment's network interface
in the Availability Zone the packet entered the transit gateway in, and to another zone's (the
first subnet listed) only when the attachment has none there: the two directions of a flow
between different zones may therefore cross a middlebox VPC in different zones. With appliance
mode on, the transit gateway picks one of the attachment's interfaces per flow by a flow hash
and uses it for both directions for the life of the flow.

netemu's flow hash is the one the data plane computes on real packets: the kernel's ``jhash``
of the source and destination IPv4 addresses (seed 0), scaled to 1..``modulus`` (nftables
``jhash ip saddr . ip daddr mod M seed 0x0 offset 1``), taken when the flow's first packet
enters the transit gateway; the reply reuses it (a conntrack mark there). ``modulus`` is the
least common multiple of the subnet counts of the transit gateway's appliance-mode attachments,
so each attachment's subnets get an equal share of the hash values.
"""

from __future__ import annotations

import ipaddress
import math

from netemu.vpc.model import TgwAttachment, TransitGateway

_M32 = 0xFFFFFFFF
_JHASH_INITVAL = 0xDEADBEEF


def modulus(tgw: TransitGateway) -> int:
    """1..modulus are the flow-hash values of ``tgw``; 0 when no attachment is in appliance
    mode with more than one subnet (then no flow hash is taken)."""
    counts = [len(a.subnets) for a in tgw.attachments if a.appliance_mode and len(a.subnets) > 1]
    return math.lcm(*counts) if counts else 0


def flow_hash(src: str, dst: str, mod: int) -> int:
    """The flow's hash value, 1..``mod``, for IPv4 ``src`` -> ``dst`` as the transit gateway
    first sees it (Linux ``jhash`` of the 8 address bytes, ``reciprocal_scale``)."""
    key = ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed
    return ((_jhash8(key) * mod) >> 32) + 1


def subnet_for_hash(att: TgwAttachment, value: int) -> str:
    """The subnet of appliance-mode attachment ``att`` that hash value ``value`` selects."""
    return att.subnets[(value - 1) % len(att.subnets)]


def same_zone_subnet(att: TgwAttachment, az: str | None, az_of: dict[str, str]) -> str:
    """Without appliance mode: the attachment subnet in zone ``az`` (where the packet entered
    the transit gateway), else the first one listed. ``az_of``: subnet name -> zone."""
    return next((s for s in att.subnets if az is not None and az_of[s] == az), att.subnets[0])


def _rol(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _M32


def _jhash8(key: bytes) -> int:
    """Linux's ``jhash(key, 8, 0)``: the key as two little-endian words, then the final mix.
    tests/vpc/test_appliance_mode.py holds values read back from the kernel;
    tests/dataplane/test_tgw_appliance.py compares with the TGW namespace's conntrack marks."""
    a = b = c = (_JHASH_INITVAL + len(key)) & _M32
    a = (a + int.from_bytes(key[0:4], "little")) & _M32
    b = (b + int.from_bytes(key[4:8], "little")) & _M32
    c ^= b
    c = (c - _rol(b, 14)) & _M32
    a ^= c
    a = (a - _rol(c, 11)) & _M32
    b ^= a
    b = (b - _rol(a, 25)) & _M32
    c ^= b
    c = (c - _rol(b, 16)) & _M32
    a ^= c
    a = (a - _rol(c, 4)) & _M32
    b ^= a
    b = (b - _rol(a, 14)) & _M32
    c ^= b
    c = (c - _rol(b, 24)) & _M32
    return c
