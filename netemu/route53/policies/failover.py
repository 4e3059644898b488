"""Name: failover — the primary while it is healthy, else the secondary.

Behaviour (DG ``routing-policy-failover.md``, ``health-checks-how-route-53-chooses-records.md``;
API ``ResourceRecordSet.Failover``): exactly two roles, ``PRIMARY`` and ``SECONDARY`` (R51).
Primary healthy -> primary, whatever the secondary. Primary unhealthy and secondary healthy ->
secondary. Both unhealthy -> primary. A secondary without a health check is always healthy, so
it serves whenever the primary is unhealthy (R52). Either role can be an alias to a tree of
records (R53), and a failover alias must set ``EvaluateTargetHealth`` to true (R39).

Fields: ``SetIdentifier`` (required, unique), ``Failover`` (PRIMARY | SECONDARY, at most one
of each), optional ``HealthCheckId``, ``AliasTarget`` with ``EvaluateTargetHealth: true``.

Health: as above; an alias role is healthy when its target tree has a healthy record (R38).

Examples::

    - {Name: www.example.com., Type: A, SetIdentifier: main, Failover: PRIMARY, TTL: 60,
       HealthCheckId: web-primary, ResourceRecords: [{Value: 192.0.2.10}]}
    - {Name: www.example.com., Type: A, SetIdentifier: backup, Failover: SECONDARY, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.20}]}
    # web-primary healthy -> 192.0.2.10; unhealthy -> 192.0.2.20
"""

from __future__ import annotations

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

ROLES = ("PRIMARY", "SECONDARY")


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "failover")
    seen: dict[str, RecordSet] = {}
    for r in records:
        if r.failover not in ROLES:
            out.append(
                (
                    r,
                    "InvalidInput",
                    validation_error(
                        r.failover,
                        "failover",
                        "Member must satisfy enum value set: [PRIMARY, SECONDARY]",
                    ),
                )
            )
            continue
        if r.failover in seen:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created: a {r.failover} failover record "
                        f"[{seen[r.failover].set_identifier}] already exists with the same name "
                        f"and type (R51)"))
        seen.setdefault(r.failover, r)
        if r.alias_target is not None and not r.alias_target.evaluate_target_health:  # R39
            out.append((r, "InvalidChangeBatch",
                        f"Failover alias record {r.label()} must set EvaluateTargetHealth to "
                        "true"))
    return out


@dataclass(frozen=True, slots=True)
class Failover:
    primary: RecordSet | None
    secondary: RecordSet | None

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        p, s = self.primary, self.secondary
        if p is not None and healthy(p):
            return Selection((p,), f"failover: PRIMARY {p.label()} healthy")
        if s is not None and healthy(s):
            why = "unhealthy" if p is not None else "absent"
            return Selection((s,), f"failover: PRIMARY {why}, SECONDARY {s.label()} healthy")
        if p is not None:
            why = "SECONDARY unhealthy" if s is not None else "no SECONDARY"
            return Selection((p,), f"failover: PRIMARY {p.label()} unhealthy and {why}: "
                                   f"PRIMARY answers (R52)")
        assert s is not None
        return Selection((s,), f"failover: only SECONDARY {s.label()} (unhealthy) exists")


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Failover:
    by_role = {r.failover: r for r in reversed(records)}
    return Failover(by_role.get("PRIMARY"), by_role.get("SECONDARY"))
