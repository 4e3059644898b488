"""Change batches and hosted-zone changes, pure: (current ZoneSet, change) -> new ZoneSet or
Route 53-worded errors.

``apply_change_batch(zoneset, zone_id, changes)`` is ChangeResourceRecordSets (R24, R25, R29,
R30): every change is read with the zone-file loader's own field reader, applied in order to a
working copy of the zone (CREATE of an existing set, DELETE of an absent or different set are
refused), and then every record the batch touches is validated by the **same rules the loader
applies to zone files** (``load`` per record, per name, per alias and per routing group). Every
problem of the batch is collected; if there is one, nothing is applied (``ChangeRejected``).
Only what the batch touches is re-validated, so one change to a zone of 10,000 records costs
about as much as the change itself.

``create_zone`` / ``delete_zone`` / ``set_comment`` / ``associate_vpc`` / ``disassociate_vpc``
are the hosted-zone operations, with the loader's zone rules (R5-R8 defaults, R14, R16).

Nothing here reads the clock or randomness: zone ids are passed in by the edge.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netemu.errors import Problem
from netemu.route53 import health, load, names, shapes
from netemu.route53.model import (
    CidrCollection,
    CidrLocation,
    HealthCheck,
    HostedZone,
    RecordSet,
    VpcAssociation,
    ZoneSet,
)
from netemu.route53.policies._base import already_exists, set_words
from netemu.route53.policies.ip_based import LOCATION_NAME

ACTIONS = ("CREATE", "DELETE", "UPSERT")
MAX_RECORDS_PER_REQUEST = 1000       # R30: ResourceRecord elements, UPSERT counted twice
MAX_VALUE_CHARS = 32000              # R30: characters of values, UPSERT counted twice
MAX_ZONES = 500                      # Route 53's default quota of hosted zones per account
MAX_VPCS_PER_ZONE = 300              # Route 53's default quota of VPCs per private zone
MAX_HEALTH_CHECKS = 200              # Route 53's default quota of health checks per account
Key = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class Change:
    """One ``Change``: the action and the record set as the loader reads it."""

    action: str
    record: RecordSet


class ChangeRejected(Exception):
    """The change was refused whole; ``errors`` are (code, message) in Route 53's words."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors: tuple[tuple[str, str], ...] = tuple(errors)
        super().__init__("; ".join(f"{c}: {m}" for c, m in self.errors))

    @property
    def code(self) -> str:
        """The error code an API answers with: the first non-batch code (``InvalidInput``,
        ``NoSuchHealthCheck``...) or ``InvalidChangeBatch``."""
        for code, _ in self.errors:
            if code != "InvalidChangeBatch":
                return code
        return "InvalidChangeBatch"

    @property
    def messages(self) -> tuple[str, ...]:
        code = self.code
        return tuple(m for c, m in self.errors if c == code)


# --- reading changes ---------------------------------------------------------------------------


def read_changes(raw: Sequence[Mapping[str, Any]]) -> list[Change]:
    """``Changes`` as mappings in the API's shape (``{"Action", "ResourceRecordSet"}``) ->
    values, with the zone-file loader's field reader; raises ChangeRejected with every problem."""
    out: list[Change] = []
    errors: list[tuple[str, str]] = []
    if not raw:
        raise ChangeRejected([("InvalidInput", "Invalid request: Expected at least one Change")])
    for item in raw:
        action = str(item.get("Action", ""))
        if action not in ACTIONS:
            errors.append(("InvalidInput",
                           f"1 validation error detected: Value '{action}' at 'changeBatch."
                           "changes.member.action' failed to satisfy constraint: Member must "
                           f"satisfy enum value set: [{', '.join(ACTIONS)}]"))
            continue
        try:
            record = load.read_record(item.get("ResourceRecordSet"))
        except load.FieldError as bad:  # FieldErrors carries every problem of the item
            errors.extend((e.code, e.message) for e in getattr(bad, "errors", [bad]))
            continue
        out.append(Change(action, record))
    if errors:
        raise ChangeRejected(errors)
    return out


# --- ChangeResourceRecordSets ------------------------------------------------------------------


def _same(a: RecordSet, b: RecordSet, zone_id: str) -> bool:
    """DELETE matches (R25): every field equal; values as a set; an alias to the zone itself
    may name the zone or not."""
    def norm(r: RecordSet) -> RecordSet:
        at = r.alias_target
        if at is not None and at.hosted_zone_id == zone_id:
            at = replace(at, hosted_zone_id=None)
        return replace(r, values=tuple(sorted(r.values)), alias_target=at)
    return norm(a) == norm(b)


def _request_limits(changes: Sequence[Change]) -> list[tuple[str, str]]:
    """R30: ResourceRecord elements and value characters per request, UPSERT counted twice."""
    count = chars = 0
    for ch in changes:
        weight = 2 if ch.action == "UPSERT" else 1
        count += weight * len(ch.record.values)
        chars += weight * sum(len(v) for v in ch.record.values)
    out = []
    if count > MAX_RECORDS_PER_REQUEST:
        out.append(("InvalidChangeBatch",
                    f"Number of records limit of {MAX_RECORDS_PER_REQUEST} exceeded."))
    if chars > MAX_VALUE_CHARS:
        out.append(("InvalidChangeBatch",
                    f"Number of characters limit of {MAX_VALUE_CHARS} exceeded."))
    return out


def find_zone(zoneset: ZoneSet, zone_id: str) -> HostedZone:
    zone_id = zone_id.removeprefix("/hostedzone/")
    for zone in zoneset.zones:
        if zone.id == zone_id:
            return zone
    raise ChangeRejected([("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}")])


def apply_change_batch(zoneset: ZoneSet, zone_id: str, changes: Sequence[Change],
                       strict_aws: bool = False) -> ZoneSet:
    """The new ZoneSet with the batch applied, or ChangeRejected listing every problem (R29).
    Cost: one pass over the zone's records plus the rules over what the batch touched."""
    zone = find_zone(zoneset, zone_id)
    errors = _request_limits(changes)
    index: dict[Key, RecordSet] = {(r.name, r.type, r.set_identifier): r
                                   for r in zone.record_sets}
    working: dict[Key, RecordSet | None] = {}   # what the batch sets (None: deleted)
    touched: set[str] = set()
    for ch in changes:
        rec = ch.record
        key = rec.key
        touched.add(rec.name)
        have = working[key] if key in working else index.get(key)
        if ch.action == "CREATE":
            if have is not None:  # R24
                errors.append(already_exists(rec)[1:])
                continue
            working[key] = rec
        elif ch.action == "DELETE":
            if have is None:  # R25
                errors.append(("InvalidChangeBatch",
                               f"Tried to delete resource record set {set_words(rec)} but it "
                               "was not found"))
                continue
            if not _same(have, rec, zone.id):  # R25
                errors.append(("InvalidChangeBatch",
                               f"Tried to delete resource record set {set_words(rec)} but the "
                               "values provided do not match the current values"))
                continue
            working[key] = None
        else:  # UPSERT
            working[key] = rec
    merged = [working[k] if k in working else r for k, r in index.items()]
    merged += [r for k, r in working.items() if k not in index]
    records = [r for r in merged if r is not None]
    if zone.name in touched:
        errors.extend(_apex_rules(zone, records))
    if len(records) > load.MAX_RECORD_SETS:  # R31
        errors.append(("InvalidChangeBatch",
                       f"The resource record set count limit of {load.MAX_RECORD_SETS} for "
                       f"hosted zone {zone.name} would be exceeded"))
    new_zone = replace(zone, record_sets=tuple(records))
    new_set = _with_zone(zoneset, new_zone)
    errors.extend(_validate_touched(new_zone, new_set, touched, strict_aws))
    if errors:
        raise ChangeRejected(_unique(errors))
    return new_set


def _unique(errors: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(errors))


def _apex_rules(zone: HostedZone, records: Sequence[RecordSet]) -> list[tuple[str, str]]:
    """A zone keeps exactly one SOA and its NS record set at the apex."""
    apex_types = {r.type for r in records if r.name == zone.name}
    out = []
    if "SOA" not in apex_types:
        out.append(("InvalidChangeBatch",
                    "A HostedZone must contain exactly one SOA record."))
    if "NS" not in apex_types:
        out.append(("InvalidChangeBatch",
                    "A HostedZone must contain at least one NS record for the zone itself."))
    return out


def _validate_touched(zone: HostedZone, zoneset: ZoneSet, touched: set[str],
                      strict_aws: bool) -> list[tuple[str, str]]:
    """The loader's rules over what the batch touched: each new record on its own, each touched
    name (R23), each touched (name, type) routing group, and every alias that points at a
    touched name (its target may be gone)."""
    problems: list[Problem] = []
    at_names = [r for r in zone.record_sets if r.name in touched]
    # per record and per name: the loader's zone check over the touched names (existing records
    # first, as they came, so R23 is worded by which came first)
    load.check_records(zone, at_names, zoneset, problems)
    groups: dict[tuple[str, str], list[RecordSet]] = defaultdict(list)
    for rec in at_names:
        groups[(rec.name, rec.type)].append(rec)
    aliases = [(r, zone) for r in zone.record_sets if r.alias_target is not None
               and (r.name in touched or r.alias_target.dns_name in touched)]
    for other in zoneset.zones:  # aliases in other zones into this one
        if other.id == zone.id:
            continue
        aliases.extend((r, other) for r in other.record_sets if r.alias_target is not None
                       and r.alias_target.hosted_zone_id == zone.id
                       and r.alias_target.dns_name in touched)
    load.check_groups(zone, list(groups.values()), aliases, zoneset, problems)
    del strict_aws  # health checks are validated where they are created
    return [(p.code, p.message) for p in problems]


def _with_zone(zoneset: ZoneSet, zone: HostedZone) -> ZoneSet:
    return replace(zoneset, zones=tuple(zone if z.id == zone.id else z for z in zoneset.zones))


# --- hosted zones ------------------------------------------------------------------------------


def create_zone(zoneset: ZoneSet, zone_id: str, name: str, caller_reference: str,
                private: bool = False, vpcs: Sequence[VpcAssociation] = (),
                comment: str | None = None,
                name_servers: Sequence[str] = ()) -> tuple[ZoneSet, HostedZone]:
    """CreateHostedZone: the zone with its default SOA and NS (R5-R8); refuses a reused
    CallerReference (R15), a TLD or wildcard name (R14), a second zone serving the same name."""
    for z in zoneset.zones:
        if z.caller_reference == caller_reference:  # R15
            raise ChangeRejected([("HostedZoneAlreadyExists",
                                   "A hosted zone has already been created with the specified "
                                   f"caller reference: {caller_reference}")])
    if len(zoneset.zones) >= MAX_ZONES:
        raise ChangeRejected([("TooManyHostedZones",
                               f"Limits on the number of hosted zones ({MAX_ZONES}) exceeded")])
    raw: dict[str, Any] = {"Id": zone_id, "Name": name, "CallerReference": caller_reference,
                           "Config": {"PrivateZone": private, "Comment": comment}}
    vpcs_raw = [{"VPCRegion": v.vpc_region, "VPCId": v.vpc_id} for v in vpcs] or None
    try:
        zone = load.read_hosted_zone(raw, vpcs_raw, source="api")
    except load.FieldError as bad:
        raise ChangeRejected([(bad.code, bad.message)]) from None
    clash = load.zone_clash(zone, [z for z in zoneset.zones
                                   if z.name == zone.name and z.private == zone.private])
    if clash is not None:
        raise ChangeRejected([("ConflictingDomainExists",
                               f"netemu already serves a {'private' if private else 'public'} "
                               f"hosted zone for {zone.name} ({clash.id})"
                               + (" in the same VPC" if private else ""))])
    zone = replace(zone, source=None,
                   record_sets=tuple(load.default_records(zone, tuple(name_servers))))
    return replace(zoneset, zones=zoneset.zones + (zone,)), zone


def delete_zone(zoneset: ZoneSet, zone_id: str) -> ZoneSet:
    """DeleteHostedZone: only when just the apex SOA and NS are left (R16)."""
    zone = find_zone(zoneset, zone_id)
    extra = [r for r in zone.record_sets if not (r.name == zone.name and r.type in ("SOA", "NS"))]
    if extra:
        raise ChangeRejected([("HostedZoneNotEmpty",
                               "The specified hosted zone contains non-required resource record "
                               "sets and so cannot be deleted.")])
    return replace(zoneset, zones=tuple(z for z in zoneset.zones if z.id != zone.id))


def set_comment(zoneset: ZoneSet, zone_id: str, comment: str | None) -> ZoneSet:
    """UpdateHostedZoneComment."""
    zone = find_zone(zoneset, zone_id)
    return _with_zone(zoneset, replace(zone, comment=comment or None))


def associate_vpc(zoneset: ZoneSet, zone_id: str, vpc: VpcAssociation) -> ZoneSet:
    """AssociateVPCWithHostedZone: private zones only; one association per VPC."""
    zone = find_zone(zoneset, zone_id)
    if not zone.private:
        raise ChangeRejected([("PublicZoneVPCAssociation",
                               "Public hosted zones can't be associated with a VPC")])
    if any(v.vpc_id == vpc.vpc_id for v in zone.vpcs):
        raise ChangeRejected([("ConflictingDomainExists",
                               f"The VPC {vpc.vpc_id} is already associated with hosted zone "
                               f"{zone.name}")])
    if len(zone.vpcs) >= MAX_VPCS_PER_ZONE:
        raise ChangeRejected([("LimitsExceeded",
                               f"A private hosted zone can be associated with at most "
                               f"{MAX_VPCS_PER_ZONE} VPCs")])
    new_zone = replace(zone, vpcs=zone.vpcs + (vpc,))
    clash = load.zone_clash(new_zone, [z for z in zoneset.zones if z.id != zone.id
                                       and z.name == zone.name and z.private])
    if clash is not None:
        raise ChangeRejected([("ConflictingDomainExists",
                               f"The VPC {vpc.vpc_id} is already associated with another "
                               f"private hosted zone for {zone.name} ({clash.id})")])
    return _with_zone(zoneset, new_zone)


def disassociate_vpc(zoneset: ZoneSet, zone_id: str, vpc: VpcAssociation) -> ZoneSet:
    """DisassociateVPCFromHostedZone: never the last VPC of a private zone."""
    zone = find_zone(zoneset, zone_id)
    if not any(v.vpc_id == vpc.vpc_id for v in zone.vpcs):
        raise ChangeRejected([("VPCAssociationNotFound",
                               f"The specified VPC {vpc.vpc_id} is not associated with the "
                               f"hosted zone {zone.id}")])
    if len(zone.vpcs) == 1:
        raise ChangeRejected([("LastVPCAssociation",
                               "The VPC that you're trying to disassociate from the private "
                               "hosted zone is the last VPC that is associated with the hosted "
                               "zone. Amazon Route 53 doesn't support disassociating the last VPC "
                               "from a hosted zone.")])
    return _with_zone(zoneset, replace(zone, vpcs=tuple(v for v in zone.vpcs
                                                        if v.vpc_id != vpc.vpc_id)))


# --- health checks -----------------------------------------------------------------------------

UPDATABLE = ("IPAddress", "Port", "ResourcePath", "FullyQualifiedDomainName", "SearchString",
             "FailureThreshold", "Inverted", "Disabled", "HealthThreshold", "ChildHealthChecks",
             "EnableSNI", "Regions", "AlarmIdentifier", "InsufficientDataHealthStatus")
RESETTABLE = {"FullyQualifiedDomainName", "Regions", "ResourcePath", "ChildHealthChecks"}


def find_health_check(zoneset: ZoneSet, check_id: str) -> HealthCheck:
    for hc in zoneset.health_checks:
        if hc.id == check_id:
            return hc
    raise ChangeRejected([("NoSuchHealthCheck",
                           f"No health check exists with the specified ID {check_id}")])


def _checked(zoneset: ZoneSet, check: HealthCheck, strict_aws: bool) -> ZoneSet:
    """The set with ``check`` in it (added or replaced), if the health rules (R73-R84, R82
    across checks) accept it."""
    others = tuple(h for h in zoneset.health_checks if h.id != check.id)
    merged = others + (check,)
    problems = [(code, message) for cid, code, message
                in health.validate_health_checks(merged, strict_aws) if cid == check.id]
    if problems:
        raise ChangeRejected(problems)
    if len(others) == len(zoneset.health_checks):  # a new check
        return replace(zoneset, health_checks=merged)
    return replace(zoneset, health_checks=tuple(check if h.id == check.id else h
                                                for h in zoneset.health_checks))


def create_health_check(zoneset: ZoneSet, check_id: str, caller_reference: str,
                        config: Mapping[str, Any], strict_aws: bool = False,
                        ) -> tuple[ZoneSet, HealthCheck]:
    """CreateHealthCheck: the same CallerReference with the same settings returns the existing
    check; with other settings it is ``HealthCheckAlreadyExists`` (R85)."""
    try:
        check = load.read_health_check({"Id": check_id, "CallerReference": caller_reference,
                                        "HealthCheckConfig": dict(config)})
    except load.FieldError as bad:
        raise ChangeRejected([(bad.code, bad.message)]) from None
    for hc in zoneset.health_checks:
        if hc.caller_reference == caller_reference:
            if hc.config == check.config:
                return zoneset, hc
            raise ChangeRejected([("HealthCheckAlreadyExists",
                                   "A health check with the same CallerReference already "
                                   "exists with different settings")])
    if len(zoneset.health_checks) >= MAX_HEALTH_CHECKS:
        raise ChangeRejected([("TooManyHealthChecks",
                               f"Limits on the number of health checks ({MAX_HEALTH_CHECKS}) "
                               "exceeded")])
    return _checked(zoneset, check, strict_aws), check


def update_health_check(zoneset: ZoneSet, check_id: str, update: Mapping[str, Any],
                        current_version: int, strict_aws: bool = False,
                        ) -> tuple[ZoneSet, HealthCheck]:
    """UpdateHealthCheck: ``HealthCheckVersion`` (when given) must be the current one; Type and
    RequestInterval cannot change (R73, R76); ``ResetElements`` clears fields."""
    check = find_health_check(zoneset, check_id)
    version = update.get("HealthCheckVersion")
    if version is not None and str(version) != str(current_version):
        raise ChangeRejected([("HealthCheckVersionMismatch",
                               f"The value of HealthCheckVersion ({version}) does not match the "
                               f"current version ({current_version}) of health check "
                               f"{check_id}")])
    config = shapes.health_check_config(check.config)
    for key in UPDATABLE:
        if update.get(key) is not None:
            config[key] = update[key]
    for key in update.get("ResetElements") or ():
        if key not in RESETTABLE:
            raise ChangeRejected([("InvalidInput", f"ResetElements: {key} cannot be reset")])
        config.pop(key, None)
    try:
        new = load.read_health_check({"Id": check.id, "CallerReference": check.caller_reference,
                                      "HealthCheckConfig": config})
    except load.FieldError as bad:
        raise ChangeRejected([(bad.code, bad.message)]) from None
    return _checked(zoneset, new, strict_aws), new


def delete_health_check(zoneset: ZoneSet, check_id: str) -> ZoneSet:
    """DeleteHealthCheck: refused while a record set or a calculated check uses it (netemu's
    decision for R86: ``HealthCheckInUse``, as the API model's error says)."""
    find_health_check(zoneset, check_id)
    users = [f"{r.label()} in {z.name}" for z in zoneset.zones for r in z.record_sets
             if r.health_check_id == check_id]
    users += [f"calculated health check {h.id}" for h in zoneset.health_checks
              if check_id in h.config.child_health_checks]
    if users:
        raise ChangeRejected([("HealthCheckInUse",
                               f"The health check {check_id} is still referenced from "
                               f"{', '.join(users[:3])}" + (" ..." if len(users) > 3 else ""))])
    return replace(zoneset, health_checks=tuple(h for h in zoneset.health_checks
                                                if h.id != check_id))


# --- CIDR collections (R68, R70) ----------------------------------------------------------------

CIDR_ACTIONS = ("PUT", "DELETE_IF_EXISTS")
MAX_IPV4_PREFIX, MAX_IPV6_PREFIX = 24, 48      # R68


def find_cidr_collection(zoneset: ZoneSet, collection_id: str) -> CidrCollection:
    for cc in zoneset.cidr_collections:
        if cc.id == collection_id:
            return cc
    raise ChangeRejected([("NoSuchCidrCollectionException",
                           f"The CIDR collection you specified, {collection_id}, doesn't "
                           "exist.")])


def create_cidr_collection(zoneset: ZoneSet, collection_id: str, name: str) -> ZoneSet:
    if any(cc.name == name for cc in zoneset.cidr_collections):
        raise ChangeRejected([("CidrCollectionAlreadyExistsException",
                               f"A CIDR collection with the name {name} already exists")])
    if not name or len(name) > 64:
        raise ChangeRejected([("InvalidInput", "Invalid request: CIDR collection names are "
                                               "1-64 characters")])
    return replace(zoneset, cidr_collections=zoneset.cidr_collections
                   + (CidrCollection(collection_id, name),))


def change_cidr_collection(zoneset: ZoneSet, collection_id: str,
                           raw_changes: Sequence[Mapping[str, Any]]) -> ZoneSet:
    """ChangeCidrCollection: PUT adds blocks to a location (creating it), DELETE_IF_EXISTS removes
    them (a location left empty goes); all or nothing. Blocks: IPv4 /1-/24, IPv6 /1-/48 (R68);
    a location still used by a record set cannot lose its last block."""
    cc = find_cidr_collection(zoneset, collection_id)
    locations = {loc.name: list(loc.cidrs) for loc in cc.locations}
    errors: list[tuple[str, str]] = []
    for change in raw_changes:
        name, action = str(change.get("LocationName", "")), str(change.get("Action", ""))
        if action not in CIDR_ACTIONS:
            errors.append(("InvalidInput", f"Invalid request: Action must be one of "
                                           f"{', '.join(CIDR_ACTIONS)}"))
            continue
        if not LOCATION_NAME.match(name) or name == "*":
            errors.append(("InvalidInput", f"Invalid request: LocationName '{name}' must be "
                                           "1-16 characters of 0-9 A-Z a-z _ - (R68)"))
            continue
        blocks = []
        for raw in change.get("CidrList") or []:
            try:
                net = ipaddress.ip_network(str(raw), strict=True)
            except ValueError:
                errors.append(("InvalidInput", f"Invalid request: '{raw}' is not a CIDR block"))
                continue
            longest = MAX_IPV4_PREFIX if net.version == 4 else MAX_IPV6_PREFIX
            if not 1 <= net.prefixlen <= longest:
                errors.append(("InvalidInput",
                               f"Invalid request: CIDR block {net} must have a prefix length "
                               f"from /1 to /{longest} (R68)"))
                continue
            blocks.append(str(net))
        current = locations.setdefault(name, [])
        if action == "PUT":
            current.extend(b for b in blocks if b not in current)
        else:
            locations[name] = [b for b in current if b not in blocks]
    used = {r.cidr_routing_config.location_name for z in zoneset.zones for r in z.record_sets
            if r.cidr_routing_config is not None
            and r.cidr_routing_config.collection_id == cc.id}
    for name, blocks in locations.items():
        if not blocks and name in used:
            errors.append(("CidrBlockInUseException",
                           f"The location {name} of CIDR collection {cc.id} is used by a "
                           "resource record set and must keep at least one CIDR block"))
    if errors:
        raise ChangeRejected(_unique(errors))
    new = replace(cc, locations=tuple(CidrLocation(n, tuple(b)) for n, b in locations.items()
                                      if b))
    return replace(zoneset, cidr_collections=tuple(new if c.id == cc.id else c
                                                   for c in zoneset.cidr_collections))


def delete_cidr_collection(zoneset: ZoneSet, collection_id: str) -> ZoneSet:
    cc = find_cidr_collection(zoneset, collection_id)
    if cc.locations:
        raise ChangeRejected([("CidrCollectionInUseException",
                               f"The CIDR collection {cc.id} still has locations; remove its "
                               "CIDR blocks first")])
    return replace(zoneset, cidr_collections=tuple(c for c in zoneset.cidr_collections
                                                   if c.id != cc.id))


# --- listing -----------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """R97: the name with its labels reversed, trailing dot included (``com.example.www.``),
    compared as ASCII text."""
    return ".".join(reversed(names.canonical(name).rstrip(".").split("."))) + "."


def sort_key(rec: RecordSet) -> tuple[str, str, str]:
    """Route 53's order of ListResourceRecordSets (R97): reversed name, type, set identifier."""
    return (name_key(rec.name), rec.type, rec.set_identifier or "")


__all__ = ["ACTIONS", "Change", "ChangeRejected", "read_changes", "apply_change_batch",
           "create_zone", "delete_zone", "set_comment", "associate_vpc", "disassociate_vpc",
           "find_zone", "sort_key", "name_key", "find_health_check", "create_health_check",
           "update_health_check", "delete_health_check", "find_cidr_collection",
           "create_cidr_collection", "change_cidr_collection", "delete_cidr_collection"]
