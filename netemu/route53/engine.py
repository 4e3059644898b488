"""``answer(question, client, zones, health, rng) -> Answer``: what Route 53's name servers say,
pure.

Theory of operation, per query: pick the most specific hosted zone (private zones of the
querying VPC first, R88-R90; none -> REFUSED, never an open resolver); find where the name lands
(``lookup.find``); let the routing policy of the (name, type) group choose record sets
(``group.select(client, healthy, rng)``); replace alias records by their targets' record sets
with the target's TTL (R35-R37); shape the sections the way Route 53 does (R9-R13):

- positive answer: AA, the records, the zone's NS in AUTHORITY, addresses of in-zone CNAME / MX /
  NS / SRV targets in ADDITIONAL (R11, R13: an in-zone CNAME is not chased into ANSWER);
- NXDOMAIN and NODATA: AA, the SOA in AUTHORITY with the negative TTL min(SOA TTL, minimum) (R9);
- referral (NS below the apex): no AA, the child's NS in AUTHORITY, glue in ADDITIONAL.

Section entries are ``RRsetRef``s pointing at loaded record sets: the wire codec packed every
record's RDATA once at load, so nothing here parses or validates.
"""

from __future__ import annotations

import random
from dataclasses import replace

from netemu.route53 import lookup
from netemu.route53.answer import Answer, Question, Rcode, RRsetRef
from netemu.route53.client import ClientContext
from netemu.route53.health import HealthSnapshot
from netemu.route53.lookup import CompiledZone, CompiledZones, Node
from netemu.route53.model import RecordSet
from netemu.route53.names import Labels
from netemu.route53.policies import Healthy

MAX_ALIAS_DEPTH = 8
ADDRESS_TYPES = ("A", "AAAA")


REFUSED = Answer(Rcode.REFUSED, explain=("no hosted zone holds this name",))


def make_healthy(zone: CompiledZone, health: HealthSnapshot) -> Healthy:
    """``healthy(record)`` as the routing policies see it (R38, R42, R44), for records of
    ``zone``.

    False when the record's own health check is unhealthy; for an alias with
    EvaluateTargetHealth, also False unless the group it points at has a healthy member.
    """

    def healthy(record: RecordSet, depth: int = 0) -> bool:
        if record.health_check_id is not None and not health.is_healthy(record.health_check_id):
            return False
        target = record.alias_target
        if target is not None and target.evaluate_target_health and depth < MAX_ALIAS_DEPTH:
            found = zone.alias_groups.get(record.key)
            if found is None:
                return False
            return any(healthy(member, depth + 1) for member in found.records)
        return True

    return healthy


def answer(question: Question, client: ClientContext, zones: CompiledZones,
           health: HealthSnapshot, rng: random.Random) -> Answer:
    zone = zones.find_zone(question.name, client.vpc)
    if zone is None:
        return REFUSED
    landing = lookup.find(zone, question.name, question.type)
    kind = landing.kind
    if kind == lookup.DELEGATION:
        return _referral(zone, landing)
    if kind != lookup.FOUND:
        return zone.nxdomain if kind == lookup.NXDOMAIN else zone.nodata
    node = landing.node
    assert node is not None
    types = _types(node, question.type)
    if not types:
        return zone.nodata
    return _positive(zone, node, landing, types, question.type, client, health, rng)


def _types(node: Node, qtype: str) -> tuple[str, ...]:
    """The groups that answer ``qtype`` at ``node``: all for ANY, the type, else a CNAME."""
    if qtype == "ANY":
        return tuple(node.groups)
    if qtype in node.groups:
        return (qtype,)
    return ("CNAME",) if "CNAME" in node.groups else ()


def _positive(zone: CompiledZone, node: Node, landing: lookup.Landing, types: tuple[str, ...],
              qtype: str, client: ClientContext, health: HealthSnapshot,
              rng: random.Random) -> Answer:
    """Each group's policy chooses; aliases are followed; the sections shaped (R9-R13)."""
    healthy = make_healthy(zone, health)
    out: list[RRsetRef] = []
    explain: list[str] = []
    scope: int | None = None
    refs = zone.refs
    exact = not landing.wildcard
    for rtype in types:
        selection = node.groups[rtype].select(client, healthy, rng)
        explain.append(selection.explain)
        if selection.scope_prefix is not None:
            scope = max(scope or 0, selection.scope_prefix)
        for rec in selection.records:
            if rec.alias_target is None:
                ref = refs.get(rec.key) if exact else None
                if ref is None:
                    assert rec.ttl is not None
                    ref = RRsetRef(landing.owner, rtype, rec.ttl, rec)
                out.append(ref)
            else:
                _follow_alias(rec, rtype, landing.owner, zone, client, healthy, rng, out,
                              explain, 0)
    if landing.wildcard:
        explain.append(f"wildcard {node.name}")
    if not out:
        return Answer(Rcode.NOERROR, True, (), zone.nodata.authority, (),
                      ("; ".join(explain) + ": no record selected",), scope)
    authority = () if (qtype == "NS" and node.labels == zone.apex) else zone.ns_authority
    return Answer(Rcode.NOERROR, True, _shuffled(out, rng), authority,
                  _additional(zone, out, client, healthy, rng), tuple(explain), scope)


def _shuffled(refs: list[RRsetRef], rng: random.Random) -> tuple[RRsetRef, ...]:
    """Route 53 returns all values of a record set in random order (DG
    ``routing-policy-simple.md``): each multi-valued RRset gets a fresh permutation."""
    out = []
    for ref in refs:
        n = len(ref.record.values)
        if n > 1:
            order = list(range(n))
            rng.shuffle(order)
            ref = replace(ref, order=tuple(order))
        out.append(ref)
    return tuple(out)


def _follow_alias(rec: RecordSet, rtype: str, owner: Labels, zone: CompiledZone,
                  client: ClientContext, healthy: Healthy, rng: random.Random,
                  out: list[RRsetRef], explain: list[str], depth: int) -> None:
    """R36, R37: the alias shows the target's records (of the same zone, R35), under the
    alias's name and type, with the target's TTL."""
    found = zone.alias_groups.get(rec.key)
    if found is None or depth >= MAX_ALIAS_DEPTH:
        explain.append(f"alias {rec.label()}: target missing")
        return
    selection = found.select(client, healthy, rng)
    explain.append(f"alias -> {selection.explain}")
    for target in selection.records:
        if target.alias_target is None:
            assert target.ttl is not None
            out.append(RRsetRef(owner, rtype, target.ttl, target))
        else:
            _follow_alias(target, rtype, owner, zone, client, healthy, rng, out, explain,
                          depth + 1)


def _additional(zone: CompiledZone, records: list[RRsetRef], client: ClientContext,
                healthy: Healthy, rng: random.Random) -> tuple[RRsetRef, ...]:
    """R11, R13: A/AAAA of in-zone targets of CNAME, MX, NS and SRV records."""
    out: list[RRsetRef] = []
    for ref in records:
        for target in zone.targets.get(ref.record.key, ()):
            node = zone.nodes.get(target)
            if node is not None:
                _addresses(node, client, healthy, rng, zone, out)
    return tuple(out)


def _addresses(node: Node, client: ClientContext, healthy: Healthy, rng: random.Random,
               zone: CompiledZone, out: list[RRsetRef]) -> None:
    for rtype in ADDRESS_TYPES:
        group = node.groups.get(rtype)
        if group is None:
            continue
        for rec in group.select(client, healthy, rng).records:
            if rec.alias_target is None:
                ref = zone.refs.get(rec.key)
                out.append(ref if ref is not None else
                           RRsetRef(node.labels, rtype, rec.ttl or 0, rec))
            else:
                _follow_alias(rec, rtype, node.labels, zone, client, healthy, rng, out, [], 0)


def _referral(zone: CompiledZone, landing: lookup.Landing) -> Answer:
    node = landing.node
    assert node is not None
    ns = node.records["NS"][0]
    glue: list[RRsetRef] = []
    for target in zone.targets.get(ns.key, ()):
        held = zone.nodes.get(target)
        if held is None:
            continue
        for rtype in ADDRESS_TYPES:
            for rec in held.records.get(rtype, ()):
                ref = zone.refs.get(rec.key)
                if ref is not None:
                    glue.append(ref)
    return Answer(Rcode.NOERROR, False, (), (zone.refs[ns.key],), tuple(glue),
                  (f"referral to {node.name}",))
