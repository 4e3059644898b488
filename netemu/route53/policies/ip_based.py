"""Name: IP-based — the record whose CIDR location holds the client's network.

Behaviour (DG ``routing-policy-ipbased.md``; API ``CidrRoutingConfig``): a CIDR collection holds
named locations (1-16 characters of ``[0-9A-Za-z_-]``), each a list of CIDR blocks: IPv4 /1 to
/24, IPv6 /1 to /48; the location ``*`` is the default (R68). A client network matches a block
when it lies inside it: a client prefix longer than the block matches, a shorter one does not
(R69). Among overlapping blocks the longest prefix wins; no match and no ``*`` record -> NOERROR
with an empty answer (decision on R69/R71). Every record of a name and type uses the same
collection; not allowed in private zones (R70). The client is the EDNS client subnet, else the
resolver's address (/32 or /128) (R72). The ECS scope echoed is the matching block's length.

Fields: ``SetIdentifier`` (required, unique), ``CidrRoutingConfig`` {``CollectionId``,
``LocationName``}, optional ``HealthCheckId``; alias records allowed. The zone file's
``CidrCollections`` define the blocks.

Health: an unhealthy match passes to the next shorter matching block, then the ``*`` record;
none healthy -> the longest match (R41, R43).

Examples::

    CidrCollections:
      - {Id: offices, Locations: [{LocationName: paris, CidrList: [198.51.100.0/24]}]}
    ResourceRecordSets:
      - {Name: ip.example.com., Type: A, SetIdentifier: paris, TTL: 60,
         CidrRoutingConfig: {CollectionId: offices, LocationName: paris},
         ResourceRecords: [{Value: 192.0.2.50}]}
    # dig +subnet=198.51.100.7/32 ip.example.com A -> 192.0.2.50, ECS scope /24
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from netemu.route53.client import ClientContext
from netemu.route53.model import CidrCollection, RecordSet, ZoneSet
from netemu.route53.policies._base import (
    Healthy,
    Issue,
    Selection,
    common_checks,
    first_healthy,
    zone_of,
)

MAX_PREFIX = {4: 24, 6: 48}  # R68
LOCATION_NAME = re.compile(r"^[0-9A-Za-z_\-]{1,16}$|^\*$")
DEFAULT = "*"


def collection(zones: ZoneSet, collection_id: str) -> CidrCollection | None:
    for c in zones.cidr_collections:
        if c.id == collection_id or c.name == collection_id:
            return c
    return None


def block_problem(block: str) -> str | None:
    """Why a collection's CIDR block is refused (R68), or None."""
    try:
        net = ipaddress.ip_network(block, strict=True)
    except ValueError as exc:
        return f"'{block}' is not a valid CIDR block ({exc})"
    if not 1 <= net.prefixlen <= MAX_PREFIX[net.version]:
        return (f"CIDR block {block}: IPv{net.version} blocks must have a prefix length from /1 "
                f"to /{MAX_PREFIX[net.version]} (R68)")
    return None


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "IP-based")
    first_collection: str | None = None
    seen: dict[str, RecordSet] = {}
    for r in records:
        cfg = r.cidr_routing_config
        assert cfg is not None
        zone = zone_of(r, zones)
        if zone is not None and zone.private:
            out.append((r, "InvalidInput",
                        "Invalid request: IP-based routing is not supported in private hosted "
                        "zones (R70)"))
        coll = collection(zones, cfg.collection_id)
        if coll is None:
            out.append((r, "NoSuchCidrCollectionException",
                        f"The CIDR collection you specified, {cfg.collection_id}, doesn't "
                        f"exist."))
            continue
        if first_collection is None:
            first_collection = coll.id
        elif coll.id != first_collection:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created: every IP-based record of a name "
                        f"and type must use the same CIDR collection ({first_collection}) (R70)"))
        if not LOCATION_NAME.match(cfg.location_name):
            out.append((r, "InvalidInput",
                        f"Invalid request: LocationName '{cfg.location_name}' must be 1-16 "
                        f"characters of 0-9 A-Z a-z _ - (or '*') (R68)"))
            continue
        if cfg.location_name != DEFAULT:
            loc = next((lo for lo in coll.locations if lo.name == cfg.location_name), None)
            if loc is None:
                out.append((r, "NoSuchCidrLocationException",
                            f"The CIDR collection location {cfg.location_name} doesn't exist "
                            f"in CIDR collection {coll.id}."))
                continue
            for block in loc.cidrs:
                problem = block_problem(block)
                if problem is not None:
                    out.append((r, "InvalidInput", f"Invalid request: collection {coll.id} "
                                                   f"location {loc.name}: {problem}"))
        if cfg.location_name in seen:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created: IP-based record "
                        f"[{seen[cfg.location_name].set_identifier}] already uses location "
                        f"{cfg.location_name} for the same name and type"))
        seen.setdefault(cfg.location_name, r)
    return out


# per IP version: prefix lengths, longest first, and {prefix length: {network int: (block, record)}}
Table = tuple[tuple[int, ...], Mapping[int, Mapping[int, tuple[str, RecordSet]]]]


@dataclass(frozen=True, slots=True)
class IpBased:
    tables: Mapping[int, Table]
    default: RecordSet | None

    def matches(self, address: str, prefix: int | None) -> list[tuple[str, RecordSet]]:
        """Matching (block, record) pairs, longest block first (R69, R71)."""
        ip = ipaddress.ip_address(address)
        client_len = ip.max_prefixlen if prefix is None else prefix
        lengths, by_len = self.tables.get(ip.version, ((), {}))
        value = int(ip)
        bits = ip.max_prefixlen
        out = []
        for length in lengths:
            if length > client_len:  # a client prefix shorter than the block: no match (R69)
                continue
            key = value >> (bits - length) << (bits - length)
            hit = by_len[length].get(key)
            if hit is not None:
                out.append(hit)
        return out

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        address, prefix = client.network()
        shown = f"{address}/{prefix}" if prefix is not None else address
        hits = self.matches(address, prefix)
        chain = [r for _, r in hits] + ([self.default] if self.default is not None else [])
        if not chain:
            return Selection((), f"ip-based: client {shown} is in no location and there is no "
                                 f"'*' record: no answer (R71)", client.scope())
        won, note = first_healthy(chain, healthy)
        block = next((b for b, r in hits if r is won), None)
        if block is None:
            return Selection((won,), f"ip-based: {won.label()} default '*' for client "
                                     f"{shown}{note}", client.scope())
        scope = int(block.split("/")[1]) if client.subnet is not None else None
        loc = won.cidr_routing_config.location_name if won.cidr_routing_config else "?"
        return Selection((won,), f"ip-based: {won.label()} location {loc} block {block} "
                                 f"holds client {shown}{note}", scope)


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> IpBased:
    by_version: dict[int, dict[int, dict[int, tuple[str, RecordSet]]]] = {4: {}, 6: {}}
    default = None
    for r in records:
        cfg = r.cidr_routing_config
        if cfg is None:
            continue
        if cfg.location_name == DEFAULT:
            default = r
            continue
        coll = collection(zones, cfg.collection_id)
        loc = next((lo for lo in coll.locations if lo.name == cfg.location_name), None) \
            if coll is not None else None
        for block in loc.cidrs if loc is not None else ():
            net = ipaddress.ip_network(block, strict=False)
            by_version[net.version].setdefault(net.prefixlen, {}).setdefault(
                int(net.network_address), (str(net), r))
    tables = {
        v: (tuple(sorted(t, reverse=True)),
            MappingProxyType({n: MappingProxyType(m) for n, m in t.items()}))
        for v, t in by_version.items()
    }
    return IpBased(MappingProxyType(tables), default)
