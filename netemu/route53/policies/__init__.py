"""Routing policies: which policy a record-set group uses, and the one dispatch table.

The seam with the engine (``route53.engine``), which never knows a policy's rules:

- at load, ``validate_group(records, zones)`` returns the problems of one (name, type) group as
  ``(record, code, message)`` tuples, and ``compile_group(records, zones)`` returns a
  ``CompiledGroup`` built once (tables, prefix tries, sorted weights...);
- per query, ``group.select(client, healthy, rng)`` returns a ``Selection``. ``healthy(record)``
  is supplied by the engine (it knows health snapshots and alias targets); ``rng`` is a
  ``random.Random``-like object passed in.

Policy modules (one per policy, same signature) are registered in ``POLICIES``. This file starts
with the simple policy only; the routing-policies issue adds the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet

Healthy = Callable[[RecordSet], bool]


@dataclass(frozen=True, slots=True)
class Selection:
    """What a policy chose: the record sets whose values (or alias targets) form the answer,
    why (for the query log), and the ECS scope prefix to echo (None: the answer does not depend
    on the client's location, scope 0)."""

    records: tuple[RecordSet, ...]
    explain: str
    scope_prefix: int | None = None


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
    """A (name, type) group ready to answer. Simple routing: the one record set, all values."""

    records: tuple[RecordSet, ...]
    policy: str

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        return Selection(self.records, f"{self.policy}: {self.records[0].label()}")


def compile_group(records: Sequence[RecordSet], zones: ZoneSet) -> CompiledGroup:
    return CompiledGroup(tuple(records), policy_of(records[0]))


def validate_group(records: Sequence[RecordSet], zones: ZoneSet) -> list[tuple[RecordSet, str, str]]:
    return []
