"""CIDR and address arithmetic for VPCs (pure).

Name: addressing
Behaviour (VPC-UG vpc-cidr-blocks.html, subnet-sizing.html; docs/behaviour.md V2, V5, V14, V15):
  - a CIDR written with host bits set is canonicalised, not rejected (V2);
  - in every subnet the first four addresses and the last one are reserved: network, +1 VPC
    router, +2 DNS, +3 reserved, broadcast (V14; the same positions for IPv6 subnets);
  - the Amazon DNS server is the primary VPC CIDR's base + 2 (V15);
  - secondary IPv4 blocks are restricted by the range of the primary block (V5);
  - omitted addresses are allocated from the free ones in ascending order (deterministic).
Examples:
  canonical_cidr("100.68.0.18/18") == "100.68.0.0/18"
  reserved_addresses("10.0.1.0/24")
    == ("10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255")
  available_ip_count("10.0.1.0/24") == 251
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network

Network = IPv4Network | IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RFC6598 = ipaddress.ip_network("100.64.0.0/10")
BENCHMARK = ipaddress.ip_network("198.19.0.0/16")
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")
# Not usable as VPC space (netemu decision for Part M row 4, docs/behaviour.md V5): "this network",
# loopback, link-local (V5), multicast and the reserved class E range.
NEVER_VPC = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)
# V24: no route may target these (IMDS and friends).
ROUTE_FORBIDDEN = (ipaddress.ip_network("169.254.168.0/22"), ipaddress.ip_network("fd00:ec2::/32"))
# Addresses that can never be a public IPv4 (EIP / auto-assigned public address).
NOT_PUBLIC = RFC1918 + (RFC6598,) + NEVER_VPC


# The one home of address parsing for netemu.vpc: parsed values are cached (a trace touches the
# same few addresses and CIDRs many times), keyed by their text.


def network(text: str) -> Network:
    """Parse a CIDR leniently (host bits allowed, V2); raises ValueError when it is not one."""
    if not isinstance(text, str) or "/" not in text:
        raise ValueError(f"not a CIDR: {text!r}")
    return _network(text)


def address(text: str) -> Address:
    """Parse an address; raises ValueError when it is not one."""
    if not isinstance(text, str):
        raise ValueError(f"not an address: {text!r}")  # noqa: TRY004 - callers catch ValueError
    return _address(text)


@lru_cache(maxsize=1 << 16)
def _network(text: str) -> Network:
    return ipaddress.ip_network(text.strip(), strict=False)


@lru_cache(maxsize=1 << 16)
def _address(text: str) -> Address:
    return ipaddress.ip_address(text.strip())


def canonical_cidr(text: str) -> str:
    """``100.68.0.18/18`` -> ``100.68.0.0/18`` (V2)."""
    return str(network(text))


def canonical_address(text: str) -> str:
    """The canonical text of an address (``2001:DB8::0001`` -> ``2001:db8::1``)."""
    return str(address(text))


def is_address(text: str) -> bool:
    try:
        address(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1 << 16)
def address_int(text: str) -> tuple[int, int]:
    """(version, integer value) of an address."""
    a = address(text)
    return a.version, int(a)


@lru_cache(maxsize=1 << 16)
def network_int(cidr: str) -> tuple[int, int, int]:
    """(version, network integer, mask integer): ``ip in cidr`` is
    ``version == v and ip_int & mask == net``."""
    n = network(cidr)
    return n.version, int(n.network_address), int(n.netmask)


def overlaps(a: str, b: str) -> bool:
    na, nb = network(a), network(b)
    return na.version == nb.version and na.overlaps(nb)


def within(inner: str, outer: str) -> bool:
    """``inner`` equal to or inside ``outer`` (same family)."""
    ni, no = network(inner), network(outer)
    return ni.version == no.version and ni.subnet_of(no)  # type: ignore[arg-type]


def contains(cidr: str, addr: str) -> bool:
    """``addr`` lies in ``cidr`` (never across address families)."""
    n, a = network(cidr), address(addr)
    return n.version == a.version and a in n


def is_private_ipv4(addr: str) -> bool:
    """RFC 1918 or RFC 6598 (carrier-grade NAT) space: the ranges the IGW refuses (V66)."""
    a = address(addr)
    return a.version == 4 and any(a in n for n in RFC1918 + (RFC6598,))


def reserved_addresses(subnet_cidr: str) -> tuple[str, ...]:
    """The five addresses AWS reserves in a subnet (V14): base, +1, +2, +3 and the last."""
    n = network(subnet_cidr)
    base, last = int(n.network_address), int(n.broadcast_address)
    cls = type(n.network_address)
    return tuple(str(cls(i)) for i in (base, base + 1, base + 2, base + 3, last))


def is_reserved(addr: str, subnet_cidr: str) -> bool:
    return str(address(addr)) in reserved_addresses(subnet_cidr)


def available_ip_count(subnet_cidr: str) -> int:
    """AWS's ``AvailableIpAddressCount`` of an empty subnet: 2^(32-len) - 5 (V14)."""
    return network(subnet_cidr).num_addresses - 5


def dns_server(primary_cidr: str) -> str:
    """The Amazon DNS server of a VPC: primary CIDR base + 2 (V15, V80)."""
    n = network(primary_cidr)
    return str(n.network_address + 2)


def vpc_router(subnet_cidr: str) -> str:
    """The subnet's VPC router address: base + 1 (V14)."""
    return str(network(subnet_cidr).network_address + 1)


def allocate(subnet_cidr: str, taken: Iterable[str], count: int) -> list[str]:
    """``count`` free addresses of the subnet, ascending, skipping reserved and ``taken`` ones.
    Returns fewer when the subnet is full."""
    n = network(subnet_cidr)
    used = {int(address(a)) for a in taken}
    out: list[str] = []
    first = int(n.network_address) + 4  # skips base, +1, +2, +3 (V14)
    last = int(n.broadcast_address) - 1  # and the last address
    cls = type(n.network_address)
    i = first
    while len(out) < count and i <= last:
        if i not in used:
            out.append(str(cls(i)))
        i += 1
    return out


def in_any(cidr: str, ranges: Iterable[Network]) -> bool:
    """``cidr`` overlaps one of ``ranges``."""
    n = network(cidr)
    return any(n.version == r.version and n.overlaps(r) for r in ranges)


def is_public_ipv4(addr: str) -> bool:
    a = address(addr)
    return a.version == 4 and not any(a in r for r in NOT_PUBLIC)


def vpc_range_forbidden(cidr: str) -> bool:
    """A range no VPC may use (V5: 169.254.0.0/16; netemu: loopback, multicast, class E, 0/8)."""
    return in_any(cidr, NEVER_VPC)


def _range_of(n: Network) -> str:
    for r in RFC1918:
        if n.subnet_of(r):  # type: ignore[arg-type]
            return str(r)
    if n.subnet_of(BENCHMARK):  # type: ignore[arg-type]
        return str(BENCHMARK)
    return "public"


def association_restricted(existing: Iterable[str], new: str) -> bool:
    """V5: may ``new`` be added as a secondary IPv4 block to a VPC whose blocks are
    ``existing`` (primary first)? True when AWS restricts the association. The restrictions
    depend on the range of the *primary* block (checked against the VPC-UG table)."""
    blocks = [network(b) for b in existing]
    n = network(new)
    if n.version != 4 or not blocks:
        return False
    if n.overlaps(LINK_LOCAL):
        return True
    kind = _range_of(blocks[0])
    ten, one72, one92 = RFC1918
    rules: dict[str, tuple[Network, ...]] = {
        "10.0.0.0/8": (one72, one92, BENCHMARK),
        "172.16.0.0/12": (ten, one92, ipaddress.ip_network("172.31.0.0/16"), BENCHMARK),
        "192.168.0.0/16": (ten, one72, BENCHMARK),
        "198.19.0.0/16": RFC1918,
        "public": RFC1918 + (BENCHMARK,),
    }
    if any(n.overlaps(r) for r in rules[kind]):
        return True
    if kind == "10.0.0.0/8":
        ten15 = ipaddress.ip_network("10.0.0.0/15")
        ten16 = ipaddress.ip_network("10.0.0.0/16")
        # "If your primary CIDR falls within the 10.0.0.0/15 range, you cannot add a CIDR block
        # from the 10.0.0.0/16 range" (VPC-UG, IPv4 CIDR block association restrictions)
        if blocks[0].subnet_of(ten15) and n.overlaps(ten16):  # type: ignore[arg-type]
            return True
    return False


def eni_id(vpc: str, name: str, nat_gateway: bool = False) -> str:
    """A deterministic ENI id (``eni-`` + 17 hex digits) for an instance or NAT gateway."""
    key = f"nat-gateway/{name}" if nat_gateway else name
    return "eni-" + hashlib.sha256(f"{vpc}/{key}".encode()).hexdigest()[:17]


# V17: the emulated internet's pool of auto-assigned public IPv4 addresses (AWS assigns them
# from Amazon's pool; netemu uses the RFC 2544 benchmarking range 198.18.0.0/16, which is public
# for is_public_ipv4, routed by the emulated internet, and clear of the examples' 198.51.100/24
# and 203.0.113/24).
AUTO_PUBLIC_IPV4_POOL = "198.18.0.0/16"


def auto_public_ipv4(vpc: str, name: str, taken: Iterable[str]) -> str:
    """The public IPv4 address auto-assigned to instance ``name`` of ``vpc`` (V17):
    deterministic (a hash of the names picks the start, the next free address wins), never
    ``.0`` or ``.255`` of a /24, never one of ``taken``. Raises ValueError when the pool is full."""
    pool = network(AUTO_PUBLIC_IPV4_POOL)
    used = {int(address(a)) for a in taken}
    size = pool.num_addresses
    start = int(hashlib.sha256(f"{vpc}/{name}".encode()).hexdigest()[:8], 16) % size
    base = int(pool.network_address)
    for k in range(size):
        i = base + (start + k) % size
        if i % 256 in (0, 255) or i in used:
            continue
        return str(type(pool.network_address)(i))
    raise ValueError(f"the auto-assigned public IPv4 pool {AUTO_PUBLIC_IPV4_POOL} is full")


# V16, V24, V37: destinations that never leave a VPC through an internet gateway, an egress-only
# internet gateway, a NAT gateway or a peering connection.
MULTICAST = (ipaddress.ip_network("224.0.0.0/4"), ipaddress.ip_network("ff00::/8"))
LINK_LOCALS = (LINK_LOCAL, ipaddress.ip_network("fe80::/10"))
LIMITED_BROADCAST = "255.255.255.255"
IMDS_ADDRESSES = ("169.254.169.254", "fd00:ec2::254")  # V37: the instance metadata service


def never_forwarded(ip: str, subnet_cidrs: Iterable[str] = ()) -> str | None:
    """Why a packet to ``ip`` is never carried out of its VPC (V16: no broadcast or multicast in a
    VPC; V24/V37: link-local addresses, IMDS and the resolver included, stay on the instance's
    link), or None. ``subnet_cidrs``: the subnets whose broadcast address counts."""
    a = address(ip)
    if any(a in n for n in MULTICAST if n.version == a.version):
        return f"{ip} is a multicast address: a VPC carries no multicast (V16)"
    if str(a) == LIMITED_BROADCAST:
        return f"{ip} is the limited broadcast address: a VPC carries no broadcast (V16)"
    if any(a in n for n in LINK_LOCALS if n.version == a.version):
        return (f"{ip} is a link-local address: it is never routed off the instance's link "
                "(V24, V37)")
    if a.version == 6 and a in ROUTE_FORBIDDEN[1]:
        return (f"{ip} is in fd00:ec2::/32, the range of the services AWS answers on the "
                "instance's link (IMDS, the resolver): it is never forwarded (V24, V37)")
    for cidr in subnet_cidrs:
        n = network(cidr)
        if n.version == a.version == 4 and a == n.broadcast_address:
            return (f"{ip} is the broadcast address of subnet {cidr}: a VPC carries no broadcast"
                    " (V16)")
    return None
