"""Name: weighted — each record set gets weight / sum-of-weights of the queries.

Behaviour (DG ``routing-policy-weighted.md``, ``resource-record-sets-values-weighted.md``,
``health-checks-how-route-53-chooses-records.md``): "Route 53 sends traffic to a resource based on
the weight that you assign to the record as a proportion of the total weight for all records in
the group" (R46). A weight of 0 is never returned unless every weight is 0, then all are equally
likely (R47). With health checks, non-zero weights are considered first; zero-weight records
serve only when every non-zero record is unhealthy (R48); with no healthy record at all, all are
treated as healthy (R43). A weighted record set may hold several values: all are returned when
it wins (decision on R50).

Fields: ``SetIdentifier`` (required, unique), ``Weight`` (0-255), ``TTL`` equal across the group
(R49), optional ``HealthCheckId``; alias records allowed (``EvaluateTargetHealth``).

Health: draw among healthy non-zero records; else uniform among healthy zero-weight records;
else (nothing healthy) the same rules over every record.

Examples::

    - {Name: api.example.com., Type: A, SetIdentifier: blue,  Weight: 90, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.10}]}
    - {Name: api.example.com., Type: A, SetIdentifier: green, Weight: 10, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.20}]}
    # dig api.example.com A -> 192.0.2.10 about 90% of the time, 192.0.2.20 about 10%
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet
from netemu.route53.policies._base import (
    Healthy,
    Issue,
    Selection,
    common_checks,
    validation_error,
)


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "weighted")
    for r in records:
        w = r.weight
        if w is None or not 0 <= w <= 255:
            constraint = ("Member must have value less than or equal to 255"
                          if w is not None and w > 255
                          else "Member must have value greater than or equal to 0")
            out.append((r, "InvalidInput", validation_error(w, "weight", constraint)))
    ttls = [r for r in records if r.alias_target is None and r.ttl is not None]
    for r in ttls[1:]:
        if r.ttl != ttls[0].ttl:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name} and type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created as weighted sets must contain "
                        f"the same TTL."))
    return out


def _draw(candidates: Sequence[RecordSet], rng: random.Random) -> tuple[RecordSet, str]:
    """A weighted draw among non-zero weights, or a uniform one when all weights are 0."""
    weights = [c.weight or 0 for c in candidates]
    total = sum(weights)
    if total == 0:
        i = rng.randrange(len(candidates))
        return candidates[i], f"all weights 0: uniform draw {i + 1} of {len(candidates)} (R47)"
    cumulative = list(itertools.accumulate(weights))
    x = rng.randrange(total)
    i = bisect.bisect_right(cumulative, x)
    return candidates[i], f"weight {weights[i]}/{total}, draw {x}"


@dataclass(frozen=True, slots=True)
class Weighted:
    records: tuple[RecordSet, ...]
    nonzero: tuple[RecordSet, ...]
    cumulative: tuple[int, ...]  # of ``nonzero``: the all-healthy fast path

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        up = [r for r in self.records if healthy(r)]
        note = ""
        if not up:
            up, note = list(self.records), "; no healthy record, all treated as healthy (R43)"
        if len(up) == len(self.records) and self.nonzero:
            x = rng.randrange(self.cumulative[-1])
            i = bisect.bisect_right(self.cumulative, x)
            won = self.nonzero[i]
            why = f"weight {won.weight}/{self.cumulative[-1]}, draw {x}"
        else:
            nonzero = [r for r in up if r.weight]
            if nonzero:
                won, why = _draw(nonzero, rng)
            else:
                won, why = _draw(up, rng)
                if any(r.weight for r in self.records):
                    why = f"every non-zero weight unhealthy, zero weights serve (R48); {why}"
        return Selection((won,), f"weighted: {won.label()} {why}{note}")


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Weighted:
    nonzero = tuple(r for r in records if r.weight)
    return Weighted(tuple(records), nonzero,
                    tuple(itertools.accumulate(r.weight or 0 for r in nonzero)))
