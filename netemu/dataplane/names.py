"""Names of everything the data plane owns: the prefix, namespace names, interface names,
nftables table names, ownership markers and the link-local transit addresses.

Theory: every object netemu creates carries the prefix (namespaces ``netemu-...``) or lives
inside a namespace that does (interfaces, routes, rules, nftables tables ``netemu_*``). Names are
deterministic functions of the topology's names, so a second ``apply`` computes the same names
and ``destroy`` can find them again. Interface names must fit IFNAMSIZ (15 characters); inside
our namespaces they are short, fixed (``eth0``, ``vpc0``) or ``<letter><10 hex>`` hashes of the
object they stand for. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

PREFIX = "netemu-"
"""Default namespace prefix. Tests and parallel users pass another one that starts with it."""

MARKER = "netemu"
"""Ownership marker: the ifalias of ``lo`` in every namespace netemu creates is
``netemu:<deployment>:<namespace>``, and owned links carry ``netemu:<deployment>:<object>``."""

NFT_TABLE_PREFIX = "netemu_"
IFNAMSIZ = 15

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def check_prefix(prefix: str) -> str:
    """A prefix must start with ``netemu`` so that every namespace is recognisably ours."""
    if not prefix.startswith("netemu") or _SAFE.search(prefix) or len(prefix) > 40:
        raise ValueError(
            f"namespace prefix {prefix!r} must start with 'netemu' and use [A-Za-z0-9_.-]"
        )
    return prefix


def safe(name: str) -> str:
    """A topology name made safe for a namespace file name (``/`` and spaces are replaced and a
    hash keeps distinct names distinct)."""
    cleaned = _SAFE.sub("_", name)
    if cleaned == name and name not in (".", ".."):
        return name
    return f"{cleaned}~{digest(name, 4)}"


def digest(text: str, n: int = 10) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:n]


def ifname(letter: str, *parts: str) -> str:
    """A short, deterministic interface name: one letter and ten hex digits."""
    name = letter + digest("\0".join(parts))
    assert len(name) <= IFNAMSIZ
    return name


# --- namespaces ----------------------------------------------------------------------------


def ns_router(prefix: str, vpc: str) -> str:
    return f"{prefix}r-{safe(vpc)}"


def ns_instance(prefix: str, vpc: str, instance: str) -> str:
    return f"{prefix}i-{safe(vpc)}.{safe(instance)}"


def ns_nat(prefix: str, vpc: str, nat: str) -> str:
    return f"{prefix}nat-{safe(vpc)}.{safe(nat)}"


def ns_igw(prefix: str, vpc: str) -> str:
    return f"{prefix}igw-{safe(vpc)}"


def ns_eigw(prefix: str, vpc: str) -> str:
    return f"{prefix}eigw-{safe(vpc)}"


def ns_tgw(prefix: str, tgw: str) -> str:
    return f"{prefix}tgw-{safe(tgw)}"


def ns_internet(prefix: str) -> str:
    return f"{prefix}inet"


def ns_host(prefix: str, host: str) -> str:
    return f"{prefix}h-{safe(host)}"


def ns_site(prefix: str, site: str) -> str:
    """An on-premises site reached over Site-to-Site VPN (netemu/vpc/vpn.py)."""
    return f"{prefix}s-{safe(site)}"


def marker(deployment: str, obj: str) -> str:
    return f"{MARKER}:{deployment}:{obj}"


def deployment_id(prefix: str) -> str:
    """The deployment named in markers: one per prefix, so two prefixes never claim each
    other's namespaces."""
    return digest(prefix, 8)


# --- transit addresses ---------------------------------------------------------------------

TRANSIT_POOL = ipaddress.IPv4Network("169.254.0.0/17")
"""Point-to-point links (router-IGW, IGW-internet, peering, internet-host) take a /30 from
here: link-local space that no VPC may use (V5) and away from 169.254.168.0/22 (V24) and the
169.254.169.253/254 service addresses."""

_SLOTS = TRANSIT_POOL.num_addresses // 4


def transit_slots(link_ids: list[str]) -> dict[str, ipaddress.IPv4Network]:
    """A /30 per link id: slot = hash of the id, linear probing in sorted id order, so adding a
    link keeps the other links' addresses (unless two hashes collide)."""
    used: set[int] = set()
    out: dict[str, ipaddress.IPv4Network] = {}
    for link in sorted(set(link_ids)):
        slot = int(digest(link, 8), 16) % _SLOTS
        while slot in used:
            slot = (slot + 1) % _SLOTS
        used.add(slot)
        base = int(TRANSIT_POOL.network_address) + slot * 4
        out[link] = ipaddress.IPv4Network((base, 30))
    return out
