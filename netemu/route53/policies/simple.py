"""Name: simple — one record set, every value.

Behaviour (DG ``routing-policy-simple.md``): "If you choose the simple routing policy ... you
can't create multiple records that have the same name and type, but you can specify multiple
values in the same record"; "Route 53 returns all values to the recursive resolver in random
order". Health checks play no part (simple records answer whatever their endpoints' state).

netemu returns the loaded record set itself; the engine gives every multi-valued RRset of an
answer a fresh random permutation (``RRsetRef.order``, drawn from the rng passed in), which the
wire codec applies to the values it packed at load.

Fields: ``Name``, ``Type``, ``TTL``, ``ResourceRecords`` or ``AliasTarget``; no
``SetIdentifier`` and no routing field.

Health: ignored (an alias record's ``EvaluateTargetHealth`` matters only to a policy above it).

Examples::

    - {Name: www.example.com., Type: A, TTL: 300,
       ResourceRecords: [{Value: 192.0.2.1}, {Value: 192.0.2.2}]}
    # dig www.example.com A -> 192.0.2.1 and 192.0.2.2
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet
from netemu.route53.policies._base import Healthy, Issue, Selection, change


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out: list[Issue] = []
    for r in records:
        if r.set_identifier is not None:
            out.append((r, "InvalidInput",
                        "Invalid request: SetIdentifier is allowed only with a routing policy "
                        "(Weight, Region, GeoLocation, GeoProximityLocation, Failover, "
                        f"MultiValueAnswer, CidrRoutingConfig) {change(r)}"))
    for r in records[1:]:
        out.append((r, "InvalidChangeBatch",
                    f"Tried to create resource record set [name='{r.name}', type='{r.type}'] "
                    f"but it already exists"))
    return out


@dataclass(frozen=True, slots=True)
class Simple:
    record: RecordSet

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        r = self.record
        if r.alias_target is not None:
            return Selection((r,), f"simple: {r.label()} alias to {r.alias_target.dns_name}")
        return Selection((r,), f"simple: {r.label()}, {len(r.values)} value(s)")


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Simple:
    return Simple(records[0])
