"""Routing policies: which policy a record-set group uses, and the one dispatch table.

The seam with the engine (``route53.engine``), which never knows a policy's rules:

- at load, ``validate_group(records, zones)`` returns the problems of one (name, type) group as
  ``(record, code, message)`` tuples, and ``compile_group(records, zones)`` returns a
  ``CompiledGroup`` built once (tables, prefix tries, sorted weights...);
- per query, ``group.select(client, healthy, rng)`` returns a ``Selection``. ``healthy(record)``
  is supplied by the engine (it knows health snapshots and alias targets); ``rng`` is a
  ``random.Random``-like object passed in. ``Selection.records`` empty means "no answer"
  (NOERROR, NODATA: geolocation or IP-based with no match and no default).

One module per policy, each exporting ``validate(records, zones)`` and ``compile(records,
zones)`` (an object with ``.select``), registered in ``POLICIES``; each opens with its Name /
Behaviour / Fields / Health / Examples docstring.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, ModuleType

from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet
from netemu.route53.policies import (
    failover,
    geolocation,
    geoproximity,
    ip_based,
    latency,
    multivalue,
    simple,
    weighted,
)
from netemu.route53.policies._base import Compiled, Healthy, Selection, change

__all__ = ["POLICIES", "CompiledGroup", "Healthy", "Selection", "change", "compile_group",
           "policy_of", "validate_group"]

POLICIES: Mapping[str, ModuleType] = MappingProxyType({
    "simple": simple,
    "weighted": weighted,
    "failover": failover,
    "multivalue": multivalue,
    "latency": latency,
    "geolocation": geolocation,
    "geoproximity": geoproximity,
    "ip_based": ip_based,
})

# the routing field of each policy, as the zone file spells it
FIELDS: Mapping[str, Callable[[RecordSet], object]] = MappingProxyType({
    "Weight": lambda r: r.weight,
    "Failover": lambda r: r.failover,
    "Region": lambda r: r.region,
    "GeoLocation": lambda r: r.geo_location,
    "GeoProximityLocation": lambda r: r.geo_proximity_location,
    "CidrRoutingConfig": lambda r: r.cidr_routing_config,
    "MultiValueAnswer": lambda r: r.multi_value_answer or None,
})


def policy_of(record: RecordSet) -> str:
    """The routing policy a record set uses, from its fields (R32: one per name and type)."""
    if record.weight is not None:
        return "weighted"
    if record.failover is not None:
        return "failover"
    if record.region is not None:
        return "latency"
    if record.geo_location is not None:
        return "geolocation"
    if record.geo_proximity_location is not None:
        return "geoproximity"
    if record.cidr_routing_config is not None:
        return "ip_based"
    if record.multi_value_answer:
        return "multivalue"
    return "simple"


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    """A (name, type) group ready to answer: its records, its policy and the policy's compiled
    form (built once at load)."""

    records: tuple[RecordSet, ...]
    policy: str
    compiled: Compiled

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        return self.compiled.select(client, healthy, rng)


def compile_group(records: Sequence[RecordSet], zones: ZoneSet) -> CompiledGroup:
    policy = policy_of(records[0])
    return CompiledGroup(tuple(records), policy, POLICIES[policy].compile(records, zones))


def _mixing(records: Sequence[RecordSet]) -> list[tuple[RecordSet, str, str]]:
    """R32: one routing policy per name and type; one routing field per record."""
    out = []
    for r in records:
        given = [f for f, get in FIELDS.items() if get(r) is not None]
        if len(given) > 1:
            out.append((r, "InvalidInput",
                        f"Invalid request: a record set can use one routing policy, it has "
                        f"{' and '.join(given)} {change(r)}"))
    first = policy_of(records[0])
    for r in records[1:]:
        p = policy_of(r)
        if p == first:
            continue
        if p == "simple":
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type} cannot be created as "
                        f"other RRSets exist with the same name and type."))
        else:
            name = p.replace("_", "-")
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created as a non-{name} set exists "
                        f"with the same name and type."))
    return out


def validate_group(
    records: Sequence[RecordSet], zones: ZoneSet
) -> list[tuple[RecordSet, str, str]]:
    """Every problem of one (name, type) group, in Route 53's words. Mixed policies (R32) are
    reported alone: the per-policy rules assume one policy."""
    if not records:
        return []
    mixed = _mixing(records)
    if mixed:
        return mixed
    issues: list[tuple[RecordSet, str, str]] = POLICIES[policy_of(records[0])].validate(
        records, zones)
    return issues
