"""Route 53's rules over record sets that the shape of one field cannot tell, pure, each with
Route 53's code and wording (docs/behaviour.md R21-R37, R91):

- ``RECORD_RULES``: one record set on its own (name inside the zone R26, known type R34, exactly
  one of alias or TTL+values, alias types R34, value count R31, RDATA R27, single-valued CNAME
  and SOA, CNAME not at the apex R22, SOA only at the apex, no wildcard NS R21, no delegation in
  private zones R91, the health check exists), a table of small functions run in order;
- ``check_zone_records``: the records of one zone together (unique name+type+set identifier R24,
  at most ``MAX_RECORD_SETS`` R31, CNAME alone at its name R23);
- ``zone_clash``: two hosted zones that may not be served side by side;
- ``alias_problem``: an alias target (R35-R37): the same hosted zone, inside it, existing, of the
  same type, no loop;
- ``check_groups``: aliases and the routing policies' own rules per (name, type) group.
Problems are ``(code, message)`` pairs or ``Problem``s naming the file and the record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from netemu.errors import Problem
from netemu.route53 import names, policies, rdata
from netemu.route53.model import HealthCheck, HostedZone, RecordSet, ZoneSet
from netemu.route53.policies._base import already_exists

__all__ = ["MAX_RECORD_SETS", "MAX_VALUES", "RECORD_RULES", "alias_problem", "alias_target_zone",
           "check_groups", "check_record", "check_zone_records", "zone_clash"]

MAX_VALUES = 400                 # R31
MAX_RECORD_SETS = 10000          # R31
NO_ALIAS_TYPES = frozenset({"NS", "SOA"})   # R34
SINGLE_VALUED = frozenset({"CNAME", "SOA"})

Found = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RecordContext:
    """What a record rule may look at besides the record: its zone and the health checks."""

    zone: HostedZone
    apex: names.Labels
    labels: names.Labels
    checks: Mapping[str, HealthCheck]


# --- one record set ----------------------------------------------------------------------------


def _inside_zone(rec: RecordSet, ctx: RecordContext) -> Found:  # R26
    if names.is_subdomain(ctx.labels, ctx.apex):
        return []
    return [("InvalidChangeBatch",
             f"RRSet with DNS name {rec.name} is not permitted in zone {ctx.zone.name}")]


def _known_type(rec: RecordSet, ctx: RecordContext) -> Found:  # R34
    if rec.type in rdata.TYPES:
        return []
    return [("InvalidInput",
             f"1 validation error detected: Value '{rec.type}' at 'type' failed to satisfy "
             f"constraint: Member must satisfy enum value set: [{', '.join(rdata.TYPES)}]")]


def _alias_or_values(rec: RecordSet, ctx: RecordContext) -> Found:
    """Exactly one of: AliasTarget, or TTL together with ResourceRecords."""
    plain = rec.ttl is not None and bool(rec.values)
    some_plain = rec.ttl is not None or bool(rec.values)
    alias = rec.alias_target is not None
    if (alias and some_plain) or (not alias and not plain):
        found = "more than one" if alias else "none"
        return [("InvalidInput",
                 "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
                 f"ResourceRecords], or TrafficPolicyInstanceId], but found {found} "
                 f"{policies.change(rec)}")]
    return []


def _alias_type(rec: RecordSet, ctx: RecordContext) -> Found:  # R34
    if rec.alias_target is not None and rec.type in NO_ALIAS_TYPES:
        return [("InvalidChangeBatch",
                 f"Alias RRSet of type {rec.type} with DNS name {rec.name} is not permitted")]
    return []


def _value_count(rec: RecordSet, ctx: RecordContext) -> Found:  # R31
    if len(rec.values) > MAX_VALUES:
        return [("InvalidChangeBatch",
                 f"RRSet {rec.label()} has {len(rec.values)} values; the limit is "
                 f"{MAX_VALUES} values per record")]
    return []


def _rdata(rec: RecordSet, ctx: RecordContext) -> Found:  # R27: every bad value
    if rec.alias_target is not None:
        return []
    return [("InvalidChangeBatch", problem) for problem in
            (rdata.check(rec.type, value) for value in rec.values) if problem]


def _single_value(rec: RecordSet, ctx: RecordContext) -> Found:
    if rec.type in SINGLE_VALUED and len(rec.values) > 1:
        return [("InvalidChangeBatch",
                 f"RRSet of type {rec.type} with DNS name {rec.name} contains more than one "
                 "value")]
    return []


def _cname_apex(rec: RecordSet, ctx: RecordContext) -> Found:  # R22
    if rec.type == "CNAME" and ctx.labels == ctx.apex:
        return [("InvalidChangeBatch",
                 f"RRSet of type CNAME with DNS name {rec.name} is not permitted at apex in "
                 f"zone {ctx.zone.name}")]
    return []


def _soa_apex(rec: RecordSet, ctx: RecordContext) -> Found:
    if rec.type == "SOA" and ctx.labels != ctx.apex:
        return [("InvalidChangeBatch",
                 f"RRSet of type SOA with DNS name {rec.name} is not permitted: the SOA "
                 f"record must be at the apex of zone {ctx.zone.name}")]
    return []


def _ns_placement(rec: RecordSet, ctx: RecordContext) -> Found:  # R21, R91
    out: Found = []
    if rec.type != "NS":
        return out
    if names.is_wildcard(ctx.labels):
        out.append(("InvalidChangeBatch",
                    f"RRSet of type NS with DNS name {rec.name} is not permitted: wildcard NS "
                    "records are not supported"))
    if ctx.labels != ctx.apex and ctx.zone.private:
        out.append(("InvalidChangeBatch",
                    f"RRSet of type NS with DNS name {rec.name} is not permitted: private "
                    "hosted zones can't delegate subdomains"))
    return out


def _health_check_exists(rec: RecordSet, ctx: RecordContext) -> Found:
    if rec.health_check_id is not None and rec.health_check_id not in ctx.checks:
        return [("NoSuchHealthCheck",
                 f"No health check exists with the specified ID {rec.health_check_id}")]
    return []


RecordRule = Callable[[RecordSet, RecordContext], Found]
# (rule, whether the later rules still make sense when it fails)
RECORD_RULES: tuple[tuple[RecordRule, bool], ...] = (
    (_inside_zone, False), (_known_type, False), (_alias_or_values, True), (_alias_type, True),
    (_value_count, True), (_rdata, True), (_single_value, True), (_cname_apex, True),
    (_soa_apex, True), (_ns_placement, True), (_health_check_exists, True),
)
# the routing rules of a record (one routing field, SetIdentifier R28, the types a policy may
# route R34, R39, R40) are the policies' own: ``check_groups`` runs them


def check_record(rec: RecordSet, zone: HostedZone, apex: names.Labels,
                 checks: Mapping[str, HealthCheck]) -> Found:
    """Problems of one record set on its own, as (code, message)."""
    ctx = RecordContext(zone, apex, names.parse(rec.name), checks)
    out: Found = []
    for rule, go_on in RECORD_RULES:
        found = rule(rec, ctx)
        out += found
        if found and not go_on:
            break
    return out


# --- the records of one zone -------------------------------------------------------------------


def _cname_conflicts(zone: HostedZone, kept: Sequence[RecordSet], source: str) -> list[Problem]:
    """R23: a CNAME is alone at its name, worded by which came first."""
    by_name: dict[str, dict[str, list[RecordSet]]] = defaultdict(lambda: defaultdict(list))
    for rec in kept:
        by_name[rec.name][rec.type].append(rec)
    out: list[Problem] = []
    for name, types in by_name.items():
        if "CNAME" not in types or len(types) == 1:
            continue
        cname_later = [r.type for r in kept if r.name == name].index("CNAME") > 0
        if cname_later:
            out.append(Problem(
                source, types["CNAME"][0].label(), "InvalidChangeBatch",
                f"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts "
                f"with other records with the same DNS name in zone {zone.name}"))
            continue
        for rtype, group in types.items():
            if rtype != "CNAME":
                out.append(Problem(
                    source, group[0].label(), "InvalidChangeBatch",
                    f"RRSet of type {rtype} with DNS name {name} is not permitted because a "
                    f"conflicting RRSet of type CNAME with the same DNS name already exists in "
                    f"zone {zone.name}"))
    return out


def check_zone_records(zone: HostedZone, records: Iterable[RecordSet],
                       checks: Mapping[str, HealthCheck], source: str,
                       problems: list[Problem]) -> list[RecordSet]:
    """Record-level and name-level rules of one zone, in file order; returns the records
    without problems of their own (duplicates dropped)."""
    apex = names.parse(zone.name)
    kept: list[RecordSet] = []
    keys: set[tuple[str, str, str | None]] = set()
    for rec in records:
        found = check_record(rec, zone, apex, checks)
        problems += [Problem(source, rec.label(), code, message) for code, message in found]
        if rec.key in keys:  # R24
            _, code, message = already_exists(rec)
            problems.append(Problem(source, rec.label(), code, message))
            continue
        keys.add(rec.key)
        if not found:
            kept.append(rec)
    if len(kept) > MAX_RECORD_SETS:  # R31
        problems.append(Problem(source, "HostedZone", "TooManyResourceRecordSets",
                                f"The zone {zone.name} has {len(kept)} record sets; the limit is "
                                f"{MAX_RECORD_SETS}"))
    problems += _cname_conflicts(zone, kept, source)
    return kept


def zone_clash(zone: HostedZone, same: Iterable[HostedZone]) -> HostedZone | None:
    """The zone among ``same`` (same name and kind) that ``zone`` may not be served beside:
    any other public zone; a private zone sharing a VPC."""
    for other in same:
        if not zone.private:
            return other
        if {v.vpc_id for v in zone.vpcs} & {v.vpc_id for v in other.vpcs}:
            return other
    return None


# --- aliases and routing groups ----------------------------------------------------------------


def alias_target_zone(rec: RecordSet, zone: HostedZone, zoneset: ZoneSet) -> HostedZone | None:
    """The zone an alias to a Route 53 record points into: its own (R35: "an alias record can't
    reference a record in a different hosted zone"); None for another zone id."""
    assert rec.alias_target is not None
    zone_id = rec.alias_target.hosted_zone_id
    return zone if zone_id is None or zone_id == zone.id else None


def alias_problem(rec: RecordSet, zone: HostedZone, zoneset: ZoneSet) -> str | None:
    """None when the alias (and the chain it starts) is valid, else Route 53's message."""
    seen: set[tuple[str, str]] = set()
    current = rec
    while current.alias_target is not None:
        target = current.alias_target
        head = (f"Tried to create an alias that targets {target.dns_name}, type "
                f"{rec.type} in zone {target.hosted_zone_id or zone.id}")
        if alias_target_zone(current, zone, zoneset) is None:
            if any(z.id == target.hosted_zone_id for z in zoneset.zones):
                # another hosted zone: Route 53 words it as it words every alias whose target
                # the zone given cannot hold
                return (f"{head}, but the alias target name does not lie within the target "
                        f"zone, {head}, but that target was not found")
            return f"{head}, but that hosted zone is not loaded (netemu serves aliases to " \
                   "records of the same hosted zone only)"
        if not names.is_subdomain(names.parse(target.dns_name), names.parse(zone.name)):
            return f"{head}, but the alias target name does not lie within the target zone"
        key = (target.dns_name, rec.type)
        if key in seen:
            return f"{head}, but the alias chain loops back on itself"
        seen.add(key)
        targets = [r for r in zone.record_sets
                   if r.name == target.dns_name and r.type == rec.type]
        if not targets:  # R35, R36: same type, must exist
            return f"{head}, but that target was not found"
        current = targets[0]
    return None


def check_groups(zone: HostedZone, groups: Iterable[Sequence[RecordSet]],
                 aliases: Iterable[tuple[RecordSet, HostedZone]], zoneset: ZoneSet,
                 problems: list[Problem]) -> None:
    """The alias rules (R34-R37) over ``aliases`` (each with its own zone) and the routing
    policies' rules over each (name, type) group of ``zone``."""
    for rec, home in aliases:
        message = alias_problem(rec, home, zoneset)
        if message:
            problems.append(Problem(home.source or "api", rec.label(), "InvalidChangeBatch",
                                    message))
    for group in groups:
        for rec, code, message in policies.validate_group(group, zoneset):
            problems.append(Problem(zone.source or "api", rec.label(), code, message))
