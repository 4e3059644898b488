"""Name: multivalue answer — up to eight healthy records, chosen at random.

Behaviour (DG ``routing-policy-multivalue.md``; API ``ResourceRecordSet.MultiValueAnswer``):
"Route 53 responds to DNS queries with up to eight healthy records"; with eight or fewer
healthy records all of them are returned; with more, "different combinations to different
resolvers" (R54). If no record is healthy, up to eight *unhealthy* records are returned, never
an empty answer (R55). Multivalue answer records can't be aliases (R40) and can't be CNAME, NS,
SOA or DS (R34).

Fields: ``SetIdentifier`` (required, unique), ``MultiValueAnswer: true``, optional
``HealthCheckId``, ``ResourceRecords``.

Health: unhealthy records are left out, unless every record is unhealthy (R55).

Examples::

    - {Name: mv.example.com., Type: A, SetIdentifier: one, MultiValueAnswer: true, TTL: 60,
       HealthCheckId: one-hc, ResourceRecords: [{Value: 192.0.2.1}]}
    - ... (one record set per value, up to 100)
    # dig mv.example.com A -> at most 8 of the healthy values, in random order
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from netemu.route53.client import ClientContext
from netemu.route53.model import RecordSet, ZoneSet
from netemu.route53.policies._base import Healthy, Issue, Selection, change, common_checks

MAX_ANSWERS = 8  # R54


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "multivalue")
    for r in records:
        if r.multi_value_answer is not True:
            out.append((r, "InvalidInput",
                        f"Invalid request: MultiValueAnswer must be true for {r.label()}"))
        if r.alias_target is not None:  # R40
            out.append((r, "InvalidInput", "Invalid request: MultiValueAnswer is not allowed "
                                           f"for an alias record {change(r)}"))
        if r.type == "CNAME":  # R34
            out.append((r, "InvalidChangeBatch",
                        f"RRSet of type CNAME with DNS name {r.name} can't use multivalue "
                        "routing"))
    return out


@dataclass(frozen=True, slots=True)
class MultiValue:
    records: tuple[RecordSet, ...]

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        up = [r for r in self.records if healthy(r)]
        pool, note = (up, f"{len(up)} of {len(self.records)} healthy") if up else (
            list(self.records), f"all {len(self.records)} unhealthy, answering unhealthy (R55)")
        chosen = rng.sample(pool, min(MAX_ANSWERS, len(pool)))
        names = ", ".join(f"[{r.set_identifier}]" for r in chosen)
        return Selection(tuple(chosen), f"multivalue: {note}; returned {names}")


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> MultiValue:
    return MultiValue(tuple(records))
