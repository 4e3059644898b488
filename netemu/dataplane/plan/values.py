"""The values a plan is made of: namespaces, veth pairs and what is configured inside a
namespace (addresses, routes, policy rules, sysctls, an nftables ruleset). Immutable; the
fingerprints decide what ``diff`` recreates and what it reconciles in place. PURE.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


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
    mtu: int | None = None  # a route MTU (V39, V60): smaller than the device's


@dataclass(frozen=True, slots=True)
class KernelRule:
    """A policy rule: packets arriving on ``iif``, or (``iif`` empty) sent from address
    ``src`` (a /32: an ENI's own address, V185), look up ``table``."""

    priority: int
    iif: str
    table: int
    reason: str = ""
    family: int = 4
    fwmark: tuple[int, int] | None = None  # (mark, mask): only packets carrying that mark
    src: str | None = None

    def selector(self) -> str:
        """The ``ip rule`` words after the priority, with the table."""
        words = (f" iif {self.iif}" if self.iif else "") + (f" from {self.src}" if self.src else "")
        if self.fwmark:
            words += f" fwmark {hex(self.fwmark[0])}/{hex(self.fwmark[1])}"
        return f"{words} table {self.table}"


@dataclass(frozen=True, slots=True)
class Bridge:
    ifname: str
    subnet: str
    mtu: int = 9001  # inside a VPC (V60)


@dataclass(frozen=True, slots=True)
class Namespace:
    """One namespace and everything configured inside it. ``node`` is the name users give to
    ``netemu exec`` (``vpc/instance``, a host name, ``router:vpc``...)."""

    name: str
    role: str  # router | instance | nat | igw | eigw | tgw | internet | host
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
        lines += [_route_line(r) for r in
                  sorted(self.routes, key=lambda r: (r.via is not None, r.table, r.dst))]
        lines += [f"rule add priority {r.priority}{r.selector()}"
                  for r in self.rules if r.family == 4]
        return "\n".join(lines) + "\n"

    def batch6(self) -> str:
        """The IPv6 policy rules (``ip -6 -batch``: a batch line cannot choose the family)."""
        return "".join(f"rule add priority {r.priority}{r.selector()}\n"
                       for r in self.rules if r.family == 6)

    def structure(self) -> str:
        """Fingerprint of what needs the namespace recreated when it changes (role, bridges)."""
        return fingerprint([self.role, [asdict(b) for b in self.bridges]])

    def config(self) -> str:
        """Fingerprint of what is reconciled in place (addresses, routes, rules, nft, sysctls)."""
        return fingerprint(
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


def _route_line(r: KernelRoute) -> str:
    if r.kind == "blackhole":
        return f"route add blackhole {r.dst} table {r.table} proto static"
    words = ["route add", r.dst]
    if r.via is not None:
        words.append(f"via {r.via}")
    if r.dev is not None:
        words.append(f"dev {r.dev}")
    if r.via is None:
        words.append("scope link")
    if r.src is not None:
        words.append(f"src {r.src}")
    if r.mtu is not None:
        words.append(f"mtu {r.mtu}")
    words.append(f"table {r.table} proto static")
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Link:
    """A veth pair: end ``a`` in namespace ``a_ns`` (optionally enslaved to bridge ``a_master``),
    end ``b`` in ``b_ns``; both ends have the MTU of the hop the link stands for (V39, V60)."""

    id: str
    a_ns: str
    a_if: str
    b_ns: str
    b_if: str
    a_master: str | None = None
    b_master: str | None = None
    mtu: int = 1500

    def fingerprint(self) -> str:
        return fingerprint(asdict(self))


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


def fingerprint(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def by_ifname(addresses: list[Address]) -> tuple[Address, ...]:
    return tuple(sorted(addresses, key=lambda a: (a.ifname, a.cidr)))


def by_table(routes: list[KernelRoute]) -> tuple[KernelRoute, ...]:
    return tuple(sorted(routes, key=lambda r: (r.table, r.dst)))
