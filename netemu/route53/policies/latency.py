"""Name: latency — the Region with the lowest latency to the client.

Behaviour (DG ``routing-policy-latency.md``; API ``ResourceRecordSet.Region``): Route 53 answers
with the record of the Region that has the lowest latency from the client's network — the EDNS
client subnet when the resolver sends one, else the resolver's address (R57, R72); if that
record is unhealthy, the next-lowest Region (R41, R57); if none is healthy, the lowest (R43).
``Region`` is one of Route 53's ``ResourceRecordSetRegion`` values; one latency record per Region
per name and type (R56). netemu's latencies come from ``route53.latency`` (a documented,
deterministic model: distance over fibre plus a fixed cost).

Fields: ``SetIdentifier`` (required, unique), ``Region``, optional ``HealthCheckId``; alias
records allowed.

Health: walk the Regions in latency order to the first healthy record.

Examples::

    - {Name: app.example.com., Type: A, SetIdentifier: use1, Region: us-east-1, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.1}]}
    - {Name: app.example.com., Type: A, SetIdentifier: euw3, Region: eu-west-3, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.3}]}
    # dig +subnet=81.2.69.0/24 app.example.com A (GB) -> 192.0.2.3 (eu-west-3, Paris)
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from netemu.route53 import geo, latency
from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet
from netemu.route53.policies._base import (
    Healthy,
    Issue,
    Selection,
    common_checks,
    first_healthy,
    validation_error,
)


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "latency")
    seen: dict[str, RecordSet] = {}
    for r in records:
        if r.region is None or r.region not in latency.regions():
            out.append((r, "InvalidInput", validation_error(
                r.region, "region",
                f"Member must satisfy enum value set: [{', '.join(sorted(latency.regions()))}]")))
            continue
        if r.region in seen:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created: latency record "
                        f"[{seen[r.region].set_identifier}] already uses Region {r.region} "
                        f"for the same name and type (R56)"))
        seen.setdefault(r.region, r)
    return out


@dataclass(frozen=True, slots=True)
class Latency:
    by_region: Mapping[str, RecordSet]

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        where = client.location()
        pos = where.coordinates
        placed = ""
        if pos is None:
            pos = latency.unmapped_position()
            placed = f", placed at {geo.UNMAPPED_REGION}"
        records = self.by_region
        ranked = latency.rank(pos, records)
        won, note = first_healthy([records[r] for _, r in ranked], healthy)
        ms = next(m for m, r in ranked if r == won.region)
        return Selection((won,), f"latency: {won.label()} Region {won.region} ~{ms:.0f} ms "
                                 f"from {where.describe()}{placed}{note}", client.scope())


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Latency:
    return Latency(MappingProxyType({r.region: r for r in records if r.region is not None}))
